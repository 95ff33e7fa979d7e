"""Open License agreements: orders, customer onboarding, administrators, and partner access.

Every change writes its audit entry and its emails in the same transaction.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.services import notification_enqueue
from portal.accounts.models import User
from portal.accounts.services import user_email_verify
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.limits import actor_subjects
from portal.tenancy.context import Actor, actor_build
from portal.tenancy.models import MANAGING_ROLES, Membership, Organization, Role
from portal.tenancy.services import invitation_issue, membership_join, organization_create

from ..limits import partner_link_attempts
from ..models import (
    AdminRole,
    Agreement,
    AgreementAdmin,
    AgreementInvitation,
    AgreementLine,
    LicensingContact,
    LinkMethod,
    PartnerLink,
    SubscriptionLevel,
)
from ..selectors import agreement_admin_role, agreement_matching

# The same answer whichever of the three values is wrong: the form reveals nothing.
CLAIM_MISMATCH_MESSAGE = gettext_lazy(
    "These details do not match an Open License. Enter the authorization number, the license "
    "number and the customer's email exactly as they appear on the agreement."
)
CLAIM_LOCKED_MESSAGE = gettext_lazy(
    "Too many unsuccessful attempts. For your security, checking is paused: try again in "
    "15 minutes."
)


# The most seats of one level a single order may buy (the portal form and the CSV import).
MAX_SEATS_PER_ORDER = 10_000
COUNTRY_CODE = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class OpenLicenseClaim:
    """What a partner types to prove they act for a customer's Open License."""

    authorization_number: str
    license_number: str
    customer_email: str


# Orders ------------------------------------------------------------------------------------


def _agreement_numbers_generate() -> tuple[str, str]:
    """A fresh authorization number (V + 9 digits) and license number (10 digits), random so
    that nobody can guess a customer's agreement from their own."""
    while True:
        authorization_number = f"V{secrets.randbelow(10**9):09d}"
        license_number = str(10**9 + secrets.randbelow(9 * 10**9))
        taken = Agreement.objects.filter(authorization_number=authorization_number).exists() or (
            Agreement.objects.filter(license_number=license_number).exists()
        )
        if not taken:
            return authorization_number, license_number


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def order_place(
    *,
    actor: Actor,
    partner: Organization,
    customer_name: str,
    customer_email: str,
    seats: dict[SubscriptionLevel, int],
    default_language: str,
    country: str = "",
) -> Agreement:
    """A partner orders an Open License for a customer; the customer is invited to name
    administrators and open their subscriptions. `partner` is the acting organization, or
    the one an operator's import names."""
    if not partner.is_partner:
        raise PermissionDenied
    seats = {level: quantity for level, quantity in seats.items() if quantity}
    if not seats:
        raise ValidationError(_("Order at least one subscription."), code="no_seats")
    if any(not 0 <= quantity <= MAX_SEATS_PER_ORDER for quantity in seats.values()):
        raise ValidationError(
            _("Order between 0 and %(max)s seats of each level.") % {"max": MAX_SEATS_PER_ORDER},
            code="seats",
        )
    if country and not COUNTRY_CODE.fullmatch(country):
        raise ValidationError(_("The country must be a two-letter code."), code="country")
    authorization_number, license_number = _agreement_numbers_generate()
    today = timezone.localdate()
    agreement = Agreement.objects.create(
        authorization_number=authorization_number,
        license_number=license_number,
        customer_name=customer_name.strip(),
        customer_email=customer_email.strip(),
        partner_of_record=partner,
        starts_on=today,
        ends_on=_years_later(today, settings.OPEN_LICENSE_TERM_YEARS),
        default_language=default_language,
        country=country,
        ordered_by=actor.user,
    )
    AgreementLine.objects.bulk_create(
        AgreementLine(agreement=agreement, level=level, seats_purchased=quantity)
        for level, quantity in seats.items()
    )
    audit_record(
        actor=actor,
        organization=partner,
        agreement=agreement,
        action=Action.AGREEMENT_ORDERED,
        target=agreement,
        details={
            "customer_name": agreement.customer_name,
            "customer_email": agreement.customer_email,
            "seats": {level.code: quantity for level, quantity in seats.items()},
        },
    )
    _invitation_send(
        actor=actor,
        organization=partner,
        agreement=agreement,
        email=agreement.customer_email,
        role=AdminRole.SUPER_ADMIN,
    )
    return agreement


# Administrators and onboarding ------------------------------------------------------------


