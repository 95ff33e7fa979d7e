from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.access import AgreementAccess, agreement_access
from agreements.models import AdminRole, Agreement, AgreementAdmin, AgreementInvitation
from notifications.services import notification_enqueue
from portal.accounts.services import user_email_verify
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.context import Actor, actor_build
from portal.tenancy.models import MANAGING_ROLES, Organization, Role
from portal.tenancy.services import (
    address_language,
    invitation_issue,
    membership_join,
    organization_create,
)


def recipient_language(email: str, agreement: Agreement) -> str:
    """The language of the person who holds `email`, or the agreement's for a newcomer."""
    return address_language(email=email, chosen="", default=agreement.default_language)


def agreement_invitation_send(
    *,
    actor: Actor,
    organization: Organization,
    agreement: Agreement,
    email: str,
    role: str,
    language: str = "",
) -> AgreementInvitation:
    """Invite `email` to administer `agreement`, writing to a new address in `language` (else
    the agreement's); inviting a pending address again resends (and kills the older link)."""
    invitation = invitation_issue(
        pending=AgreementInvitation.objects.filter(agreement=agreement).pending(),
        create={"agreement": agreement},
        email=email,
        role=role,
        invited_by=actor.user,
        language=language,
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
        language=address_language(email=email, chosen=language, default=agreement.default_language),
        dedupe_key=f"agreement-invitation:{invitation.public_id}:{invitation.sent_at.isoformat()}",
        context={
            "invitation_id": invitation.pk,
            "role_code": role,
            "customer_name": agreement.customer_name,
            "partner_name": agreement.partner_of_record.name,
            "inviter_name": actor.signed_in_user.full_name or actor.signed_in_user.email,
        },
        organization=agreement.customer_organization or organization,
    )
    return invitation


def _require_super_admin(actor: Actor, agreement: Agreement) -> Organization:
    if agreement_access(actor=actor, agreement=agreement) is not AgreementAccess.SUPER_ADMIN:
        raise PermissionDenied
    return agreement.onboarded_customer


@transaction.atomic
def agreement_admin_invite(
    *,
    actor: Actor,
    agreement: Agreement,
    email: str,
    role: str = AdminRole.ADMIN,
    language: str = "",
) -> AgreementInvitation:
    """A super admin names another administrator of the agreement (a new address is written
    to in `language`)."""
    organization = _require_super_admin(actor, agreement)
    email = email.strip()
    if AgreementAdmin.objects.filter(agreement=agreement, user__email__iexact=email).exists():
        raise ValidationError(
            _("%(email)s already administers this agreement.") % {"email": email},
            code="already_admin",
        )
    return agreement_invitation_send(
        actor=actor,
        organization=organization,
        agreement=agreement,
        email=email,
        role=role,
        language=language,
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


def _agreement_onboard(
    *,
    actor: Actor,
    agreement: Agreement,
    organization: Organization | None,
    organization_name: str,
) -> Organization:
    """Bring a locked, not yet onboarded agreement into a customer organization: one the
    actor runs already, or a new one named `organization_name`."""
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
    return organization


def _agreement_admin_join(
    *, actor: Actor, agreement: Agreement, organization: Organization, role: str, onboarded: bool
) -> AgreementAdmin:
    """The actor joins the agreement's customer organization and administers the agreement
    with `role` (a super admin invitation raises an admin)."""
    user = actor.signed_in_user
    membership_join(actor=actor, organization=organization, role=Role.MEMBER, via="agreement")
    acting = actor_build(user=user, organization_id=organization.pk, ip_address=actor.ip_address)
    admin, created = AgreementAdmin.objects.get_or_create(
        agreement=agreement, user=user, defaults={"role": role}
    )
    if not created and role == AdminRole.SUPER_ADMIN:
        admin.role = AdminRole.SUPER_ADMIN
        admin.save(update_fields=["role"])
    if onboarded:
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
    user = actor.signed_in_user
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
    user_email_verify(user=user)  # the link reached this mailbox, which proves the address
    agreement = Agreement.objects.select_for_update().get(pk=invitation.agreement_id)
    onboarding = agreement.customer_organization_id is None
    if onboarding:
        customer = _agreement_onboard(
            actor=actor,
            agreement=agreement,
            organization=organization,
            organization_name=organization_name,
        )
    else:
        customer = agreement.onboarded_customer
    admin = _agreement_admin_join(
        actor=actor,
        agreement=agreement,
        organization=customer,
        role=invitation.role,
        onboarded=onboarding,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return admin


@transaction.atomic
def agreement_take_charge(
    *,
    actor: Actor,
    agreement: Agreement,
    proven_email: str,
    organization: Organization | None = None,
    organization_name: str = "",
) -> AgreementAdmin:
    """Whoever proved the agreement's customer email becomes the first super admin of an
    agreement nobody has taken charge of: the order invitation's onboarding, reached another
    way. `proven_email` is the address a take-charge link was sent to, or issued for (the
    welcome page issues one to a verified account with that address)."""
    user = actor.signed_in_user
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if not (
        user.owns_email(proven_email)
        and proven_email.casefold() == agreement.customer_email.casefold()
    ):
        raise PermissionDenied
    if agreement.customer_organization_id is not None:
        raise ValidationError(
            _("Somebody has already taken charge of Open License %(number)s. Ask them to add you.")
            % {"number": agreement.authorization_number},
            code="taken",
        )
    user_email_verify(user=user)  # the link reached this mailbox
    customer = _agreement_onboard(
        actor=actor,
        agreement=agreement,
        organization=organization,
        organization_name=organization_name,
    )
    admin = _agreement_admin_join(
        actor=actor,
        agreement=agreement,
        organization=customer,
        role=AdminRole.SUPER_ADMIN,
        onboarded=True,
    )
    # The order's invitation to this address has done its work.
    AgreementInvitation.objects.filter(
        agreement=agreement, email__iexact=user.email
    ).pending().update(accepted_at=timezone.now(), accepted_by=user)
    return admin
