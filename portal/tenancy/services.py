from collections.abc import Iterable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notification_enqueue
from portal.accounts.models import User
from portal.accounts.services import user_email_verify
from portal.audit.models import Action
from portal.audit.services import audit_record

from .context import SESSION_ORGANIZATION_KEY, Actor
from .models import (
    EmailInvitation,
    Invitation,
    Membership,
    Organization,
    Role,
    permission_field_names,
)


def _require_users_manager(actor: Actor) -> Organization:
    if not actor.can_manage_users:
        raise PermissionDenied
    return actor.acting_organization


def _check_rank(*, actor: Actor, role: str, message: str) -> None:
    """Refuse, with `message`, to act on or grant `role` when it ranks above the actor's."""
    if actor.outranked_by(role):
        raise ValidationError(message, code="rank")


def _check_grantable(*, actor: Actor, before: frozenset[str], after: frozenset[str]) -> None:
    """A manager grants or withdraws only permissions they hold, so that managing users is
    never a way to give oneself more."""
    held = actor.membership.permissions if actor.membership else frozenset()
    if (before ^ after) - held:
        raise ValidationError(
            _("You can only grant or withdraw permissions that you hold yourself."),
            code="permission",
        )


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
        user=actor.signed_in_user, organization=organization, role=Role.OWNER
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
        details={"email": actor.signed_in_user.email, "role": Role.OWNER},
    )
    return organization


def organization_switch(*, request: HttpRequest, organization: Organization) -> None:
    """Make `organization` (already checked visible to the actor) the session's current one."""
    request.session[SESSION_ORGANIZATION_KEY] = organization.pk


InvitationModel = TypeVar("InvitationModel", bound=EmailInvitation)


def invitation_issue(
    *,
    pending: QuerySet[InvitationModel],
    create: dict,
    email: str,
    role: str,
    invited_by: User | None,
    language: str = "",
) -> InvitationModel:
    """A pending invitation for `email` among `pending`, renewed if there is one (which kills
    its older links) or created with the `create` fields. Call it inside a transaction."""
    now = timezone.now()
    fields = {
        "role": role,
        "language": language,
        "invited_by": invited_by,
        "sent_at": now,
        "expires_at": now + timedelta(days=settings.INVITATION_VALID_DAYS),
    }
    invitation = pending.select_for_update(of=("self",)).filter(email__iexact=email).first()
    if invitation is None:
        return pending.model._default_manager.create(email=email, **create, **fields)
    for name, value in fields.items():
        setattr(invitation, name, value)
    invitation.save(update_fields=list(fields))
    return invitation


def address_language(*, email: str, chosen: str, default: str) -> str:
    """The language to write to `email` in: its account's own if it has one, else the one
    the sender chose (an invitation's language field), else `default`."""
    invitee = User.objects.filter(email__iexact=email).only("preferred_language").first()
    if invitee is not None:
        return invitee.preferred_language
    return chosen or default


@transaction.atomic
def invitation_send(
    *, actor: Actor, email: str, role: str, permissions: Iterable[str] = (), language: str = ""
) -> Invitation:
    """Invite `email` to the actor's organization with `role` and the given permissions
    (tenancy.models.Permission), writing to a new address in `language`; inviting a pending
    address again resends."""
    organization = _require_users_manager(actor)
    email = email.strip()
    permissions = frozenset(permissions)
    _check_rank(
        actor=actor, role=role, message=_("You cannot invite someone to a role above your own.")
    )
    _check_grantable(actor=actor, before=frozenset(), after=permissions)
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(
            _("%(email)s is already a member of %(organization)s.")
            % {"email": email, "organization": organization.name},
            code="already_member",
        )
    invitation = invitation_issue(
        pending=Invitation.objects.filter(organization=organization).pending(),
        create={"organization": organization},
        email=email,
        role=role,
        invited_by=actor.user,
        language=language,
    )
    invitation.permissions_set(permissions)
    invitation.save(update_fields=permission_field_names())
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.INVITATION_SENT,
        target=invitation,
        details={"email": email, "role": role, "permissions": sorted(permissions)},
    )
    notification_enqueue(
        kind="invitation",
        recipient=email,
        language=address_language(
            email=email, chosen=language, default=organization.default_language
        ),
        dedupe_key=f"invitation:{invitation.public_id}:{invitation.sent_at.isoformat()}",
        context={
            "invitation_id": invitation.pk,
            "organization_name": organization.name,
            "inviter_name": actor.signed_in_user.full_name or actor.signed_in_user.email,
            "role_code": role,
            "expires_at": invitation.expires_at.isoformat(),
        },
        organization=organization,
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> None:
    organization = _require_users_manager(actor)
    _check_rank(
        actor=actor,
        role=invitation.role,
        message=_("You cannot revoke an invitation to a role above your own."),
    )
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
    user = actor.signed_in_user
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
    # The link reached this mailbox, which proves the address as a verification link would.
    user_email_verify(user=user)
    membership = membership_join(
        actor=actor,
        organization=invitation.organization,
        role=invitation.role,
        via="invitation",
        permissions=invitation.granted_permissions,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def membership_join(
    *,
    actor: Actor,
    organization: Organization,
    role: str,
    via: str,
    permissions: Iterable[str] = (),
) -> Membership:
    """Make the acting user a member of `organization` with `role` and `permissions` unless
    they are one already (their role then stays), and record it in the organization's
    history."""
    defaults = {"role": role, **{f"can_{p}": True for p in permissions}}
    membership, created = Membership.objects.get_or_create(
        user=actor.user, organization=organization, defaults=defaults
    )
    if created:
        audit_record(
            actor=actor,
            organization=organization,
            action=Action.MEMBER_JOINED,
            target=membership,
            details={"email": actor.signed_in_user.email, "role": membership.role, "via": via},
        )
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    organization = _require_users_manager(actor)
    _check_rank(
        actor=actor,
        role=membership.role,
        message=_("You cannot remove someone whose role is above your own."),
    )
    if membership.role == Role.OWNER:
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


@transaction.atomic
def membership_permissions_set(
    *, actor: Actor, membership: Membership, permissions: Iterable[str]
) -> Membership:
    """Grant `membership` exactly `permissions` (tenancy.models.Permission), on top of what
    its role gives. Owners already hold every permission, and nobody edits their own."""
    organization = _require_users_manager(actor)
    membership = Membership.objects.select_for_update().get(
        pk=membership.pk, organization=organization
    )
    if membership.role == Role.OWNER:
        raise ValidationError(_("Owners hold every permission."), code="owner")
    if membership.user_id == actor.signed_in_user.pk:
        raise ValidationError(_("You cannot change your own permissions."), code="self")
    _check_rank(
        actor=actor,
        role=membership.role,
        message=_("You cannot change the permissions of someone whose role is above your own."),
    )
    before = membership.granted_permissions
    after = frozenset(permissions)
    _check_grantable(actor=actor, before=before, after=after)
    if before == after:
        return membership
    membership.permissions_set(after)
    membership.save(update_fields=permission_field_names())
    audit_record(
        actor=actor,
        organization=organization,
        action=Action.MEMBER_PERMISSIONS_CHANGED,
        target=membership,
        details={
            "email": membership.user.email,
            "granted": sorted(after - before),
            "withdrawn": sorted(before - after),
        },
    )
    return membership