def _language_for(email: str, agreement: Agreement) -> str:
    user = User.objects.filter(email__iexact=email).only("preferred_language").first()
    return user.preferred_language if user else agreement.default_language


def _invitation_send(
    *, actor: Actor, organization: Organization, agreement: Agreement, email: str, role: str
) -> AgreementInvitation:
    """Invite `email` to administer `agreement`; inviting a pending address again resends
    (and kills the older link)."""
    invitation = invitation_issue(
        pending=AgreementInvitation.objects.filter(agreement=agreement).pending(),
        create={"agreement": agreement},
        email=email,
        role=role,
        invited_by=actor.user,
    )
    audit_record(
        actor=actor,
        organization=organization,
        agreement=agreement,
        action=Action.AGREEMENT_ADMIN_INVITED,
        target=invitation,
        details={"email": email, "role": role},
    )
    notification_enqueue(
        kind="agreement_invitation",
        recipient=email,
        language=_language_for(email, agreement),
        dedupe_key=f"agreement-invitation:{invitation.public_id}:{invitation.sent_at.isoformat()}",
        context={
            "invitation_id": invitation.pk,
            "role_code": role,
            "customer_name": agreement.customer_name,
            "partner_name": agreement.partner_of_record.name,
            "inviter_name": actor.user.full_name or actor.user.email,
        },
        organization=agreement.customer_organization or organization,
    )
    return invitation


def _require_super_admin(actor: Actor, agreement: Agreement) -> Organization:
    if agreement_admin_role(actor=actor, agreement=agreement) != AdminRole.SUPER_ADMIN:
        raise PermissionDenied
    return agreement.customer_organization


def _require_customer_admin(actor: Actor, agreement: Agreement) -> Organization:
    if agreement_admin_role(actor=actor, agreement=agreement) is None:
        raise PermissionDenied
    return agreement.customer_organization


@transaction.atomic
def agreement_admin_invite(
    *, actor: Actor, agreement: Agreement, email: str, role: str = AdminRole.ADMIN
) -> AgreementInvitation:
    """A super admin names another administrator of the agreement."""
    organization = _require_super_admin(actor, agreement)
    email = email.strip()
    if AgreementAdmin.objects.filter(agreement=agreement, user__email__iexact=email).exists():
        raise ValidationError(
            _("%(email)s already administers this agreement.") % {"email": email},
            code="already_admin",
        )
    return _invitation_send(
        actor=actor, organization=organization, agreement=agreement, email=email, role=role
    )


@transaction.atomic
def agreement_admin_remove(*, actor: Actor, admin: AgreementAdmin) -> None:
    """A super admin removes an administrator; the last super admin stays."""
    organization = _require_super_admin(actor, admin.agreement)
    if admin.role == AdminRole.SUPER_ADMIN:
        # Locking the super admins makes two removing each other at once leave one behind.
        super_admins = AgreementAdmin.objects.select_for_update().filter(
            agreement=admin.agreement, role=AdminRole.SUPER_ADMIN
        )
        if len(super_admins) <= 1:
            raise ValidationError(
                _("An agreement keeps at least one super admin. Name another one first."),
                code="last_super_admin",
            )
    admin.delete()
    audit_record(
        actor=actor,
        organization=organization,
        agreement=admin.agreement,
        action=Action.AGREEMENT_ADMIN_REMOVED,
        details={"email": admin.user.email, "role": admin.role},
    )


@transaction.atomic
def agreement_preferences_save(*, actor: Actor, form) -> Agreement:
    """Save a bound, valid AgreementPreferencesForm (super admins only)."""
    agreement = form.instance
    _require_super_admin(actor, agreement)
    form.save()
    audit_record(
        actor=actor,
        organization=agreement.customer_organization,
        agreement=agreement,
        action=Action.AGREEMENT_PREFERENCES_CHANGED,
        details={"changed": sorted(form.changed_data)},
    )
    return agreement


@transaction.atomic
def agreement_invitation_revoke(*, actor: Actor, invitation: AgreementInvitation) -> None:
    organization = _require_super_admin(actor, invitation.agreement)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        organization=organization,
        agreement=invitation.agreement,
        action=Action.INVITATION_REVOKED,
        target=invitation,
        details={"email": invitation.email},
    )


def customer_organizations_to_join(*, actor: Actor) -> list[Organization]:
    """Customer organizations the user runs, into which an onboarded agreement may go."""
    return [
        membership.organization
        for membership in actor.memberships
        if membership.role in MANAGING_ROLES and membership.organization.is_customer
    ]


