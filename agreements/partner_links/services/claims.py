"""How a partner obtains access to a customer's agreement: the three flows and the customer's
invitation back. Each ends in the same link, and each is refused while the customer's
removal, decline or end of access stands.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.events import partner_link_event
from agreements.models import (
    AdminRole,
    Agreement,
    AgreementAdmin,
    LicensingContact,
    LinkMethod,
    PartnerLink,
)
from agreements.partner_links.limits import partner_link_attempts
from agreements.partner_links.services.notify import partner_added_notify, partner_request_notify
from agreements.selectors import agreement_matching
from portal.accounts.models import User
from portal.accounts.services import user_email_verify
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.limits import actor_subjects
from portal.tenancy.context import Actor, actor_build
from portal.tenancy.models import Membership, Organization, Role
from portal.tenancy.services import membership_join, organization_create
from webhooks.events import EventType

# The same answer whichever of the three values is wrong: the form reveals nothing.
CLAIM_MISMATCH_MESSAGE = gettext_lazy(
    "These details do not match an Open License. Enter the authorization number, the license "
    "number and the customer's email exactly as they appear on the agreement."
)


@dataclass(frozen=True)
class OpenLicenseClaim:
    """What a partner types to prove they act for a customer's Open License, and the end
    date they propose for their access."""

    authorization_number: str
    license_number: str
    customer_email: str
    ends_on: date | None = None


def _refusal(
    *, agreement: Agreement, partner: Organization, user: User | None = None
) -> ValidationError | None:
    """Why `partner` may not link `agreement` now, or None. Read with the agreement locked.

    A block stands against the partner organization, and against the person who linked
    for it: they cannot come back through another organization, or a new one (flow 3)."""
    numbers = {"partner": partner.name, "number": agreement.authorization_number}
    current = PartnerLink.objects.current().filter(
        agreement=agreement, partner_organization=partner
    )
    if found := current.first():
        if found.is_pending:
            return ValidationError(
                _(
                    "The request of %(partner)s to manage Open License %(number)s is waiting "
                    "for the customer's approval."
                )
                % numbers,
                code="pending",
            )
        return ValidationError(
            _("%(partner)s already has access to Open License %(number)s.") % numbers,
            code="already_linked",
        )
    blocking = PartnerLink.objects.blocking().filter(agreement=agreement)
    block = blocking.filter(partner_organization=partner).order_by("-removed_at").first()
    if block is None and user is not None:
        block = (
            blocking.filter(linked_by=user)
            .select_related("partner_organization")
            .order_by("-removed_at")
            .first()
        )
        if block is not None:
            numbers["partner"] = block.partner_organization.name
    if block is None:
        return None
    if block.status == PartnerLink.Status.DECLINED:
        message = _(
            "The customer declined the request of %(partner)s to manage Open License "
            "%(number)s. Ask the customer to invite you again."
        )
    elif block.status == PartnerLink.Status.ENDED:
        message = _(
            "The access of %(partner)s to Open License %(number)s ended on the date the customer "
            "set. Ask the customer to extend it or to invite you again."
        )
    else:
        message = _(
            "The customer removed the access of %(partner)s to Open License %(number)s. Ask the "
            "customer to invite you again."
        )
    return ValidationError(message % numbers, code="removed_by_customer")


def partner_link_refusal(*, agreement: Agreement, partner: Organization) -> str | None:
    """What stops `partner` from linking `agreement`, for the pages that offer a way in."""
    refusal = _refusal(agreement=agreement, partner=partner)
    return refusal.messages[0] if refusal is not None else None


def _claimed_agreement(*, actor: Actor, claim: OpenLicenseClaim) -> Agreement:
    """The agreement the three values name, under the attempt limit. Call it outside any
    transaction: a failure must be counted, and a lockout recorded, whatever happens next."""
    if partner_link_attempts.is_exceeded(**actor_subjects(actor)):
        raise partner_link_attempts.locked_error(**actor_subjects(actor))
    agreement = agreement_matching(
        authorization_number=claim.authorization_number,
        license_number=claim.license_number,
        customer_email=claim.customer_email,
    )
    if agreement is not None:
        return agreement
    if partner_link_attempts.record(**actor_subjects(actor)):
        audit_record(
            actor=actor,
            organization=actor.organization,
            action=Action.PARTNER_LINK_LOCKED_OUT,
            details={"email": actor.signed_in_user.email, "ip_address": actor.ip_address},
        )
        raise partner_link_attempts.locked_error(**actor_subjects(actor))
    raise ValidationError(CLAIM_MISMATCH_MESSAGE, code="mismatch")


def ends_on_check(ends_on: date | None) -> None:
    if ends_on is not None and ends_on <= timezone.localdate():
        raise ValidationError(_("Choose an end date after today."), code="ends_on")


def _partner_link_create(
    *,
    actor: Actor,
    agreement: Agreement,
    partner: Organization,
    method: str,
    ends_on: date | None = None,
    approved_by: AgreementAdmin | None = None,
) -> PartnerLink:
    """Link `partner` to `agreement`, or raise with why not and write nothing. Approval is
    needed when the agreement asks for it, unless a super admin invited (`approved_by`)."""
    ends_on_check(ends_on)
    # Locking the agreement makes two links of one partner at once end in one link.
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("partner_of_record", "customer_organization")
        .get(pk=agreement.pk)
    )
    if refusal := _refusal(agreement=agreement, partner=partner, user=actor.user):
        raise refusal
    now = timezone.now()
    pending = agreement.partner_approval_required and approved_by is None
    link = PartnerLink.objects.create(
        agreement=agreement,
        partner_organization=partner,
        method=method,
        linked_by=actor.signed_in_user,
        linked_at=now,
        ends_on=ends_on,
        status=PartnerLink.Status.PENDING if pending else PartnerLink.Status.ACTIVE,
        request_expires_at=now + settings.PARTNER_REQUEST_EXPIRY if pending else None,
        decided_at=now if approved_by else None,
        decided_by=approved_by.user if approved_by else None,
    )
    audit_record(
        actor=actor,
        organization=partner,
        agreement=agreement,
        action=Action.PARTNER_LINK_REQUESTED if pending else Action.PARTNER_LINKED,
        target=link,
        details={
            "partner": partner.name,
            "method": method,
            "ends_on": ends_on.isoformat() if ends_on else None,
        },
    )
    partner_link_event(
        link=link,
        type=EventType.PARTNER_LINK_PENDING if pending else EventType.PARTNER_LINK_ADDED,
    )
    if pending:
        partner_request_notify(link=link)
    else:
        partner_added_notify(agreement=agreement, link=link)
    return link


def partner_link_claim(
    *, actor: Actor, claim: OpenLicenseClaim, method: str = LinkMethod.NEW_LICENSE
) -> PartnerLink:
    """Flow 1: an existing partner user links a customer's Open License to their
    organization."""
    partner = actor.organization
    if partner is None or not partner.is_partner:
        raise PermissionDenied
    agreement = _claimed_agreement(actor=actor, claim=claim)
    with transaction.atomic():
        return _partner_link_create(
            actor=actor, agreement=agreement, partner=partner, method=method, ends_on=claim.ends_on
        )


def olp_partner_register(
    *, actor: Actor, organization_name: str, country: str, claim: OpenLicenseClaim
) -> PartnerLink:
    """Flow 3: a signed-in person with no organization registers as an OLP partner: their
    partner organization is created and linked to the customer's Open License, or nothing
    is."""
    if actor.memberships:
        raise PermissionDenied
    agreement = _claimed_agreement(actor=actor, claim=claim)
    with transaction.atomic():
        organization = organization_create(
            actor=actor,
            name=organization_name.strip(),
            is_partner=True,
            country=country,
            default_language=actor.signed_in_user.preferred_language,
        )
        acting = actor_build(
            user=actor.signed_in_user, organization_id=organization.pk, ip_address=actor.ip_address
        )
        return _partner_link_create(
            actor=acting,
            agreement=agreement,
            partner=organization,
            method=LinkMethod.OLP_REGISTRATION,
            ends_on=claim.ends_on,
        )


def licensing_wrong_email_message(*, contact_email: str, current: str) -> str:
    return _(
        "You came from the licensing service center as %(contact)s but are signed in to the "
        "portal as %(current)s. Sign out, then sign in or sign up with %(contact)s."
    ) % {"contact": contact_email, "current": current}


@transaction.atomic
def partner_link_from_licensing_center(
    *, actor: Actor, agreement: Agreement, contact_email: str
) -> PartnerLink:
    """Flow 2: a partner followed "Visual Studio subscriptions: click here" in the licensing
    service center and signed in to the portal: with the same email, they join their partner
    of record organization (if not already in it) and it is linked to the agreement."""
    user = actor.signed_in_user
    if not user.owns_email(contact_email):
        raise ValidationError(
            licensing_wrong_email_message(contact_email=contact_email, current=user.email),
            code="wrong_email",
        )
    partner = agreement.partner_of_record
    if not LicensingContact.objects.filter(
        organization=partner, email__iexact=contact_email
    ).exists():
        raise ValidationError(CLAIM_MISMATCH_MESSAGE, code="mismatch")
    # Refused before anything is written: joining the organization is part of the link.
    if refusal := _refusal(agreement=agreement, partner=partner, user=user):
        raise refusal
    user_email_verify(user=user)  # the licensing link proves the mailbox
    has_members = Membership.objects.filter(organization=partner).exists()
    membership_join(
        actor=actor,
        organization=partner,
        role=Role.MEMBER if has_members else Role.OWNER,
        via="licensing_center",
    )
    acting = actor_build(user=user, organization_id=partner.pk, ip_address=actor.ip_address)
    return _partner_link_create(
        actor=acting, agreement=agreement, partner=partner, method=LinkMethod.LICENSING_CENTER
    )


@transaction.atomic
def partner_invitation_accept(*, actor: Actor, link: PartnerLink) -> PartnerLink:
    """A partner follows a super admin's invitation (sent with Allow again): the new link
    needs no approval, the super admin gave it."""
    partner = actor.organization
    if partner is None or partner.pk != link.partner_organization_id:
        raise PermissionDenied
    if link.allowed_again_by_id is None:
        raise ValidationError(_("This invitation is no longer valid."), code="invalid")
    inviter = AgreementAdmin.objects.filter(
        agreement_id=link.agreement_id, user_id=link.allowed_again_by_id, role=AdminRole.SUPER_ADMIN
    ).first()
    if link.allowed_again_at is None or inviter is None:
        raise ValidationError(_("This invitation is no longer valid."), code="invalid")
    return _partner_link_create(
        actor=actor,
        agreement=link.agreement,
        partner=partner,
        method=LinkMethod.CUSTOMER_INVITATION,
        ends_on=link.ends_on if link.ends_on and link.ends_on > timezone.localdate() else None,
        approved_by=inviter,
    )
