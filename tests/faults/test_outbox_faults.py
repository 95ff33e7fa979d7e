"""The outbox against a worker SIGKILLed mid-batch, PostgreSQL restarted mid-batch, a mail
server that hangs or refuses, a message that kills its worker, and an email whose news no
longer holds: nothing lost, nothing sent twice unless recorded as a possible duplicate
carrying the same Message-ID, nothing stuck."""

import tempfile
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from agreements.models import SubscriptionLevel
from agreements.subscribers.services.assignments import (
    SubscriberDetails,
    subscription_assign,
    subscriptions_remove,
)
from notifications.models import Notification
from notifications.services import (
    NotificationDraft,
    notification_dispatch,
    notification_enqueue_many,
)
from notifications.tasks import notifications_sweep

from ..conftest import actor_of
from ..workers import celery_worker, wait_until
from .conftest import worker_env
from .servers import RedisServer, SmtpServer, kill_group, manage

pytestmark = [pytest.mark.fault, pytest.mark.worker]

CONTEXT = {
    "customer_name": "Fabrikam Ltd",
    "partner_name": "Contoso Partners",
    "authorization_number": "V482019301",
}


def _drafts(prefix: str, count: int) -> list[NotificationDraft]:
    return [
        NotificationDraft(
            kind="partner_removed",
            recipient=f"{prefix}{n}@example.com",
            language="en",
            dedupe_key=f"{prefix}:{n}",
            context=CONTEXT,
        )
        for n in range(count)
    ]


def _sweep_until_settled(pending, timeout: float = 90) -> bool:
    def settled() -> bool:
        notifications_sweep()  # what beat does every 30 s
        return not pending.exists()

    return wait_until(settled, timeout=timeout, interval=1.0)


def _figures(smtp: SmtpServer, expected_ids: set[str]) -> dict[str, int]:
    received = smtp.inbox.received()
    return {
        "expected": len(expected_ids),
        "received": sum(received.values()),
        "duplicated": sum(received.values()) - len(received),
        "lost": len(expected_ids - set(received)),
    }


def _message_ids(queryset) -> set[str]:
    return {
        f"<{public_id}@portal.test>" for public_id in queryset.values_list("public_id", flat=True)
    }


@pytest.mark.django_db(transaction=True)
def test_a_worker_sigkilled_mid_batch_loses_nothing_and_records_its_duplicate(
    fault_redis, smtp_server, fault_figures, settings
):
    settings.NOTIFICATION_SWEEP_GRACE = 0
    # The server keeps the 16th message but the worker is killed before it hears the 250:
    # the one case where a second copy cannot be ruled out.
    smtp_server.inbox.hold_after = 15
    with transaction.atomic():
        notification_enqueue_many(drafts=_drafts("killed", 40))  # one batch of 40 on commit
    rows = Notification.objects.all()
    env = worker_env(fault_redis, smtp_server)

    with celery_worker(queue=fault_redis.queue, extra_env=env) as worker:
        assert wait_until(lambda: smtp_server.inbox.waiting == 1), "the worker never got there"
        kill_group(worker)
    smtp_server.inbox.mode = "accept"
    assert rows.filter(status=Notification.Status.SENT).count() == 15
    (in_flight,) = rows.filter(claimed_at__isnull=False)

    with celery_worker(queue=fault_redis.queue, extra_env=env):
        assert _sweep_until_settled(rows.exclude(status=Notification.Status.SENT))

    figures = _figures(smtp_server, _message_ids(rows))
    fault_figures("worker SIGKILLed mid-batch (40 emails)", **figures)
    assert figures == {"expected": 40, "received": 41, "duplicated": 1, "lost": 0}
    received = smtp_server.inbox.received()
    (twice,) = [message_id for message_id, copies in received.items() if copies == 2]
    assert twice == f"<{in_flight.public_id}@portal.test>", "the second copy is the same message"
    assert list(rows.filter(possible_duplicate=True)) == [in_flight], "and is recorded as such"
    assert rows.filter(status=Notification.Status.SENT).count() == 40


