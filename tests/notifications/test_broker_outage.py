"""Redis down while emails are created: the requests succeed, and once the broker is back
the sweeper gets every email delivered exactly once."""

import subprocess
import uuid

import pytest
import redis
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.tasks import notifications_sweep
from portal import celery_app

from ..workers import celery_worker, wait_until
from .conftest import free_port


@pytest.fixture
def private_broker():
    """A broker URL on a spare port, with nothing listening yet: Redis is 'down'."""
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    queue = f"test-{uuid.uuid4().hex}"
    keys = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=url, task_always_eager=False, task_default_queue=queue)
    celery_app._after_fork()  # forget pooled connections to the shared broker
    yield port, url, queue
    celery_app.conf.update(saved)
    celery_app._after_fork()


def _start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)

    def answers() -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    assert wait_until(answers, timeout=10), "the private redis-server did not start"
    return process


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_emails_created_while_redis_is_down_are_delivered_once_it_is_back(
    owner_client,
    organization,
    smtp_inbox,
    private_broker,
):
    smtp_port, inbox = smtp_inbox
    port, url, queue = private_broker
    invitees = [f"colleague{n}@fabrikam.example" for n in range(5)]

    responses = [
        owner_client.post(reverse("tenancy:members"), {"email": email, "role": "member"})
        for email in invitees
    ]

    assert [r.status_code for r in responses] == [302] * 5, "the requests still succeed"
    pending = Notification.objects.filter(status=Notification.Status.PENDING)
    assert pending.count() == 5

    server = _start_redis(port)
    try:
        with celery_worker(
            queue=queue,
            extra_env={"REDIS_URL": url, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}"},
        ):
            # The sweeper's grace period has passed (without waiting a minute in a test).
            pending.update(next_attempt_at=timezone.now())
            queued = notifications_sweep()
            delivered = wait_until(lambda: not pending.exists(), timeout=60)
            notifications_sweep()  # a second sweep finds nothing left to queue
            wait_until(lambda: len(inbox.messages) > 5, timeout=2)
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert queued == 5
    assert delivered
    assert sorted(message["To"] for message in inbox.messages) == invitees
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 5
