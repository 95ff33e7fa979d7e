import logging
import os
import smtplib
import socket
import threading
import time
from datetime import timedelta
from smtplib import SMTPRecipientsRefused, SMTPResponseException, SMTPServerDisconnected
from urllib.parse import urlsplit

from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_shutdown
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
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
        except BaseException:
            # The session may be in any state after a failure: start the next one afresh,
            # without a QUIT that a hung server would leave unanswered too.
            self.abort()
            raise

    def abort(self) -> None:
        """Drop the connection without a word to the server."""
        backend, self._backend = self._backend, None
        session = getattr(backend, "connection", None)
        try:
            if isinstance(session, smtplib.SMTP):
                session.close()
            elif backend is not None:
                backend.close()
        except Exception:
            logger.debug("Dropping the email connection failed", exc_info=True)

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


def _permanent(error: Exception) -> bool:
    """A refusal the mail server or provider will repeat however often we ask: an SMTP 5xx
    reply (550 no such mailbox, 554 rejected), or a provider refusing every recipient."""
    if isinstance(error, SMTPRecipientsRefused):
        return bool(error.recipients) and all(
            500 <= code < 600 for code, _message in error.recipients.values()
        )
    if isinstance(error, SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return isinstance(error, AnymailRecipientsRefused | AnymailInvalidAddress)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _database_reconnect() -> None:
    """After a database error outside a transaction: drop the broken connection, so that the
    next query opens a new one."""
    if not connection.in_atomic_block:
        connection.close()


def _claim(notification_id: int) -> Notification | str:
    """Commit one attempt at the row before anything talks to the mail server, and return the
    claimed row; or say why there is nothing to send. The transaction and its row lock last
    for this one UPDATE, never across the network.

    A claim older than its lease belongs to a worker that was lost mid-send: the email may
    have arrived. It is sent once more (the same Message-ID) and marked a possible duplicate;
    a second lost attempt stops it, failed, rather than risk a third copy. Either way a
    message that kills every worker that touches it stops."""
    now = timezone.now()
    lease = timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE)
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)  # scoping: outbox worker
            .filter(pk=notification_id, status=Notification.Status.PENDING)
            .first()
        )
        if notification is None:
            return "skipped"
        if (
            notification.claimed_at is None
            and notification.attempts
            and notification.next_attempt_at > now
        ):
            return "skipped"  # waiting for its next retry: a stray task must not cut it short
        if notification.claimed_at is not None:
            if notification.claimed_at > now - lease:
                return "skipped"  # another attempt is under way
            lost = (
                f"The worker sending this email was lost (attempt {notification.attempts}, "
                f"by {notification.claimed_by or 'unknown'}); it may have been delivered."
            )
            logger.warning("Notification %s: %s", notification.pk, lost)
            if notification.possible_duplicate or (
                notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
            ):
                notification_attempt_failed(
                    notification=notification,
                    error=f"{lost} Not sent again: retry it if it did not arrive.",
                    permanent=True,
                )
                return "failed"
            notification.possible_duplicate = True
            notification.error = lost
        notification.attempts += 1
        notification.claimed_at = now
        notification.claimed_by = _worker_name()
        notification.next_attempt_at = now + lease
        notification.save(
            update_fields=[
                "attempts",
                "claimed_at",
                "claimed_by",
                "next_attempt_at",
                "possible_duplicate",
                "error",
            ]
        )
    return notification


def _release(notification: Notification, **changes) -> None:
    """Record the outcome of the claimed attempt, unless staff changed the row meanwhile.
    After the mail server accepted the email this must not be lost: a dropped database
    connection (a restart, a failover) is retried for up to a minute, so that the row says
    sent instead of being sent again once its claim runs out."""
    for delay in (0, 0.5, 1, 2, 4, 8, 15, 30):
        time.sleep(delay)
        try:
            Notification.objects.filter(  # scoping: outbox worker
                pk=notification.pk, claimed_at=notification.claimed_at
            ).update(claimed_at=None, **changes)
            return
        except (OperationalError, InterfaceError) as error:
            logger.warning("Recording notification %s: %s; trying again.", notification.pk, error)
            _database_reconnect()
    raise OperationalError(f"Could not record the outcome of notification {notification.pk}.")


# Late acknowledgement and reject-on-worker-lost: a worker that dies mid-send leaves the
# message on the broker for another worker, which finds the claim (see _claim).
@shared_task(
    name="notifications.tasks.notification_send",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def notification_send(notification_id: int) -> str:
    """Send one outbox row as a claim: commit the attempt, check that what it announces still
    holds, talk to the mail server with no transaction open, then record the outcome."""
    claimed = _claim(notification_id)
    if isinstance(claimed, str):
        return claimed
    notification = claimed
    try:
        kind = email_kind_get(notification.kind)
        if kind.still_holds is not None and not kind.still_holds(notification.context):
            logger.info("Notification %s cancelled: %s", notification.pk, kind.cancel_reason)
            _release(
                notification,
                status=Notification.Status.CANCELLED,
                cancel_reason=kind.cancel_reason[:255],
            )
            return "cancelled"
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
        permanent = _permanent(exc)
        logger.warning(
            "Sending notification %s failed%s: %s",
            notification.pk,
            " for good" if permanent else "",
            exc,
        )
        notification_attempt_failed(
            notification=notification, error=f"{type(exc).__name__}: {exc}", permanent=permanent
        )
        if isinstance(exc, SoftTimeLimitExceeded):
            raise
        return "failed" if notification.status == Notification.Status.FAILED else "retry"
    status = getattr(message, "anymail_status", None)
    message_id = getattr(status, "message_id", None)
    _release(
        notification,
        provider_message_id="" if message_id is None else str(message_id),
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        error="",
    )
    return "sent"


@shared_task(
    name="notifications.tasks.notifications_send",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def notifications_send(notification_ids: list[int]) -> int:
    """Send several outbox rows, each exactly as notification_send does: a bulk import's
    emails travel a hundred to a message, not one message each. A redelivered batch skips
    the rows already sent. A row the database could not claim or record is left to the
    sweeper; past the soft time limit the rest of the batch is too."""
    sent = 0
    for pk in notification_ids:
        try:
            sent += notification_send.run(pk) == "sent"
        except SoftTimeLimitExceeded:
            logger.warning("Batch stopped at its time limit; the sweeper queues the rest.")
            break
        except DatabaseError as error:
            logger.warning("Notification %s left for the sweeper: %s", pk, error)
            _database_reconnect()
    return sent


@shared_task(name="notifications.tasks.notifications_sweep", ignore_result=True)
def notifications_sweep() -> int:
    """Queue every pending row that is due: created while the broker was down, lost with a
    killed worker, or waiting for its next retry. The rows it queues are leased for the
    grace period (their next_attempt_at moves on), so that a queue running behind does not
    get the same rows again every sweep."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Notification.objects.due()  # scoping: the sweeper works for no one organization
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[: settings.NOTIFICATION_SWEEP_BATCH]
        )
        Notification.objects.filter(pk__in=due).update(  # scoping: the sweeper
            next_attempt_at=now + timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE)
        )
    queued = notification_dispatch_many(notification_ids=due)
    if due:
        logger.info("Sweeper queued %s of %s due notifications.", queued, len(due))
    return queued