@transaction.atomic
def agreement_invitation_accept(
    *,
    actor: Actor,
    invitation: AgreementInvitation,
    organization: Organization | None = None,
    organization_name: str = "",
) -> AgreementAdmin:
    """Become an administrator of the invitation's agreement.

    The customer's first super admin brings the agreement into a customer organization:
    `organization` (one they run already) or a new one named `organization_name`. Later
    admins join the agreement's customer organization.
    """
    user = actor.user
    invitation = (
        AgreementInvitation.objects.select_for_update(of=("self",))
        .select_related("agreement")
        .get(pk=invitation.pk)
    )
    if not invitation.is_pending or invitation.is_expired:
        raise ValidationError(_("This invitation is no longer valid."), code="invalid")
    if not user.owns_email(invitation.email):
        raise ValidationError(
            _(
                "This invitation was sent to %(email)s. Sign in with that address to accept it; "
                "you are signed in as %(current)s."
            )
            % {"email": invitation.email, "current": user.email},
            code="wrong_email",
        )
    now = timezone.now()
    user_email_verify(user=user)  # the link reached this mailbox, which proves the address
    agreement = Agreement.objects.select_for_update().get(pk=invitation.agreement_id)
    onboarding = agreement.customer_organization_id is None
    if onboarding:
        if organization is not None:
            if organization not in customer_organizations_to_join(actor=actor):
                raise PermissionDenied
        else:
            organization = organization_create(
                actor=actor,
                name=organization_name.strip() or agreement.customer_name,
                is_customer=True,
                country=agreement.country,
                default_language=agreement.default_language,
            )
        agreement.customer_organization = organization
        agreement.status = Agreement.Status.ACTIVE
        agreement.save(update_fields=["customer_organization", "status"])
    else:
        organization = agreement.customer_organization
    membership_join(actor=actor, organization=organization, role=Role.MEMBER, via="agreement")
    acting = actor_build(user=user, organization_id=organization.pk, ip_address=actor.ip_address)
    admin, created = AgreementAdmin.objects.get_or_create(
        agreement=agreement, user=user, defaults={"role": invitation.role}
    )
    if not created and invitation.role == AdminRole.SUPER_ADMIN:
        admin.role = AdminRole.SUPER_ADMIN
        admin.save(update_fields=["role"])
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if onboarding:
        audit_record(
            actor=acting,
            organization=organization,
            agreement=agreement,
            action=Action.AGREEMENT_ONBOARDED,
            target=agreement,
            details={"organization": organization.name},
        )
    audit_record(
        actor=acting,
        organization=organization,
        agreement=agreement,
        action=Action.AGREEMENT_ADMIN_ADDED,
        target=admin,
        details={"email": user.email, "role": admin.role},
    )
    return admin


# Partner access ----------------------------------------------------------------------------


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
            details={"email": actor.user.email, "ip_address": actor.ip_address},
        )
        raise partner_link_attempts.locked_error(**actor_subjects(actor))
    raise ValidationError(CLAIM_MISMATCH_MESSAGE, code="mismatch")


def _partner_link_create(
    *, actor: Actor, agreement: Agreement, partner: Organization, method: str
) -> PartnerLink:
    # Locking the agreement makes two links of one partner at once end in one link.
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("partner_of_record", "customer_organization")
        .get(pk=agreement.pk)
    )
    if (
        PartnerLink.objects.active()
        .filter(agreement=agreement, partner_organization=partner)
        .exists()
    ):
        raise ValidationError(
            _("%(partner)s already has access to Open License %(number)s.")
            % {"partner": partner.name, "number": agreement.authorization_number},
            code="already_linked",
        )
    link = PartnerLink.objects.create(
        agreement=agreement, partner_organization=partner, method=method, linked_by=actor.user
    )
    audit_record(
        actor=actor,
        organization=partner,
        agreement=agreement,
        action=Action.PARTNER_LINKED,
        target=link,
        details={"partner": partner.name, "method": method},
    )
    _partner_added_notify(agreement=agreement, link=link)
    return link


