"""Owner > administrator > member: the assessment's attempts at climbing, replayed as direct
POSTs by a member who holds only "Manage users"."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Invitation, Membership, Role
from portal.tenancy.tokens import invitation_token_make

from ..factories import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users_manager(organization, owner):
    """A plain member of Fabrikam who was granted "Manage users" and nothing else."""
    return MembershipFactory(organization=organization, role=Role.MEMBER, can_manage_users=True)


@pytest.fixture
def manager_client(users_manager) -> Client:
    client = Client()
    client.force_login(users_manager.user)
    return client


def assert_nothing_written(organization, *actions):
    assert not AuditEntry.objects.filter(organization=organization, action__in=actions).exists()


def test_roles_rank_owner_above_administrator_above_member():
    assert Role.OWNER.rank > Role.ADMIN.rank > Role.MEMBER.rank


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_a_users_manager_member_cannot_invite_a_higher_role_by_a_direct_post(
    manager_client, organization, role
):
    response = manager_client.post(
        reverse("tenancy:members"), {"email": "accomplice@fabrikam.example", "role": role}
    )

    assert response.status_code == 200
    assert not Invitation.objects.filter(organization=organization).exists()
    assert_nothing_written(organization, Action.INVITATION_SENT)


def test_the_invitation_form_offers_a_users_manager_member_only_the_member_role(
    manager_client,
):
    page = manager_client.get(reverse("tenancy:members")).content.decode()

    assert f'value="{Role.MEMBER}"' in page
    assert f'value="{Role.ADMIN}"' not in page
    assert f'value="{Role.OWNER}"' not in page


def test_a_users_manager_member_may_invite_another_member(manager_client, organization):
    manager_client.post(
        reverse("tenancy:members"), {"email": "colleague@fabrikam.example", "role": Role.MEMBER}
    )

    assert Invitation.objects.get(organization=organization).role == Role.MEMBER


def test_an_administrator_cannot_invite_an_owner_but_may_invite_an_administrator(organization):
    admin = MembershipFactory(organization=organization, role=Role.ADMIN)
    client = Client()
    client.force_login(admin.user)

    client.post(reverse("tenancy:members"), {"email": "boss@fabrikam.example", "role": Role.OWNER})
    client.post(reverse("tenancy:members"), {"email": "peer@fabrikam.example", "role": Role.ADMIN})

    invited = dict(Invitation.objects.values_list("email", "role"))
    assert invited == {"peer@fabrikam.example": Role.ADMIN}


def test_a_users_manager_member_cannot_remove_an_administrator(manager_client, organization):
    admin = MembershipFactory(organization=organization, role=Role.ADMIN)

    response = manager_client.post(
        reverse("tenancy:membership_remove", args=[admin.public_id]), follow=True
    )

    assert Membership.objects.filter(pk=admin.pk).exists()
    assert "role is above your own" in response.content.decode()
    assert_nothing_written(organization, Action.MEMBER_REMOVED)


def test_a_users_manager_member_cannot_remove_the_owner(manager_client, organization, owner):
    owner_membership = Membership.objects.get(user=owner)

    manager_client.post(reverse("tenancy:membership_remove", args=[owner_membership.public_id]))

    assert Membership.objects.filter(pk=owner_membership.pk).exists()


def test_a_users_manager_member_may_remove_another_member(manager_client, organization):
    member = MembershipFactory(organization=organization, role=Role.MEMBER)

    manager_client.post(reverse("tenancy:membership_remove", args=[member.public_id]))

    assert not Membership.objects.filter(pk=member.pk).exists()


def test_a_users_manager_member_cannot_change_an_administrators_permissions(
    manager_client, organization
):
    admin = MembershipFactory(organization=organization, role=Role.ADMIN)

    manager_client.post(
        reverse("tenancy:membership_permissions", args=[admin.public_id]),
        {"permissions": []},
    )

    admin.refresh_from_db()
    assert admin.can_manage_users is False
    assert_nothing_written(organization, Action.MEMBER_PERMISSIONS_CHANGED)


def test_a_users_manager_member_cannot_raise_their_own_permissions(manager_client, users_manager):
    manager_client.post(
        reverse("tenancy:membership_permissions", args=[users_manager.public_id]),
        {"permissions": ["manage_users", "reveal_keys", "buy_packages"]},
    )

    users_manager.refresh_from_db()
    assert users_manager.granted_permissions == {"manage_users"}


def test_a_users_manager_member_cannot_raise_their_own_role_through_an_invitation(
    organization, owner, users_manager
):
    """The invitation of someone already a member is refused; an old one to their address
    (sent by the owner, for an administrator's place) leaves their role as it is."""
    old = InvitationFactory(
        organization=organization,
        email=users_manager.user.email,
        role=Role.ADMIN,
        invited_by=owner,
    )
    client = Client()
    client.force_login(users_manager.user)

    client.post(reverse("tenancy:invitation_accept", args=[invitation_token_make(old)]))

    users_manager.refresh_from_db()
    assert users_manager.role == Role.MEMBER


def test_a_users_manager_member_cannot_invite_their_second_address_as_administrator(
    manager_client, organization
):
    UserFactory(email="my.other.self@fabrikam.example")

    manager_client.post(
        reverse("tenancy:members"),
        {"email": "my.other.self@fabrikam.example", "role": Role.ADMIN},
    )

    assert not Invitation.objects.filter(organization=organization).exists()


def test_a_users_manager_member_cannot_revoke_or_resend_an_administrators_invitation(
    manager_client, organization, owner
):
    invitation = InvitationFactory(
        organization=organization, role=Role.ADMIN, invited_by=owner, email="a@fabrikam.example"
    )
    sent_at = invitation.sent_at

    manager_client.post(reverse("tenancy:invitation_revoke", args=[invitation.public_id]))
    manager_client.post(reverse("tenancy:invitation_resend", args=[invitation.public_id]))

    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert invitation.sent_at == sent_at
    assert_nothing_written(organization, Action.INVITATION_REVOKED, Action.INVITATION_SENT)


def test_the_members_page_offers_no_action_on_a_higher_role(manager_client, organization):
    admin = MembershipFactory(organization=organization, role=Role.ADMIN)

    page = manager_client.get(reverse("tenancy:members")).content.decode()

    assert reverse("tenancy:membership_remove", args=[admin.public_id]) not in page
    assert reverse("tenancy:membership_permissions", args=[admin.public_id]) not in page
