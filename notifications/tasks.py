import logging
import threading
from smtplib import SMTPServerDisconnected
from urllib.parse import urlsplit

from celery import shared_task
from celery.signals import worker_process_shutdown
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.utils import timezone

from .kinds import email_kind_get
from .models import Notification
from .rendering import email_render
from .services import notification_attempt_failed, notification_dispatch_many

logger = logging.getLogger(__name__)


def _message_id_domain() -> str:
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "portal.local"


def _message_for(notification: Notification) -> EmailMultiAlternatives:
    rendered = email_render(
        kind=notification.kind, language=notification.language, context=notification.context
    )
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        to=[notification.recipient],
        headers={
            "X-Portal-Notification": str(notification.public_id),
            # One Message-ID per outbox row, not per attempt: if a worker dies in the instant
            # between the server's 250 and our commit, the resend is the same message, which
            # mailbox providers and clients collapse into one.
            "Message-ID": f"<{notification.public_id}@{_message_id_domain()}>",
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def _email_settings() -> tuple:
    return (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT)


class _EmailConnection(threading.local):
    """One email connection per worker process (and thread), opened on first use and kept.

    Django opens and closes an SMTP session (or provider HTTP session) per message; doing
    it once per process instead saves the handshake on every email. A session the server
    closed while idle is reopened once: the server had not accepted the message, so sending
    it again cannot duplicate it.
    """

    _backend = None
    _settings: tuple = ()

    def send(self, message: EmailMultiAlternatives) -> None:
        if self._settings != _email_settings():
            self.close()
        reused = self._backend is not None
        if not reused:
            self._backend = get_connection()
            self._settings = _email_settings()
            self._backend.open()
        message.connection = self._backend
        try:
            message.send()
        except (SMTPServerDisconnected, ConnectionError):
            self.close()
            if not reused:
                raise
            self.send(message)
        except Exception:
            # The session may be in any state after a failure: start the next one afresh.
            self.close()
            raise

    def close(self) -> None:
        backend, self._backend = self._backend, None
        if backend is not None:
            try:
                backend.close()
            except Exception:
                logger.debug("Closing the email connection failed", exc_info=True)


email_connection = _EmailConnection()


@worker_process_shutdown.connect
def _email_connection_close(**kwargs) -> None:
    email_connection.close()


# Late acknowledgement and reject-on-worker-lost: a worker that dies mid-send leaves the
# message on the broker for another worker; the row lock and status make the resend a no-op
# if the first send had committed.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def notification_send(notification_id: int) -> str:
    """Send one outbox row, at most once: only a pending row is sent, under a row lock held
    until its new status commits, so a redelivered task finds it sent and does nothing."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)  # scoping: outbox worker
            .filter(pk=notification_id, status=Notification.Status.PENDING)
            .first()
        )
        if notification is None:
            return "skipped"
        notification.attempts += 1
        try:
            email_kind_get(notification.kind)
            message = _message_for(notification)
        except (KeyError, LookupError, ObjectDoesNotExist, TemplateDoesNotExist) as exc:
            # A missing kind, template or object will not fix itself: no point retrying.
            notification_attempt_failed(
                notification=notification, error=f"{type(exc).__name__}: {exc}", permanent=True
            )
            return "failed"
        try:
            email_connection.send(message)
        except Exception as exc:
            logger.warning("Sending notification %s failed: %s", notification.pk, exc)
            notification_attempt_failed(
                notification=notification, error=f"{type(exc).__name__}: {exc}", permanent=False
            )
            return "failed" if notification.status == Notification.Status.FAILED else "retry"
        status = getattr(message, "anymail_status", None)
        message_id = getattr(status, "message_id", None)
        notification.provider_message_id = "" if message_id is None else str(message_id)
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.error = ""
        notification.save(
            update_fields=["attempts", "provider_message_id", "status", "sent_at", "error"]
        )
    return "sent"


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def notifications_send(notification_ids: list[int]) -> int:
    """Send several outbox rows, each exactly as notification_send does: a bulk import's
    emails travel a hundred to a message, not one message each. A redelivered batch skips
    the rows already sent."""
    return sum(notification_send.run(pk) == "sent" for pk in notification_ids)


@shared_task(ignore_result=True)
def notifications_sweep() -> int:
    """Queue every pending row that is due: created while the broker was down, lost with a
    killed worker, or waiting for its next retry."""
    due = list(
        Notification.objects.due()  # scoping: the sweeper works for no one organization
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: settings.NOTIFICATION_SWEEP_BATCH]
    )
    queued = notification_dispatch_many(notification_ids=due)
    if due:
        logger.info("Sweeper queued %s of %s due notifications.", queued, len(due))
    return queued
