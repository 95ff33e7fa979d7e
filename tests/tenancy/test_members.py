import pytest
from django.test import Client
from django.urls import reverse

from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Membership, Role

from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_owner_removes_a_member_and_the_history_says_so(owner_client, organization):
    member = MembershipFactory(organization=organization, role=Role.MEMBER)

    response = owner_client.post(reverse("tenancy:membership_remove", args=[member.public_id]))

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()
    entry = AuditEntry.objects.get(organization=organization, action=Action.MEMBER_REMOVED)
    assert entry.details["email"] == member.user.email
    history = owner_client.get(reverse("tenancy:history")).content.decode()
    assert member.user.email in history


def test_the_last_owner_cannot_be_removed(organization, owner):
    second_owner = MembershipFactory(organization=organization, role=Role.OWNER)
    client = Client()
    client.force_login(second_owner.user)
    owner_membership = Membership.objects.get(user=owner)

    client.post(reverse("tenancy:membership_remove", args=[owner_membership.public_id]))
    self_membership = second_owner
    response = client.post(
        reverse("tenancy:membership_remove", args=[self_membership.public_id]), follow=True
    )

    assert not Membership.objects.filter(pk=owner_membership.pk).exists()
    assert Membership.objects.filter(pk=second_owner.pk).exists()
    assert "at least one owner" in response.content.decode()


def test_an_admin_cannot_remove_an_owner(organization, owner):
    admin = MembershipFactory(organization=organization, role=Role.ADMIN)
    client = Client()
    client.force_login(admin.user)
    owner_membership = Membership.objects.get(user=owner)

    response = client.post(
        reverse("tenancy:membership_remove", args=[owner_membership.public_id]), follow=True
    )

    assert Membership.objects.filter(pk=owner_membership.pk).exists()
    assert "role is above your own" in response.content.decode()
