"""Account settings → Users: organization admins invite users with permissions and change
them; the permissions say who may buy packages, see keys, assign benefits, manage users."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Invitation, Membership, Permission, Role
from portal.tenancy.services import (
    invitation_accept,
    invitation_send,
    membership_permissions_set,
)

from ..conftest import actor_of
from ..factories import UserFactory
from .conftest import client_for, member_of

pytestmark = pytest.mark.django_db


def _permissions_url(user, organization) -> str:
    membership = user.memberships.get(organization=organization)
    return reverse("tenancy:membership_permissions", args=[membership.public_id])


def test_owners_hold_every_permission_and_members_none_by_default(partner, ana, bruno):
    assert actor_of(ana, partner).membership.permissions == set(Permission)
    assert actor_of(bruno, partner).membership.permissions == set()


def test_administrators_always_manage_users(partner):
    admin = member_of(partner, role=Role.ADMIN)

    assert actor_of(admin, partner).membership.permissions == {Permission.MANAGE_USERS}


def test_an_admin_sets_a_members_permissions_on_the_users_page(partner, ana, bruno, ana_client):
    page = ana_client.get(reverse("tenancy:members")).content.decode()
    response = ana_client.post(
        _permissions_url(bruno, partner),
        {"permissions": [Permission.REVEAL_KEYS, Permission.ASSIGN_BENEFITS]},
    )

    assert "Save permissions of bruno.petit@contoso-partners.example" in page
    assert response.status_code == 302
    membership = Membership.objects.get(user=bruno)
    assert membership.permissions == {Permission.REVEAL_KEYS, Permission.ASSIGN_BENEFITS}
    entry = AuditEntry.objects.get(action=Action.MEMBER_PERMISSIONS_CHANGED)
    assert entry.details["granted"] == ["assign_benefits", "reveal_keys"]


def test_a_member_without_manage_users_cannot_change_permissions(partner, bruno, chloe):
    response = client_for(chloe).post(
        _permissions_url(bruno, partner), {"permissions": [Permission.BUY_PACKAGES]}
    )

    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        membership_permissions_set(
            actor=actor_of(chloe, partner),
            membership=bruno.memberships.get(),
            permissions=[Permission.BUY_PACKAGES],
        )


def test_a_user_manager_grants_only_what_they_hold_and_never_to_themselves(partner, bruno):
    manager = member_of(partner, Permission.MANAGE_USERS, Permission.ASSIGN_BENEFITS)
    actor = actor_of(manager, partner)

    membership_permissions_set(
        actor=actor, membership=bruno.memberships.get(), permissions=[Permission.ASSIGN_BENEFITS]
    )
    with pytest.raises(ValidationError, match="permissions that you hold"):
        membership_permissions_set(
            actor=actor, membership=bruno.memberships.get(), permissions=[Permission.REVEAL_KEYS]
        )
    with pytest.raises(ValidationError, match="your own permissions"):
        membership_permissions_set(
            actor=actor, membership=manager.memberships.get(), permissions=list(Permission)
        )


def test_owners_permissions_are_not_edited(partner, ana):
    admin = member_of(partner, role=Role.ADMIN)

    with pytest.raises(ValidationError, match="Owners hold every permission"):
        membership_permissions_set(
            actor=actor_of(admin, partner), membership=ana.memberships.get(), permissions=[]
        )


def test_an_invitation_carries_permissions_to_the_new_membership(partner, ana, ana_client):
    ana_client.post(
        reverse("tenancy:members"),
        {
            "email": "dana@contoso-partners.example",
            "role": Role.MEMBER,
            "permissions": [Permission.BUY_PACKAGES, Permission.REVEAL_KEYS],
        },
    )
    invitation = Invitation.objects.get()
    dana = UserFactory(email="dana@contoso-partners.example")

    membership = invitation_accept(actor=actor_of(dana), invitation=invitation)

    assert membership.permissions == {Permission.BUY_PACKAGES, Permission.REVEAL_KEYS}
    assert AuditEntry.objects.get(action=Action.INVITATION_SENT).details["permissions"] == [
        "buy_packages",
        "reveal_keys",
    ]


def test_inviting_with_permissions_one_does_not_hold_is_refused(partner):
    manager = member_of(partner, Permission.MANAGE_USERS)

    with pytest.raises(ValidationError, match="permissions that you hold"):
        invitation_send(
            actor=actor_of(manager, partner),
            email="eve@example.com",
            role=Role.MEMBER,
            permissions=[Permission.REVEAL_KEYS],
        )


def test_a_member_granted_manage_users_may_invite(partner):
    manager = member_of(partner, Permission.MANAGE_USERS)

    page = client_for(manager).get(reverse("tenancy:members")).content.decode()
    invitation = invitation_send(
        actor=actor_of(manager, partner), email="eve@example.com", role=Role.MEMBER
    )

    assert "Send invitation" in page
    assert invitation.granted_permissions == set()
