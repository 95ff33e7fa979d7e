from importlib import import_module

from celery import shared_task
from django.conf import settings

from .links import spent_links_forget
from .services import password_reset_request


@shared_task(name="accounts.password_reset_request", ignore_result=True)
def password_reset_request_run(email: str) -> None:
    """Look the address up and email its reset link, away from the request: the page then
    answers a known and an unknown address after the same work (a published task)."""
    password_reset_request(email=email)


@shared_task(name="accounts.sessions_expired_clear", ignore_result=True)
def sessions_expired_clear() -> None:
    """Delete expired sessions (Django leaves them in the table), and with them what they
    held: a password-reset token kept by a visitor who never chose their new password lives
    in a session that expires soon after (PasswordResetConfirmView). The digests of spent
    one-use links go too once those links would have expired."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    spent_links_forget()
