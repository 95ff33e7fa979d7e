"""Password reset (and asking for a new verification link) answers a known and an unknown
address after the same work: the page looks nothing up, it queues one task (which does), so
neither its content nor its queries nor its time say whether an account exists.
bench/enumeration.py prints the two timings."""

import base64
import json
import re

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification
from portal import celery_app
from portal.accounts.tasks import password_reset_request_run
from tests.factories import LicensingContactFactory, UserFactory
from tests.notifications.conftest import free_port

pytestmark = pytest.mark.django_db


def queued_tasks(queue: str) -> list[tuple[str, list]]:
    """(task name, arguments) of every message waiting in `queue` on the real broker."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    messages = [json.loads(raw) for raw in broker.lrange(queue, 0, -1)]
    broker.delete(queue)
    return [
        (message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[0])
        for message in messages
    ]


def asked(client, url: str, email: str, queue: str) -> tuple[int, list[str], list]:
    """The answer's status, the SQL the request ran (values left out) and the tasks it
    queued, each with its arguments."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"email": email})
    shapes = [re.sub(r"'[^']*'|\b\d+\b", "?", query["sql"]) for query in queries]
    return response.status_code, shapes, queued_tasks(queue)


@pytest.mark.parametrize(
    ("url", "task"),
    [
        ("accounts:password_reset", "accounts.password_reset_request"),
        ("accounts:resend_verification", "accounts.email_verification_resend"),
        ("licensing_center:sign_in", "agreements.licensing_sign_in_request"),
    ],
    ids=["password reset", "new verification link", "licensing sign-in link"],
)
def test_a_known_and_an_unknown_address_run_the_same_queries_and_queue_the_same_task(
    client, broker_queue, url, task
):
    UserFactory(email="ana@example.com", email_verified_at=None)
    LicensingContactFactory(email="ana@example.com")

    known = asked(client, reverse(url), "ana@example.com", broker_queue)
    unknown = asked(client, reverse(url), "nobody@example.com", broker_queue)

    assert known[0] == unknown[0] and known[0] in (200, 302)
    assert known[1] == unknown[1], "the same queries"
    assert known[2] == [(task, ["ana@example.com"])]
    assert unknown[2] == [(task, ["nobody@example.com"])]
    assert not Notification.objects.exists(), "the page itself sends nothing"


def test_the_task_emails_the_known_address_and_nothing_for_an_unknown_one(
    django_capture_on_commit_callbacks, mailoutbox
):
    UserFactory(email="ana@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        password_reset_request_run("ANA@example.com")
        password_reset_request_run("nobody@example.com")

    assert [message.to for message in mailoutbox] == [["ana@example.com"]]


def test_without_a_broker_the_reset_link_still_goes(client, ana_on_a_dead_broker, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "ana@example.com"})

    assert response.status_code == 302
    assert Notification.objects.filter(kind="password_reset").count() == 1


@pytest.fixture
def ana_on_a_dead_broker():
    """A broker URL on a spare port with nothing listening: Redis is 'down'."""
    UserFactory(email="ana@example.com")
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=f"redis://127.0.0.1:{free_port()}/0", task_always_eager=False)
    celery_app._after_fork()  # forget pooled connections to the shared broker
    yield
    celery_app.conf.update(saved)
    celery_app._after_fork()
