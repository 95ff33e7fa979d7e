import logging
from importlib import import_module

from celery import shared_task
from django.conf import settings
from kombu.exceptions import OperationalError

from .links import spent_links_forget
from .services import email_verification_resend, password_reset_request

logger = logging.getLogger(__name__)


def lookup_enqueue(task, email: str, **kwargs) -> None:
    """Queue `task` (one that looks `email` up and may email it), so that the request does
    the same work whether or not the address has an account. Without a broker for the
    moment it runs here: the person still gets their email."""
    try:
        task.delay(email, **kwargs)
    except OperationalError:
        logger.warning("Could not queue %s; running it in the request.", task.name)
        task.run(email, **kwargs)


@shared_task(name="accounts.password_reset_request", ignore_result=True)
def password_reset_request_run(email: str) -> None:
    """Look the address up and email its reset link, away from the request: the page then
    answers a known and an unknown address after the same work (a published task)."""
    password_reset_request(email=email)


@shared_task(name="accounts.email_verification_resend", ignore_result=True)
def email_verification_resend_run(email: str) -> None:
    """A new verification link for `email` if it has an unverified account; looked up away
    from the request, as a password reset is."""
    email_verification_resend(email=email)


@shared_task(name="accounts.sessions_expired_clear", ignore_result=True)
def sessions_expired_clear() -> None:
    """Delete expired sessions (Django leaves them in the table), and with them what they
    held: a password-reset token kept by a visitor who never chose their new password lives
    in a session that expires soon after (PasswordResetConfirmView). The digests of spent
    one-use links go too once those links would have expired."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    spent_links_forget()
