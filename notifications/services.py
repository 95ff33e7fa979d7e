import logging
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.tenancy.models import Organization

from .kinds import email_kind_get
from .models import Notification

logger = logging.getLogger(__name__)

# Rows written, and dedupe keys looked up, per query by notification_enqueue_many.
BULK_BATCH = 1000
# Rows sent by one task message when many are queued at once.
DISPATCH_BATCH = 100

# A failed send waits 30 s, 1 min, 2 min, 4 min... before the next attempt.
BACKOFF_BASE_SECONDS = 30

# Where the provider's tracking events lead; events that say nothing final are ignored.
TRACKING_STATUSES = {
    "delivered": Notification.Status.DELIVERED,
    "bounced": Notification.Status.BOUNCED,
    "rejected": Notification.Status.BOUNCED,
    "complained": Notification.Status.COMPLAINED,
}


def notification_enqueue(
    *,
    kind: str,
    recipient: str,
    language: str,
    dedupe_key: str,
    context: dict[str, Any] | None = None,
    organization: Organization | None = None,
    topic: str = "",
) -> Notification:
    """Record an email in the outbox, in the caller's transaction; send it once that commits.

    Recording the same `dedupe_key` again returns the existing row and sends nothing more.
    If the broker cannot take the task, the row stays pending and the sweeper sends it.
    """
    email_kind_get(kind)  # an unknown kind fails here, in the request, not later in a worker
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "kind": kind,
            "recipient": recipient,
            "language": language,
            "context": context or {},
            "organization": organization,
            "topic": topic,
            "next_attempt_at": timezone.now()
            + timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE),
        },
    )
    if created:
        transaction.on_commit(lambda: notification_dispatch(notification_id=notification.pk))
    return notification


@dataclass(frozen=True)
class NotificationDraft:
    """One email to record, as notification_enqueue takes it."""

    kind: str
    recipient: str
    language: str
    dedupe_key: str
    context: dict[str, Any] = field(default_factory=dict)
    organization: Organization | None = None
    topic: str = ""


def notification_enqueue_many(*, drafts: list[NotificationDraft]) -> int:
    """notification_enqueue for many emails at once, such as a bulk import's: the same
    rules (one row per dedupe key, in the caller's transaction, sent once it commits), with
    one INSERT per thousand rows and, after the commit, one broker connection for them all.
    Returns how many rows were new."""
    for kind in {draft.kind for draft in drafts}:
        email_kind_get(kind)
    keys = [draft.dedupe_key for draft in drafts]
    known = {
        key
        for start in range(0, len(keys), BULK_BATCH)
        for key in Notification.objects.filter(
            dedupe_key__in=keys[start : start + BULK_BATCH]
        ).values_list("dedupe_key", flat=True)
    }
    due = timezone.now() + timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE)
    fresh, seen = [], set(known)
    for draft in drafts:
        if draft.dedupe_key in seen:
            continue
        seen.add(draft.dedupe_key)
        fresh.append(
            Notification(
                kind=draft.kind,
                recipient=draft.recipient,
                language=draft.language,
                dedupe_key=draft.dedupe_key,
                context=draft.context,
                organization=draft.organization,
                topic=draft.topic,
                next_attempt_at=due,
            )
        )
    try:
        # In a savepoint: a concurrent writer of one of these keys fails only this insert,
        # not the caller's transaction.
        with transaction.atomic():
            created = Notification.objects.bulk_create(fresh, batch_size=BULK_BATCH)
    except IntegrityError:
        created = _create_one_by_one(fresh)
    ids = [notification.pk for notification in created]
    if ids:
        transaction.on_commit(lambda: notification_dispatch_many(notification_ids=ids))
    return len(ids)


def _create_one_by_one(rows: list[Notification]) -> list[Notification]:
    """The rows whose dedupe key is still free, written one at a time (get_or_create waits for
    a concurrent writer of the same key and then returns its row)."""
    created = []
    for row in rows:
        notification, new = Notification.objects.get_or_create(
            dedupe_key=row.dedupe_key,
            defaults={
                "kind": row.kind,
                "recipient": row.recipient,
                "language": row.language,
                "context": row.context,
                "organization": row.organization,
                "topic": row.topic,
                "next_attempt_at": row.next_attempt_at,
            },
        )
        if new:
            created.append(notification)
    return created


def notification_dispatch(*, notification_id: int) -> bool:
    """Queue the send task. A broker outage is logged, not raised: the row is in the
    database and the sweeper queues it once the broker is back."""
    return notification_dispatch_many(notification_ids=[notification_id]) == 1


def notification_dispatch_many(*, notification_ids: list[int]) -> int:
    """Queue the rows' sending over one broker connection, a hundred rows to a message;
    returns how many rows were queued. If the broker fails, the rest stay pending for the
    sweeper."""
    from .tasks import notification_send, notifications_send

    app = notification_send.app
    queued = 0
    try:
        # Eager tasks (the demo, most tests) run here and now: no broker to connect to.
        with nullcontext() if app.conf.task_always_eager else app.producer_or_acquire() as producer:
            for start in range(0, len(notification_ids), DISPATCH_BATCH):
                batch = notification_ids[start : start + DISPATCH_BATCH]
                if len(batch) == 1:
                    notification_send.apply_async((batch[0],), producer=producer)
                else:
                    notifications_send.apply_async((batch,), producer=producer)
                queued += len(batch)
    except Exception:
        logger.warning(
            "Could not queue %s of %s notifications; the sweeper will retry.",
            len(notification_ids) - queued,
            len(notification_ids),
            exc_info=True,
        )
    return queued


def notification_attempt_failed(*, notification: Notification, error: str, permanent: bool) -> None:
    """Record a failed attempt and release its claim: retry later with exponential backoff,
    or give up (a permanent failure, or the last attempt)."""
    notification.error = error[:2000]
    notification.claimed_at = None
    if permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        notification.status = Notification.Status.FAILED
    else:
        delay = BACKOFF_BASE_SECONDS * 2 ** max(notification.attempts - 1, 0)
        notification.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    notification.save(
        update_fields=["attempts", "error", "status", "next_attempt_at", "claimed_at"]
    )


@transaction.atomic
def notification_retry(*, notification_ids: list[int]) -> int:
    """Give failed notifications, and pending ones whose last attempt failed, a new set of
    attempts (staff, from the admin or a command). A row whose last attempt was lost
    mid-send may already have arrived: its next copy is recorded as a possible duplicate."""
    rows = list(
        Notification.objects.select_for_update().retryable().filter(pk__in=notification_ids)
    )
    now = timezone.now()
    for notification in rows:
        notification.possible_duplicate = (
            notification.possible_duplicate or notification.claimed_at is not None
        )
        notification.status = Notification.Status.PENDING
        notification.attempts = 0
        notification.claimed_at = None
        notification.next_attempt_at = now + timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE)
        notification.save(
            update_fields=[
                "status",
                "attempts",
                "claimed_at",
                "possible_duplicate",
                "next_attempt_at",
            ]
        )
        transaction.on_commit(partial(notification_dispatch, notification_id=notification.pk))
    return len(rows)


def notification_tracking_record(*, provider_message_id: str, event_type: str) -> int:
    """Apply a provider's delivery event to the notification it reports on."""
    status = TRACKING_STATUSES.get(event_type)
    if status is None or not provider_message_id:
        return 0
    return Notification.objects.filter(
        provider_message_id=provider_message_id,
        status__in=[Notification.Status.SENT, Notification.Status.DELIVERED],
    ).update(status=status)
