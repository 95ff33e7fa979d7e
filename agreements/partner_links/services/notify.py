"""Who hears about a partner link's changes, on the customer's side and the partner's."""

from django.utils import timezone

from agreements.models import AdminRole, Agreement, AgreementAdmin, PartnerLink
from agreements.onboarding.services import recipient_language
from notifications.services import notification_enqueue
from portal.tenancy.context import Actor
from portal.tenancy.models import MANAGING_ROLES, Membership, Organization


def link_context(link: PartnerLink) -> dict:
    agreement = link.agreement
    return {
        "agreement_id": agreement.pk,
        "link_id": link.pk,
        "partner_name": link.partner_organization.name,
        "customer_name": agreement.customer_name,
        "authorization_number": agreement.authorization_number,
        "ends_on": link.ends_on.isoformat() if link.ends_on else "",
        "scope_code": link.scope,
    }


def customer_side(
    link: PartnerLink, *, with_work_email: bool = False
) -> dict[str, tuple[str, str]]:
    """The customer's super admins, and the agreement's work email while nobody has taken
    charge of it (or always, `with_work_email`): casefolded address -> (address, language)."""
    agreement = link.agreement
    people = {
        admin.user.email.casefold(): (admin.user.email, admin.user.preferred_language)
        for admin in AgreementAdmin.objects.filter(
            agreement=agreement, role=AdminRole.SUPER_ADMIN
        ).select_related("user")
    }
    if with_work_email or not people:
        email = agreement.customer_email
        people.setdefault(email.casefold(), (email, recipient_language(email, agreement)))
    return people


def partner_side(link: PartnerLink) -> dict[str, tuple[str, str]]:
    """The partner's managers and the person who linked the agreement."""
    people = {
        membership.user.email.casefold(): (
            membership.user.email,
            membership.user.preferred_language,
        )
        for membership in Membership.objects.filter(
            organization=link.partner_organization, role__in=MANAGING_ROLES
        ).select_related("user")
    }
    linker = link.linked_by
    people.setdefault(linker.email.casefold(), (linker.email, linker.preferred_language))
    return people


def both_sides(link: PartnerLink):
    for side, people in (("customer", customer_side(link)), ("partner", partner_side(link))):
        for email, language in people.values():
            yield email, language, side


def side_organization(link: PartnerLink, side: str) -> Organization:
    if side == "customer" and link.agreement.customer_organization_id:
        return link.agreement.onboarded_customer
    return link.partner_organization


def partner_added_notify(*, agreement: Agreement, link: PartnerLink) -> None:
    """The customer's super admins and the agreement's work email learn who now has access;
    while nobody administers the agreement, the work email's link offers to take charge."""
    onboarded = agreement.customer_organization_id is not None
    for key, (email, language) in customer_side(link, with_work_email=True).items():
        notification_enqueue(
            kind="partner_added",
            recipient=email,
            language=language,
            dedupe_key=f"partner-added:{link.public_id}:{key}",
            context={
                **link_context(link),
                "linked_by": link.linked_by.full_name or link.linked_by.email,
                "take_charge_email": "" if onboarded else email,
            },
            organization=side_organization(link, "customer"),
        )


def partner_request_notify(*, link: PartnerLink) -> None:
    """The customer's super admins are asked to approve or decline."""
    for key, (email, language) in customer_side(link).items():
        notification_enqueue(
            kind="partner_request",
            recipient=email,
            language=language,
            dedupe_key=f"partner-request:{link.public_id}:{key}",
            context={
                **link_context(link),
                "linked_by": link.linked_by.full_name or link.linked_by.email,
                "expires_on": timezone.localdate(link.request_expires_at).isoformat(),
            },
            organization=side_organization(link, "customer"),
        )


def partner_removed_notify(*, link: PartnerLink) -> None:
    for key, (email, language) in partner_side(link).items():
        notification_enqueue(
            kind="partner_removed",
            recipient=email,
            language=language,
            dedupe_key=f"partner-removed:{link.public_id}:{key}",
            context=link_context(link),
            organization=link.partner_organization,
        )


def access_changed_notify(*, link: PartnerLink, change: str, by: Actor | None) -> None:
    """Both sides learn of a change to a partner's access; an invitation goes to the partner
    only, and a removal's note to the customer only (the partner has its own email)."""
    stamp = timezone.now().isoformat()
    by_name = (by.signed_in_user.full_name or by.signed_in_user.email) if by is not None else ""
    for email, language, side in both_sides(link):
        if (change, side) in (("invited", "customer"), ("removed", "partner")):
            continue
        notification_enqueue(
            kind="partner_access_changed",
            recipient=email,
            language=language,
            dedupe_key=f"partner-changed:{link.public_id}:{change}:{stamp}:{email.casefold()}",
            context={**link_context(link), "change": change, "side": side, "by": by_name},
            organization=side_organization(link, side),
        )
