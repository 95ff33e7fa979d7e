import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.tenancy.models import Organization

from .kinds import email_kind_get
from .models import Notification

logger = logging.getLogger(__name__)

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
            "next_attempt_at": timezone.now()
            + timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE),
        },
    )
    if created:
        transaction.on_commit(lambda: notification_dispatch(notification_id=notification.pk))
    return notification


def notification_dispatch(*, notification_id: int) -> bool:
    """Queue the send task. A broker outage is logged, not raised: the row is in the
    database and the sweeper queues it once the broker is back."""
    from .tasks import notification_send

    try:
        notification_send.delay(notification_id)
    except Exception:
        logger.warning(
            "Could not queue notification %s; the sweeper will retry.",
            notification_id,
            exc_info=True,
        )
        return False
    return True


def notification_attempt_failed(*, notification: Notification, error: str, permanent: bool) -> None:
    """Record a failed attempt: retry later with exponential backoff, or give up."""
    notification.error = error[:2000]
    if permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        notification.status = Notification.Status.FAILED
    else:
        delay = BACKOFF_BASE_SECONDS * 2 ** (notification.attempts - 1)
        notification.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    notification.save(update_fields=["attempts", "error", "status", "next_attempt_at"])


@transaction.atomic
def notification_retry(*, notification_ids: list[int]) -> int:
    """Give failed notifications a new set of attempts (staff, from the admin or a command)."""
    rows = list(
        Notification.objects.select_for_update().filter(
            pk__in=notification_ids, status=Notification.Status.FAILED
        )
    )
    now = timezone.now()
    for notification in rows:
        notification.status = Notification.Status.PENDING
        notification.attempts = 0
        notification.next_attempt_at = now + timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE)
        notification.save(update_fields=["status", "attempts", "next_attempt_at"])
        transaction.on_commit(lambda pk=notification.pk: notification_dispatch(notification_id=pk))
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
