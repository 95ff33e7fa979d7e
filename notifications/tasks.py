import logging
from datetime import timedelta

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from .models import Notification
from .rendering import email_render

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notification_send(notification_id: int) -> str:
    """Send one outbox row, at most once: the row is claimed under a lock and only a
    pending row is ever sent."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Notification.Status.PENDING)
            .first()
        )
        if notification is None:
            return "skipped"
        rendered = email_render(
            kind=notification.kind, language=notification.language, context=notification.context
        )
        message = EmailMultiAlternatives(
            subject=rendered.subject, body=rendered.text, to=[notification.recipient]
        )
        message.attach_alternative(rendered.html, "text/html")
        notification.attempts += 1
        try:
            message.send()
        except Exception as exc:
            logger.warning("Sending notification %s failed: %s", notification.pk, exc)
            notification.error = str(exc)[:2000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
            else:
                delay = timedelta(seconds=30 * 2 ** (notification.attempts - 1))
                notification.next_attempt_at = timezone.now() + delay
            notification.save(update_fields=["attempts", "error", "status", "next_attempt_at"])
            return "failed"
        status = getattr(message, "anymail_status", None)
        notification.provider_message_id = (status.message_id or "") if status else ""
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.error = ""
        notification.save(
            update_fields=["attempts", "provider_message_id", "status", "sent_at", "error"]
        )
    return "sent"
