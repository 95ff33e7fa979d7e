from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications.kinds import email_kind
from notifications.rendering import absolute_url

from .models import Invitation, Role
from .tokens import invitation_token_make


@email_kind(
    "invitation",
    label=_("Invitation to join the organization"),
    preview={
        "organization_name": "Fabrikam Ltd",
        "inviter_name": "Chloé Durand",
        "role": Role.ADMIN.label,
        "accept_url": absolute_url("/invitations/preview-token/"),
    },
)
def invitation_context(context: dict) -> dict:
    invitation = Invitation.objects.get(pk=context["invitation_id"])
    token = invitation_token_make(invitation)
    return {
        "accept_url": absolute_url(reverse("tenancy:invitation_accept", args=[token])),
        # Labels are translated here, in the recipient's language, not the inviter's.
        "role": Role(context["role_code"]).label,
    }