def _partner_added_notify(*, agreement: Agreement, link: PartnerLink) -> None:
    """The customer's super admins and the agreement's work email learn who now has access."""
    recipients = {agreement.customer_email.casefold(): agreement.customer_email}
    super_admins = AgreementAdmin.objects.filter(
        agreement=agreement, role=AdminRole.SUPER_ADMIN
    ).select_related("user")
    for admin in super_admins:
        recipients.setdefault(admin.user.email.casefold(), admin.user.email)
    for key, email in recipients.items():
        notification_enqueue(
            kind="partner_added",
            recipient=email,
            language=_language_for(email, agreement),
            dedupe_key=f"partner-added:{link.public_id}:{key}",
            context={
                "agreement_id": agreement.pk,
                "partner_name": link.partner_organization.name,
                "authorization_number": agreement.authorization_number,
                "linked_by": link.linked_by.full_name or link.linked_by.email,
            },
            organization=agreement.customer_organization or link.partner_organization,
        )


def partner_link_claim(
    *, actor: Actor, claim: OpenLicenseClaim, method: str = LinkMethod.NEW_LICENSE
) -> PartnerLink:
    """An existing partner user links a customer's Open License to their organization."""
    partner = actor.organization
    if partner is None or not partner.is_partner:
        raise PermissionDenied
    agreement = _claimed_agreement(actor=actor, claim=claim)
    with transaction.atomic():
        return _partner_link_create(
            actor=actor, agreement=agreement, partner=partner, method=method
        )


def olp_partner_register(
    *, actor: Actor, organization_name: str, country: str, claim: OpenLicenseClaim
) -> PartnerLink:
    """A signed-in person with no organization registers as an OLP partner: their partner
    organization is created and linked to the customer's Open License, or nothing is."""
    if actor.memberships:
        raise PermissionDenied
    agreement = _claimed_agreement(actor=actor, claim=claim)
    with transaction.atomic():
        organization = organization_create(
            actor=actor,
            name=organization_name.strip(),
            is_partner=True,
            country=country,
            default_language=actor.user.preferred_language,
        )
        acting = actor_build(
            user=actor.user, organization_id=organization.pk, ip_address=actor.ip_address
        )
        return _partner_link_create(
            actor=acting,
            agreement=agreement,
            partner=organization,
            method=LinkMethod.OLP_REGISTRATION,
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
    """A partner followed "Visual Studio subscriptions: click here" in the licensing service
    center and signed in to the portal: with the same email, they join their partner of
    record organization (if not already in it) and it is linked to the agreement."""
    user = actor.user
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
def partner_link_remove(*, actor: Actor, link: PartnerLink) -> None:
    """The customer ends a partner's access. It takes effect on the partner's next request:
    every partner query goes through the active links."""
    organization = _require_customer_admin(actor, link.agreement)
    link = (
        PartnerLink.objects.select_for_update(of=("self",))
        .select_related("agreement")
        .get(pk=link.pk)
    )
    if not link.is_active:
        return
    link.removed_at = timezone.now()
    link.removed_by = actor.user
    link.save(update_fields=["removed_at", "removed_by"])
    audit_record(
        actor=actor,
        organization=organization,
        agreement=link.agreement,
        action=Action.PARTNER_REMOVED,
        target=link,
        details={"partner": link.partner_organization.name},
    )
    _partner_removed_notify(link=link, customer=organization)


def _partner_removed_notify(*, link: PartnerLink, customer: Organization) -> None:
    """The partner's managers and the person who linked the agreement are told."""
    people = {
        membership.user.email.casefold(): membership.user
        for membership in Membership.objects.filter(
            organization=link.partner_organization, role__in=MANAGING_ROLES
        ).select_related("user")
    }
    people.setdefault(link.linked_by.email.casefold(), link.linked_by)
    for key, user in people.items():
        notification_enqueue(
            kind="partner_removed",
            recipient=user.email,
            language=user.preferred_language,
            dedupe_key=f"partner-removed:{link.public_id}:{key}",
            context={
                "customer_name": customer.name,
                "partner_name": link.partner_organization.name,
                "authorization_number": link.agreement.authorization_number,
            },
            organization=link.partner_organization,
        )


# Licensing service center -----------------------------------------------------------------


def licensing_sign_in_request(*, email: str) -> None:
    """Email a sign-in link to a licensing contact. Unknown addresses get nothing, and the
    caller answers the same either way."""
    email = email.strip()
    contact = (
        LicensingContact.objects.filter(email__iexact=email).select_related("organization").first()
    )
    if contact is None:
        return
    now = timezone.now()
    user = User.objects.filter(email__iexact=email).only("preferred_language").first()
    notification_enqueue(
        kind="licensing_sign_in",
        recipient=contact.email,
        language=user.preferred_language if user else contact.organization.default_language,
        dedupe_key=f"licensing-sign-in:{contact.pk}:{now.isoformat()}",
        context={"email": contact.email},
        organization=contact.organization,
    )
