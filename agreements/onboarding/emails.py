from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agreements.models import AdminRole, AgreementInvitation
from agreements.onboarding.tokens import agreement_invitation_tokens
from notifications.kinds import email_kind
from notifications.rendering import absolute_url


@email_kind(
    "agreement_invitation",
    label=_("Invitation to administer an Open License"),
    preview={
        "customer_name": "Fabrikam Ltd",
        "partner_name": "Contoso Partners",
        "inviter_name": "Ana Martin",
        "role": AdminRole.SUPER_ADMIN.label,
        "is_super_admin": True,
        "authorization_number": "V482019301",
        "accept_url": absolute_url("/agreements/invitations/preview-token/"),
    },
)
def agreement_invitation_context(context: dict) -> dict:
    invitation = AgreementInvitation.objects.select_related("agreement").get(
        pk=context["invitation_id"]
    )
    token = agreement_invitation_tokens.make(invitation)
    return {
        "accept_url": absolute_url(reverse("agreements:invitation_accept", args=[token])),
        "authorization_number": invitation.agreement.authorization_number,
        # Translated here, in the recipient's language.
        "role": AdminRole(context["role_code"]).label,
        "is_super_admin": context["role_code"] == AdminRole.SUPER_ADMIN,
    }
