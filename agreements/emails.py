from datetime import date

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications.kinds import email_kind
from notifications.rendering import absolute_url

from .models import AdminRole, Agreement, AgreementInvitation, PartnerLink, Subscription
from .tokens import agreement_invitation_tokens, licensing_sign_in_token_make


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


def partner_link_still_active(context: dict) -> bool:
    """The link the email announces has not been removed meanwhile (emails queued without
    the link's id are sent as they are)."""
    if context.get("link_id") is None:
        return True
    return PartnerLink.objects.active().filter(pk=context["link_id"]).exists()


@email_kind(
    "partner_added",
    label=_("A partner was added to an Open License"),
    still_holds=partner_link_still_active,
    cancel_reason="The partner's access was removed before the email was sent.",
    preview={
        "partner_name": "Contoso Partners",
        "authorization_number": "V482019301",
        "linked_by": "Bruno Petit",
        "partners_url": absolute_url("/agreements/preview/partners/"),
    },
)
def partner_added_context(context: dict) -> dict:
    agreement = Agreement.objects.only("public_id").get(pk=context["agreement_id"])
    return {
        "partners_url": absolute_url(reverse("agreements:partners", args=[agreement.public_id]))
    }


@email_kind(
    "partner_removed",
    label=_("A customer removed a partner's access"),
    preview={
        "customer_name": "Fabrikam Ltd",
        "partner_name": "Contoso Partners",
        "authorization_number": "V482019301",
    },
)
def partner_removed_context(context: dict) -> dict:
    return {}


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
    return {"sign_in_url": absolute_url(reverse("agreements:licensing_sign_in_link", args=[token]))}


def subscription_still_theirs(context: dict) -> bool:
    """The seat is still assigned to the person the email was written for, since the same
    assignment (not removed, not given to someone else)."""
    if "assigned_at" not in context:
        return True  # queued before emails carried what they say
    subscription = (
        Subscription.objects.assigned()
        .filter(pk=context["subscription_id"], sign_in_email__iexact=context["sign_in_email"])
        .only("assigned_at")
        .first()
    )
    return (
        subscription is not None
        and subscription.assigned_at.isoformat() == (context["assigned_at"])
    )


@email_kind(
    "subscription_assigned",
    label=_("Visual Studio subscription assigned to a subscriber"),
    preview={
        "first_name": "Léa",
        "customer_name": "Fabrikam Ltd",
        "level": "Visual Studio Enterprise",
        "expires_on": date(2028, 12, 31),
        "downloads_enabled": True,
        "sign_in_email": "lea.bernard@fabrikam.example",
        "contact_email": "it@fabrikam.example",
        "subscriptions_url": absolute_url("/my-subscriptions/"),
    },
    still_holds=subscription_still_theirs,
    cancel_reason="The seat was removed or given to someone else before the email was sent.",
)
def subscription_assigned_context(context: dict) -> dict:
    subscriptions_url = absolute_url(reverse("agreements:my_subscriptions"))
    if "assigned_at" in context:
        # What the email says was written down when it was queued (agreements.services).
        expires_on = context["expires_on"]
        return {
            "expires_on": date.fromisoformat(expires_on) if expires_on else None,
            "subscriptions_url": subscriptions_url,
        }
    subscription = Subscription.objects.select_related("agreement", "line__level").get(
        pk=context["subscription_id"]
    )
    agreement = subscription.agreement
    return {
        "first_name": subscription.first_name,
        "customer_name": agreement.customer_name,
        "level": subscription.line.level.name,
        "expires_on": agreement.ends_on,
        "downloads_enabled": subscription.downloads_enabled,
        "sign_in_email": subscription.sign_in_email,
        "contact_email": agreement.subscriber_contact_email,
        "subscriptions_url": subscriptions_url,
    }