def test_postgresql_restarted_mid_batch_loses_nothing_and_sends_nothing_twice(
    fault_postgres, smtp_server, fault_figures
):
    redis = RedisServer()
    redis.start()
    queue = f"fault-{uuid.uuid4().hex}"
    database = {"DATABASE_URL": fault_postgres.url(), "REDIS_URL": redis.url(0)}
    fault_postgres.query("DELETE FROM notifications_notification RETURNING id")
    # 80 emails, committed by a process of their own into the suite's own PostgreSQL.
    manage(
        "shell",
        "-c",
        "from django.db import transaction\n"
        "from notifications.services import NotificationDraft, notification_enqueue_many\n"
        "with transaction.atomic():\n"
        "    notification_enqueue_many(drafts=[NotificationDraft(kind='partner_removed',"
        " recipient=f'restart{n}@example.com', language='en', dedupe_key=f'restart:{n}',"
        f" context={CONTEXT!r}) for n in range(80)])\n",
        env={**database, "CELERY_TASK_ALWAYS_EAGER": "false", "CELERY_QUEUE": queue},
    )
    smtp_server.inbox.delay = 0.03  # a batch that lasts long enough to be cut in the middle
    schedule = Path(tempfile.mkdtemp()) / "beat-schedule"
    env = worker_env(redis, smtp_server, NOTIFICATION_SWEEP_EVERY="1", NOTIFICATION_SWEEP_GRACE="0")

    def sent() -> int:
        try:
            return fault_postgres.query(
                "SELECT count(*) FROM notifications_notification WHERE status = 'sent'"
            )[0][0]
        except Exception:  # the server is restarting
            return -1

    try:
        with celery_worker(
            queue=queue, extra_env={**env, **database}, extra_args=["-B", "-s", str(schedule)]
        ):
            assert wait_until(lambda: len(smtp_server.inbox.messages) >= 20, timeout=60)
            fault_postgres.restart()
            restarted_at = len(smtp_server.inbox.messages)
            assert wait_until(lambda: sent() == 80, timeout=120, interval=0.5)
    finally:
        redis.stop()

    rows = fault_postgres.query(
        "SELECT public_id, possible_duplicate FROM notifications_notification"
    )
    expected_ids = {f"<{public_id}@portal.test>" for public_id, _flag in rows}
    flagged = {f"<{public_id}@portal.test>" for public_id, flag in rows if flag}
    figures = _figures(smtp_server, expected_ids)
    fault_figures("PostgreSQL restarted mid-batch (80 emails)", **figures)
    assert 20 <= restarted_at < 80, "the restart came in the middle of the batch"
    assert figures["lost"] == 0 and figures["received"] == 80 + figures["duplicated"]
    duplicated = {message_id for message_id, n in smtp_server.inbox.received().items() if n > 1}
    assert duplicated <= flagged, "a second copy, if any, is recorded as a possible duplicate"
    assert figures["duplicated"] == 0, "the outcome of every send was recorded after the restart"


def _idle_in_transaction() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND state LIKE 'idle in transaction%%'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_hung_mail_server_holds_no_worker_and_no_transaction(
    fault_redis, smtp_server, fault_figures, settings
):
    settings.NOTIFICATION_SWEEP_GRACE = 0
    smtp_server.inbox.mode = "hang"  # every DATA waits for an answer that does not come
    with transaction.atomic():
        notification_enqueue_many(drafts=_drafts("hung", 2))
    rows = Notification.objects.all()
    samples = []

    def every_attempt_gave_up() -> bool:
        samples.append(_idle_in_transaction())
        # A batch cut by its time limit leaves the rest to the sweeper.
        notifications_sweep()
        return rows.filter(attempts=1, claimed_at__isnull=True).exclude(error="").count() == 2

    env = worker_env(fault_redis, smtp_server, EMAIL_TIMEOUT="1")
    with celery_worker(queue=fault_redis.queue, extra_env=env):
        # One worker process, two emails: the first hang must end for the second to start.
        assert wait_until(every_attempt_gave_up, timeout=60, interval=0.5), list(
            rows.values("attempts", "claimed_at", "error", "status", "next_attempt_at")
        )
        errors = set(rows.values_list("error", flat=True))
        assert set(rows.values_list("status", flat=True)) == {Notification.Status.PENDING}
        smtp_server.inbox.mode = "accept"  # the server recovers
        call_command("notifications_retry")  # pending rows with an error are retried too
        assert _sweep_until_settled(rows.exclude(status=Notification.Status.SENT))

    figures = _figures(smtp_server, _message_ids(rows))
    fault_figures("SMTP hung, cut by EMAIL_TIMEOUT (2 emails)", **figures)
    assert figures == {"expected": 2, "received": 2, "duplicated": 0, "lost": 0}
    assert max(samples) == 0, "no transaction stayed open while the server hung"
    assert all("timed out" in error for error in errors), errors


