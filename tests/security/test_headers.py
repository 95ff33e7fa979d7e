"""Production answers with the security headers and cookies, a CSP without inline code, and
CSRF protection on every state-changing request (htmx ones included)."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.project.paths import ROOT
from tests.project.test_settings import TEST_ONLY_VARIABLES

PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
# The manifest of hashed static files exists only after collectstatic; headers do not care.
settings.STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
response = Client().get("/accounts/sign-in/", secure=True, headers={"host": "portal.example.com"})
cookies = {name: dict(morsel.items()) for name, morsel in response.cookies.items()}
answer = {"status": response.status_code, "headers": dict(response.headers), "cookies": cookies}
print(json.dumps(answer))
"""


@pytest.fixture
def production_response(db) -> dict:
    database = settings.DATABASES["default"]
    environment = {
        **{k: v for k, v in os.environ.items() if k not in TEST_ONLY_VARIABLES},
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
        "REDIS_URL": "redis://127.0.0.1:6379/2",
        "ALLOWED_HOSTS": "portal.example.com",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
    }
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_production_sends_the_security_headers(production_response):
    headers = production_response["headers"]
    assert production_response["status"] == 200
    hsts = headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_content_security_policy_allows_no_inline_code(production_response):
    policy = _directives(production_response["headers"]["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_production_cookies_are_secure(production_response):
    csrf = production_response["cookies"]["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"


@pytest.mark.django_db
def test_a_post_without_its_csrf_token_is_refused(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    plain = client.post(reverse("tenancy:members"), {"email": "x@example.com", "role": "member"})
    htmx = client.post(
        reverse("tenancy:members"),
        {"email": "x@example.com", "role": "member"},
        headers={"HX-Request": "true"},
    )

    assert plain.status_code == 403
    assert htmx.status_code == 403


@pytest.mark.django_db
def test_htmx_requests_carry_the_csrf_token_from_the_page(owner_client):
    page = owner_client.get(reverse("home")).content.decode()

    assert 'hx-headers=\'{"X-CSRFToken": "' in page
