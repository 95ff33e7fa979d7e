from typing import Any

from django.db import transaction

from portal.tenancy.models import Organization

from .kinds import email_kind_get
from .models import Notification


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
        },
    )
    if created:
        from .tasks import notification_send

        transaction.on_commit(lambda: notification_send.delay(notification.pk))
    return notification
