"""No token of a link reaches a log line: neither Django's (the console handler's filter)
nor gunicorn's access log, read here from a real gunicorn serving the portal."""

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from agreements.partner_links.tokens import licensing_link_token_make
from licensing_center.tokens import licensing_sign_in_token_make
from portal.log_redaction import REDACTED, tokens_redact
from tests.project.paths import ROOT
from tests.project.test_settings import TEST_ONLY_VARIABLES

pytestmark = pytest.mark.django_db

SIGN_IN_TOKEN = licensing_sign_in_token_make("it@fabrikam.example")
LINK_TOKEN = licensing_link_token_make(
    agreement_public_id="6f1c1c52-8b6a-4a43-9d4e-3c1d3f0b9a11", email="it@fabrikam.example"
)
RESET_TOKEN = "c9x8k2-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
INVITATION_TOKEN = "eyJpIjoiNmYxYzFjNTIifQ:1vQxyz:Secret-Invitation-Signature"


def token_urls() -> dict[str, str]:
    """Every URL whose path or query carries a token, with the token it carries."""
    return {
        SIGN_IN_TOKEN: reverse("licensing_center:sign_in_link", args=[SIGN_IN_TOKEN]),
        LINK_TOKEN: reverse("agreements:licensing_link", args=[LINK_TOKEN]),
        INVITATION_TOKEN: reverse("tenancy:invitation_accept", args=[INVITATION_TOKEN]),
        f"agreement-{INVITATION_TOKEN}": reverse(
            "agreements:invitation_accept", args=[f"agreement-{INVITATION_TOKEN}"]
        ),
        RESET_TOKEN: reverse("accounts:password_reset_confirm", args=["MTIzNDU", RESET_TOKEN]),
        f"verify-{RESET_TOKEN}": reverse(
            "accounts:verify_email", args=["MTIzNDU", f"verify-{RESET_TOKEN}"]
        ),
        f"signup-{INVITATION_TOKEN}": reverse("accounts:sign_up")
        + "?"
        + urlencode(
            {
                "invitation": f"signup-{INVITATION_TOKEN}",
                "next": reverse("tenancy:invitation_accept", args=[f"signup-{INVITATION_TOKEN}"]),
            }
        ),
    }


def assert_no_token_in(log: str):
    for token, url in token_urls().items():
        assert token not in log, f"the token of {url} is in the log"
        assert token.split(":")[-1] not in log


def test_every_token_path_and_query_is_redacted():
    for token, url in token_urls().items():
        redacted = tokens_redact(f'GET {url} HTTP/1.1 "https://portal.test{url}"')
        assert token not in redacted
        assert REDACTED in redacted


def test_paths_without_tokens_are_left_as_they_are():
    for url in (
        reverse("accounts:password_reset_done"),
        reverse("accounts:password_reset_complete"),
        reverse("accounts:resend_verification"),
        "/organization/invitations/6f1c1c52-8b6a-4a43-9d4e-3c1d3f0b9a11/revoke/",
    ):
        assert tokens_redact(f"GET {url} HTTP/1.1") == f"GET {url} HTTP/1.1"


@pytest.fixture
def console_log():
    """What the portal's console handler (settings.LOGGING) writes, filters and all."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_django_writes_no_token_when_it_logs_a_refused_link(console_log):
    client = Client()

    for url in token_urls().values():
        client.get(url)
        client.post(url)

    log = console_log.getvalue()
    assert "Bad Request" in log, "the refused links were logged"
    assert REDACTED in log
    assert_no_token_in(log)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(db, tmp_path):
    """A real gunicorn, started from gunicorn.conf.py as in production, on the test database;
    yields its base URL and a function returning what it has logged so far."""
    database = settings.DATABASES["default"]
    port = _free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k not in TEST_ONLY_VARIABLES},
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "WEB_CONCURRENCY": "1",
    }
    log_path = tmp_path / "gunicorn.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/accounts/sign-in/", timeout=2)  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            pytest.fail(f"gunicorn did not start: {log_path.read_text()}")
        yield base, log_path.read_text
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _get(url: str, referer: str | None = None):
    request = urllib.request.Request(url, headers={"Referer": referer} if referer else {})  # noqa: S310
    try:
        return urllib.request.urlopen(request, timeout=10)  # noqa: S310
    except urllib.error.HTTPError as refused:
        return refused


def test_gunicorn_logs_no_token_and_names_no_server(gunicorn):
    base, log_read = gunicorn

    answers = [_get(base + url, referer=base + url) for url in token_urls().values()]
    time.sleep(0.5)

    log = log_read()
    assert all("Server" not in answer.headers for answer in answers)
    assert log.count(f"{REDACTED}") >= len(answers), log
    assert_no_token_in(log)
