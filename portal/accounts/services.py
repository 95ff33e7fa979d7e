from axes.utils import reset as axes_reset
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from notifications.services import notification_enqueue
from portal.limits import email_resend_limit, email_subject
from portal.tenancy.context import Actor

from .models import User


@transaction.atomic
def user_signup(
    *, email: str, full_name: str, password: str, preferred_language: str, email_proven: bool
) -> User:
    """Create an account. `email_proven` is true when the person arrived through a link
    mailed to that address (an invitation); otherwise they are sent a verification link."""
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        preferred_language=preferred_language,
        email_verified_at=timezone.now() if email_proven else None,
    )
    if not email_proven:
        email_verification_send(user=user)
    return user


def email_verification_send(*, user: User) -> None:
    """Queue a verification link; asking again within the same minute sends one email."""
    minute = timezone.now().strftime("%Y%m%d%H%M")
    notification_enqueue(
        kind="email_verification",
        recipient=user.email,
        language=user.preferred_language,
        dedupe_key=f"email_verification:{user.pk}:{minute}",
        context={"user_id": user.pk, "full_name": user.full_name},
    )


def email_verification_resend_allowed(*, email: str, ip_address: str | None) -> bool:
    """Count one request for a new verification link, per address and per IP address; False
    past the resend limit. Whether or not an account exists, the same count goes up."""
    try:
        email_resend_limit.enforce(
            actor=Actor(user=None, ip_address=ip_address),
            email=email_subject(email),
            ip=ip_address,
        )
    except ValidationError:
        return False
    return True


@transaction.atomic
def user_email_verify(*, user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])


def password_reset_send(*, user: User) -> None:
    notification_enqueue(
        kind="password_reset",
        recipient=user.email,
        language=user.preferred_language,
        dedupe_key=f"password_reset:{user.pk}:{timezone.now().isoformat()}",
        context={"user_id": user.pk, "full_name": user.full_name},
    )


def user_language_set(*, user: User, language: str) -> None:
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def sign_in_lockout_lift(*, user: User) -> None:
    """A used password-reset link proves the mailbox: its owner may sign in again at once,
    as the locked-out page promises. Axes records the address lowercased (lockout.py)."""
    axes_reset(username=user.email.lower())
