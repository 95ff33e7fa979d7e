from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from notifications.kinds import email_kind
from notifications.rendering import absolute_url

from .models import User
from .tokens import email_verification_token


def _uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


@email_kind(
    "email_verification",
    label=_("Email address confirmation"),
    preview={
        "full_name": "Ana Martin",
        "verify_url": absolute_url("/accounts/verify/MQ/preview-token/"),
    },
)
def email_verification_context(context: dict) -> dict:
    user = User.objects.get(pk=context["user_id"])
    token = email_verification_token.make_token(user)
    return {"verify_url": absolute_url(reverse("accounts:verify_email", args=[_uid(user), token]))}


@email_kind(
    "password_reset",
    label=_("Password reset"),
    preview={
        "full_name": "Ana Martin",
        "reset_url": absolute_url("/accounts/password/reset/MQ/preview-token/"),
    },
)
def password_reset_context(context: dict) -> dict:
    user = User.objects.get(pk=context["user_id"])
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", args=[_uid(user), token])
    return {"reset_url": absolute_url(path)}


def _links() -> dict:
    return {
        "sign_in_url": absolute_url(reverse("accounts:login")),
        "reset_url": absolute_url(reverse("accounts:password_reset")),
    }


@email_kind(
    "sign_up_attempted",
    label=_("Someone tried to create an account with your address"),
    preview={
        "full_name": "Ana Martin",
        "sign_in_url": absolute_url("/accounts/sign-in/"),
        "reset_url": absolute_url("/accounts/password/reset/"),
    },
)
def sign_up_attempted_context(context: dict) -> dict:
    return _links()


@email_kind(
    "sign_in_locked",
    label=_("Sign-in paused after failed attempts"),
    preview={
        "full_name": "Ana Martin",
        "sign_in_url": absolute_url("/accounts/sign-in/"),
        "reset_url": absolute_url("/accounts/password/reset/"),
    },
)
def sign_in_locked_context(context: dict) -> dict:
    return _links()
