from datetime import date

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, PartnerLink
from agreements.onboarding.tokens import take_charge_token_make
from agreements.partner_links.tokens import partner_invitation_token_make
from notifications.kinds import email_kind
from notifications.rendering import absolute_url
from portal.dates import date_display


def partner_link_still_active(context: dict) -> bool:
    """The link the email announces has not been removed meanwhile (emails queued without
    the link's id are sent as they are)."""
    if context.get("link_id") is None:
        return True
    return PartnerLink.objects.granting_access().filter(pk=context["link_id"]).exists()


def partner_request_still_open(context: dict) -> bool:
    """Nobody answered the request yet: an approved or declined one needs no asking."""
    return PartnerLink.objects.filter(
        pk=context["link_id"], status=PartnerLink.Status.PENDING
    ).exists()


def partner_access_still_ending(context: dict) -> bool:
    """The access still ends on the date the reminder names (an Extend moved it)."""
    return (
        PartnerLink.objects.granting_access()
        .filter(pk=context["link_id"], ends_on=context.get("ends_on") or None)
        .exists()
    )


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
        "read_only": False,
        "ends_on_label": "",
    },
)
def partner_added_context(context: dict) -> dict:
    agreement = Agreement.objects.only("public_id").get(pk=context["agreement_id"])
    built = {
        "partners_url": absolute_url(reverse("agreements:partners", args=[agreement.public_id])),
        "read_only": context.get("scope_code") == PartnerLink.Scope.READ_ONLY,
        "ends_on_label": _date_label(context.get("ends_on", "")),
    }
    if email := context.get("take_charge_email"):
        # Nobody administers the agreement yet: this mailbox may take charge of it.
        token = take_charge_token_make(agreement_public_id=agreement.public_id, email=email)
        built["take_charge_url"] = absolute_url(reverse("agreements:take_charge", args=[token]))
    return built


def _date_label(value: str) -> str:
    """An ISO date from an email's context, in the reader's format."""
    return date_display(date.fromisoformat(value)) if value else ""


def _link_urls(context: dict) -> dict:
    agreement = Agreement.objects.only("public_id").get(pk=context["agreement_id"])
    link = PartnerLink.objects.only("status", "ends_on").get(pk=context["link_id"])
    if context.get("side") == "partner":
        path = (
            reverse("agreements:overview", args=[agreement.public_id])
            if link.is_active
            else reverse("home")
        )
    else:
        path = reverse("agreements:partners", args=[agreement.public_id])
    return {
        "url": absolute_url(path),
        "scope": PartnerLink.Scope(context["scope_code"]).label,
        "ends_on_label": _date_label(context.get("ends_on", "")),
    }


_LINK_PREVIEW = {
    "partner_name": "Contoso Partners",
    "customer_name": "Fabrikam Ltd",
    "authorization_number": "V482019301",
    "scope": PartnerLink.Scope.MANAGE.label,
    "ends_on_label": "31 December 2027",
    "url": absolute_url("/agreements/preview/partners/"),
}


@email_kind(
    "partner_request",
    label=_("A partner asks to manage an Open License"),
    still_holds=partner_request_still_open,
    cancel_reason="The request was answered or expired before the email was sent.",
    preview={
        **_LINK_PREVIEW,
        "linked_by": "Bruno Petit",
        "expires_on_label": "1 February 2027",
        "approve_url": absolute_url("/agreements/preview/partners/preview/approve/"),
        "decline_url": absolute_url("/agreements/preview/partners/preview/decline/"),
    },
)
def partner_request_context(context: dict) -> dict:
    agreement = Agreement.objects.only("public_id").get(pk=context["agreement_id"])
    link = PartnerLink.objects.only("public_id").get(pk=context["link_id"])
    args = [agreement.public_id, link.public_id]
    return {
        **_link_urls(context),
        "expires_on_label": _date_label(context["expires_on"]),
        "approve_url": absolute_url(reverse("agreements:partner_approve", args=args)),
        "decline_url": absolute_url(reverse("agreements:partner_decline", args=args)),
    }


PARTNER_CHANGES = {
    "approved": _("request approved"),
    "declined": _("request declined"),
    "scope_changed": _("access changed"),
    "end_date_changed": _("end date changed"),
    "allowed_again": _("partner allowed again"),
    "invited": _("invitation to link again"),
    "request_expired": _("request expired"),
    "ended": _("access ended"),
    "removed": _("access removed"),
}


@email_kind(
    "partner_access_changed",
    label=_("A partner's access to an Open License changed"),
    preview={
        **_LINK_PREVIEW,
        "change": "approved",
        "change_label": PARTNER_CHANGES["approved"],
        "side": "partner",
        "by": "Chloé Durand",
    },
)
def partner_access_changed_context(context: dict) -> dict:
    built = {**_link_urls(context), "change_label": PARTNER_CHANGES[context["change"]]}
    if context["change"] == "invited":
        link = PartnerLink.objects.only("public_id", "allowed_again_at").get(pk=context["link_id"])
        token = partner_invitation_token_make(
            link_public_id=link.public_id, allowed_again_at=link.allowed_again_at.isoformat()
        )
        built["url"] = absolute_url(reverse("agreements:partner_invitation", args=[token]))
    return built


@email_kind(
    "partner_access_ending",
    label=_("A partner's access to an Open License ends soon"),
    still_holds=partner_access_still_ending,
    cancel_reason="The access was extended or ended before the reminder was sent.",
    preview={**_LINK_PREVIEW, "side": "customer", "days_left": 7},
)
def partner_access_ending_context(context: dict) -> dict:
    return _link_urls(context)


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
