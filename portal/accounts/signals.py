"""Receivers for what django-axes and Django's authentication report: failed sign-ins
counted per account across addresses, the account holder told of a lockout, and no token
kept in axes' logs."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver

from portal.limits import email_count_key, sign_in_account_limit
from portal.log_redaction import tokens_redact

from .lockout import lockout_username
from .services import sign_in_locked_notify


@receiver(user_login_failed, dispatch_uid="accounts.sign_in_failure_count")
def sign_in_failure_count(sender, credentials=None, request=None, **kwargs) -> None:
    email = lockout_username(request, credentials)
    if email and sign_in_account_limit.record(account=email_count_key(email)):
        sign_in_locked_notify(email=email)


@receiver(user_locked_out, dispatch_uid="accounts.sign_in_lockout_notify")
def sign_in_lockout_notify(sender, request=None, username=None, **kwargs) -> None:
    if username:
        sign_in_locked_notify(email=username)


def _tokens_redact(sender, instance, **kwargs) -> None:
    """Axes keeps the path (and query) of every sign-in, and an email-verification or
    invitation link signs in: its token would stay in the table long after it was used."""
    for field in ("path_info", "get_data"):
        value = getattr(instance, field, None)
        # Axes appends to an attempt's data with a database expression: left as it is.
        if isinstance(value, str):
            setattr(instance, field, tokens_redact(value))


for model in (AccessAttempt, AccessFailureLog, AccessLog):
    pre_save.connect(_tokens_redact, sender=model, dispatch_uid=f"accounts.redact.{model.__name__}")
