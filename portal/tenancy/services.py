from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notification_enqueue
from portal.accounts.models import User
from portal.audit.models import Action
from portal.audit.services import audit_record

from .context import SESSION_ORGANIZATION_KEY, Actor
from .models import Invitation, Membership, Organization, Role


def _require_manager(actor: Actor) -> Organization:
    if not actor.can_manage_organization:
        raise PermissionDenied
    return actor.organization


@transaction.atomic
def organization_create(
    *,
    actor: Actor,
    name: str,
    is_customer: bool = False,
    is_partner: bool = False,
    country: str = "",
    default_language: str = settings.LANGUAGE_CODE,
) -> Organization:
    """Create an organization with the acting user as its owner."""
    organization = Organization.objects.create(
        name=name,
        is_customer=is_customer,
        is_partner=is_partner,
        country=country,
        default_language=default_language,
    )
    membership = Membership.objects.create(
        user=actor.user, organization=organization, role=Role.OWNER
    )
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.ORGANIZATION_CREATED,
        target=organization,
    )
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.MEMBER_JOINED,
        target=membership,
        details={"email": actor.user.email, "role": Role.OWNER},
    )
    return organization


def organization_switch(*, request: HttpRequest, organization: Organization) -> None:
    """Make `organization` (already checked visible to the actor) the session's current one."""
    request.session[SESSION_ORGANIZATION_KEY] = organization.pk


@transaction.atomic
def invitation_send(*, actor: Actor, email: str, role: str) -> Invitation:
    """Invite `email` to the actor's organization; inviting a pending address again resends."""
    organization = _require_manager(actor)
    email = email.strip()
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise ValidationError(_("Only an owner can invite another owner."), code="role")
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(
            _("%(email)s is already a member of %(organization)s.")
            % {"email": email, "organization": organization.name},
            code="already_member",
        )
    now = timezone.now()
    expires_at = now + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation = (
        Invitation.objects.select_for_update()
        .filter(organization=organization, email__iexact=email)
        .pending()
        .first()
    )
    if invitation is None:
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            invited_by=actor.user,
            sent_at=now,
            expires_at=expires_at,
        )
    else:
        invitation.role = role
        invitation.invited_by = actor.user
        invitation.sent_at = now
        invitation.expires_at = expires_at
        invitation.save(update_fields=["role", "invited_by", "sent_at", "expires_at"])
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.INVITATION_SENT,
        target=invitation,
        details={"email": email, "role": role},
    )
    invitee = User.objects.filter(email__iexact=email).first()
    notification_enqueue(
        kind="invitation",
        recipient=email,
        language=invitee.preferred_language if invitee else organization.default_language,
        dedupe_key=f"invitation:{invitation.public_id}:{now.isoformat()}",
        context={
            "invitation_id": invitation.pk,
            "organization_name": organization.name,
            "inviter_name": actor.user.full_name or actor.user.email,
            "role_code": role,
            "expires_at": expires_at.isoformat(),
        },
        organization=organization,
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> None:
    organization = _require_manager(actor)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.INVITATION_REVOKED,
        target=invitation,
        details={"email": invitation.email},
    )


@transaction.atomic
def invitation_accept(*, actor: Actor, invitation: Invitation) -> Membership:
    """Join the invitation's organization. Only the holder of the invited address may."""
    user = actor.user
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending or invitation.is_expired:
        raise ValidationError(_("This invitation is no longer valid."), code="invalid")
    if not user.owns_email(invitation.email):
        raise ValidationError(
            _(
                "This invitation was sent to another email address. Sign in with the address "
                "that received it."
            ),
            code="wrong_email",
        )
    now = timezone.now()
    if not user.is_verified:
        # The link reached this mailbox, which proves the address as a verification link would.
        user.email_verified_at = now
        user.save(update_fields=["email_verified_at"])
    membership, created = Membership.objects.get_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role}
    )
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if created:
        audit_record(
            actor=actor,
            organization=invitation.organization,
            action=Action.MEMBER_JOINED,
            target=membership,
            details={"email": user.email, "role": membership.role, "via": "invitation"},
        )
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    organization = _require_manager(actor)
    if membership.role == Role.OWNER:
        if actor.role != Role.OWNER:
            raise ValidationError(_("Only an owner can remove an owner."), code="role")
        # Locking the owners makes two owners removing each other at once leave one behind.
        owners = Membership.objects.select_for_update().filter(
            organization=organization, role=Role.OWNER
        )
        if len(owners) <= 1:
            raise ValidationError(_("An organization keeps at least one owner."), code="last_owner")
    membership.delete()
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.MEMBER_REMOVED,
        target=membership,
        details={"email": membership.user.email, "role": membership.role},
    )
