"""A user never sees another organization's page, and cannot act for it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.tenancy.models import Invitation, Membership, Role

from ..factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign_member(other_organization):
    return MembershipFactory(organization=other_organization, role=Role.MEMBER)


@pytest.fixture
def foreign_invitation(other_organization, stranger):
    return InvitationFactory(organization=other_organization, invited_by=stranger)


def test_removing_a_member_of_another_organization_answers_404_and_changes_nothing(
    owner_client, foreign_member
):
    url = reverse("tenancy:membership_remove", args=[foreign_member.public_id])

    response = owner_client.post(url)

    assert response.status_code == 404
    assert Membership.objects.filter(pk=foreign_member.pk).exists()


def test_revoking_or_resending_an_invitation_of_another_organization_answers_404(
    owner_client, foreign_invitation
):
    for name in ("tenancy:invitation_revoke", "tenancy:invitation_resend"):
        response = owner_client.post(reverse(name, args=[foreign_invitation.public_id]))
        assert response.status_code == 404
    foreign_invitation.refresh_from_db()
    assert foreign_invitation.revoked_at is None


def test_a_missing_object_and_a_foreign_one_give_the_same_answer(owner_client, foreign_member):
    import uuid

    missing_url = reverse("tenancy:membership_remove", args=[uuid.uuid4()])
    foreign_url = reverse("tenancy:membership_remove", args=[foreign_member.public_id])
    missing = owner_client.post(missing_url)
    foreign = owner_client.post(foreign_url)

    assert missing.status_code == foreign.status_code == 404
    # Byte for byte, but for the page's own address (the language switcher comes back to it)
    # and the CSRF token, which is masked afresh for every response.
    assert _normalised(missing, missing_url) == _normalised(foreign, foreign_url)


def _normalised(response, url: str) -> str:
    body = response.content.decode().replace(url, "<url>")
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', "", body)


def test_pages_of_the_current_organization_never_list_another_organizations_people(
    owner_client, foreign_member, foreign_invitation, other_organization
):
    body = owner_client.get(reverse("tenancy:members")).content.decode()
    history = owner_client.get(reverse("tenancy:history")).content.decode()
    home = owner_client.get(reverse("home")).content.decode()

    for page in (body, history, home):
        assert foreign_member.user.email not in page
        assert foreign_invitation.email not in page
        assert other_organization.name not in page


def test_cannot_switch_into_an_organization_one_is_not_a_member_of(
    owner_client, organization, other_organization
):
    response = owner_client.post(
        reverse("tenancy:organization_switch"), {"organization": other_organization.public_id}
    )

    assert response.status_code == 404
    home = owner_client.get(reverse("home")).content.decode()
    assert organization.name in home
    assert other_organization.name not in home


def test_a_member_of_two_organizations_switches_from_the_header(
    owner, organization, other_organization
):
    MembershipFactory(user=owner, organization=other_organization, role=Role.MEMBER)
    client = Client()
    client.force_login(owner)

    header = client.get(reverse("home")).content.decode()
    response = client.post(
        reverse("tenancy:organization_switch"),
        {"organization": other_organization.public_id, "next": reverse("tenancy:members")},
    )
    home = client.get(reverse("home")).content.decode()

    assert other_organization.name in header, "the switcher lists every organization of the user"
    assert response.status_code == 302 and response["Location"] == reverse("tenancy:members")
    assert f"<h1>{other_organization.name}</h1>" in home


def test_switch_refuses_an_unsafe_next_url(owner, organization):
    client = Client()
    client.force_login(owner)

    response = client.post(
        reverse("tenancy:organization_switch"),
        {"organization": organization.public_id, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("home")


def test_a_removed_member_loses_the_organization_on_the_next_request(owner_client, organization):
    member = MembershipFactory(organization=organization, role=Role.MEMBER)
    member_client = Client()
    member_client.force_login(member.user)
    assert member_client.get(reverse("tenancy:members")).status_code == 200

    owner_client.post(reverse("tenancy:membership_remove", args=[member.public_id]))

    assert member_client.get(reverse("tenancy:members")).status_code == 302
    page = member_client.get(reverse("home"), follow=True).content.decode()
    assert "You are not a recognised user" in page


def test_a_stale_organization_in_the_session_is_replaced_by_one_of_the_users(
    owner, organization, other_organization
):
    client = Client()
    client.force_login(owner)
    session = client.session
    session["current_organization_id"] = other_organization.pk
    session.save()

    home = client.get(reverse("home")).content.decode()

    assert f"<h1>{organization.name}</h1>" in home
    assert client.session["current_organization_id"] == organization.pk


def test_managing_pages_answer_404_to_plain_members(organization):
    member = MembershipFactory(organization=organization, role=Role.MEMBER)
    target = MembershipFactory(organization=organization, role=Role.MEMBER)
    invitation = InvitationFactory(organization=organization)
    client = Client()
    client.force_login(member.user)

    assert client.get(reverse("tenancy:history")).status_code == 404
    assert (
        client.post(reverse("tenancy:membership_remove", args=[target.public_id])).status_code
        == 404
    )
    assert (
        client.post(reverse("tenancy:invitation_revoke", args=[invitation.public_id])).status_code
        == 404
    )
    assert Membership.objects.filter(pk=target.pk).exists()
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


def test_anonymous_visitors_are_sent_to_sign_in():
    client = Client()
    for url in (reverse("home"), reverse("tenancy:members"), reverse("tenancy:history")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
