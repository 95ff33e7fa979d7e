from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.services import notification_enqueue
from portal.limits import email_count_key, email_resend_limit, sign_in_account_limit
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


def user_signup_request(
    *, email: str, full_name: str, password: str, preferred_language: str
) -> User | None:
    """Sign-up by someone who has not proven the address. The answer must be the same
    whether or not it has an account, so both paths do the same work: a password is hashed
    and one email is queued, a verification link to a new account or, to the holder of an
    existing one, word that someone tried (see `sign_up_attempted_notify`). Returns the new
    account, or None when the address had one."""
    holder = User.objects.filter(email__iexact=email.strip()).first()
    if holder is None:
        try:
            with transaction.atomic():
                return user_signup(
                    email=email,
                    full_name=full_name,
                    password=password,
                    preferred_language=preferred_language,
                    email_proven=False,
                )
        except IntegrityError:
            # Two sign-ups for one address at once: the database let the other one through.
            holder = User.objects.get(email__iexact=email.strip())
    else:
        make_password(password)  # as long as creating the account would take
    sign_up_attempted_notify(user=holder)
    return None


def sign_up_attempted_notify(*, user: User) -> None:
    """Tell the holder of an address that someone tried to create an account with it, in
    their language; at most once an hour, however often it is tried."""
    hour = timezone.now().strftime("%Y%m%d%H")
    notification_enqueue(
        kind="sign_up_attempted",
        recipient=user.email,
        language=user.preferred_language,
        dedupe_key=f"sign_up_attempted:{user.pk}:{hour}",
        context={"full_name": user.full_name},
    )


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


def email_verification_resend(*, email: str) -> bool:
    """Send a new verification link if `email` has an unverified, active account."""
    user = User.objects.filter(
        email__iexact=email.strip(), email_verified_at__isnull=True, is_active=True
    ).first()
    if user is None:
        return False
    email_verification_send(user=user)
    return True


def email_verification_resend_allowed(*, email: str, ip_address: str | None) -> bool:
    """Count one request for a new verification link, per address and per IP address; False
    past the resend limit. Whether or not an account exists, the same count goes up."""
    try:
        email_resend_limit.enforce(
            actor=Actor(user=None, ip_address=ip_address),
            email=email_count_key(email),
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


def password_reset_request(*, email: str) -> int:
    """Email a reset link to every active account of `email` that has a password (Django's
    rule); run by a Celery task, so that the page answers known and unknown addresses after
    the same work. Returns how many links went."""
    users = User.objects.filter(email__iexact=email.strip(), is_active=True)
    sent = 0
    for user in users:
        if user.has_usable_password():
            password_reset_send(user=user)
            sent += 1
    return sent


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
    sign_in_account_limit.reset(account=email_count_key(user.email))


def sign_in_locked_notify(*, email: str) -> None:
    """Tell the holder of `email`, if it has an account, that signing in to it is paused
    after failed attempts, with a reset link that lifts the pause; at most once an hour."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return
    hour = timezone.now().strftime("%Y%m%d%H")
    notification_enqueue(
        kind="sign_in_locked",
        recipient=user.email,
        language=user.preferred_language,
        dedupe_key=f"sign_in_locked:{user.pk}:{hour}",
        context={"full_name": user.full_name},
    )
