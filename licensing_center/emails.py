from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from licensing_center.tokens import licensing_sign_in_token_make
from notifications.kinds import email_kind
from notifications.rendering import absolute_url


@email_kind(
    "licensing_sign_in",
    label=_("Sign-in link to the licensing service center"),
    preview={
        "email": "bruno.petit@contoso-partners.example",
        "sign_in_url": absolute_url("/licensing/sign-in/preview-token/"),
    },
)
def licensing_sign_in_context(context: dict) -> dict:
    token = licensing_sign_in_token_make(context["email"])
    return {"sign_in_url": absolute_url(reverse("licensing_center:sign_in_link", args=[token]))}