@pytest.mark.django_db(transaction=True)
def test_a_permanent_refusal_fails_on_the_first_attempt(
    fault_redis, smtp_server, fault_figures, settings
):
    settings.NOTIFICATION_SWEEP_GRACE = 0
    smtp_server.inbox.rejected = {"refused0@example.com"}
    with transaction.atomic():
        notification_enqueue_many(drafts=_drafts("refused", 2))
    rows = Notification.objects.all()

    with celery_worker(queue=fault_redis.queue, extra_env=worker_env(fault_redis, smtp_server)):
        assert _sweep_until_settled(rows.filter(status=Notification.Status.PENDING))

    refused = rows.get(recipient="refused0@example.com")
    figures = _figures(smtp_server, _message_ids(rows.exclude(pk=refused.pk)))
    fault_figures("SMTP 550 for 1 of 2 emails", **figures)
    assert figures == {"expected": 1, "received": 1, "duplicated": 0, "lost": 0}
    assert (refused.status, refused.attempts) == (Notification.Status.FAILED, 1)
    assert "550" in refused.error


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_removed_before_the_send_gets_no_email(
    fault_redis, smtp_server, agreement, super_admin, fault_figures, settings
):
    settings.NOTIFICATION_SWEEP_GRACE = 0
    actor = actor_of(super_admin, agreement.customer_organization)
    level = SubscriptionLevel.objects.get(code="vs-enterprise")

    def assign(email: str):
        details = SubscriberDetails(first_name="Léa", last_name="Bernard", sign_in_email=email)
        return subscription_assign(actor=actor, agreement=agreement, level=level, details=details)

    lea = assign("lea@fabrikam.example")  # queued, but no worker is running yet
    assign("marc@fabrikam.example")
    subscriptions_remove(actor=actor, agreement=agreement, subscriptions=[lea])
    rows = Notification.objects.all()

    with celery_worker(queue=fault_redis.queue, extra_env=worker_env(fault_redis, smtp_server)):
        assert _sweep_until_settled(rows.filter(status=Notification.Status.PENDING))

    cancelled = rows.get(recipient="lea@fabrikam.example")
    figures = _figures(smtp_server, _message_ids(rows.exclude(pk=cancelled.pk)))
    fault_figures("subscriber removed before the send (1 of 2)", **figures)
    assert figures == {"expected": 1, "received": 1, "duplicated": 0, "lost": 0}
    assert [message["To"] for message in smtp_server.inbox.messages] == ["marc@fabrikam.example"]
    assert cancelled.status == Notification.Status.CANCELLED
    assert "removed" in cancelled.cancel_reason


@pytest.mark.django_db(transaction=True)
def test_a_message_that_kills_every_worker_stops_and_says_why(
    fault_redis, smtp_server, fault_figures, settings
):
    settings.NOTIFICATION_SWEEP_GRACE = 0
    # Written as a row, not through notification_enqueue: its kind exists only in the worker.
    poison = Notification.objects.create(
        kind="fault_poison", recipient="poison@example.com", language="en", dedupe_key="poison"
    )
    with transaction.atomic():
        notification_enqueue_many(drafts=_drafts("healthy", 1))
    notification_dispatch(notification_id=poison.pk)
    rows = Notification.objects.all()
    env = worker_env(
        fault_redis,
        smtp_server,
        FAULT_POISON_ARMED="1",
        CELERY_TASK_SOFT_TIME_LIMIT="2",
        CELERY_TASK_TIME_LIMIT="3",
        NOTIFICATION_CLAIM_LEASE="4",
    )

    with celery_worker(
        queue=fault_redis.queue, extra_env=env, extra_args=["--include", "tests.faults.poison"]
    ):
        assert _sweep_until_settled(rows.filter(status=Notification.Status.PENDING))

    poison.refresh_from_db()
    figures = _figures(smtp_server, _message_ids(rows.exclude(pk=poison.pk)))
    fault_figures("a message that kills its worker (+1 healthy)", **figures)
    assert figures == {"expected": 1, "received": 1, "duplicated": 0, "lost": 0}
    assert (poison.status, poison.attempts) == (Notification.Status.FAILED, 2)
    assert "worker sending this email was lost" in poison.error
    assert poison.sent_at is None
