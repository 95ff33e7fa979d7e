"""The welcome page knows who arrived: a person with subscriptions sees them, an invitee
sees the invitation, and only the rest are told they are not recognised."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import AgreementInvitation, Subscription
from portal.tenancy.models import Invitation

from ..factories import InvitationFactory, MembershipFactory, UserFactory
from .conftest import client_for

pytestmark = pytest.mark.django_db

WELCOME = reverse("agreements:not_recognised")


def _verified(email: str):
    return UserFactory(email=email, email_verified_at=timezone.now())


def test_a_subscriber_who_signed_up_directly_sees_their_subscription(agreement):
    line = agreement.lines.get()
    Subscription.objects.create(
        agreement=agreement,
        line=line,
        first_name="Léa",
        last_name="Bernard",
        sign_in_email="lea.bernard@fabrikam.example",
        assigned_at=timezone.now(),
    )

    page = client_for(_verified("Lea.Bernard@fabrikam.example")).get(reverse("home"), follow=True)

    text = page.content.decode()
    assert "Your subscriptions" in text
    assert line.level.name in text and "Fabrikam Ltd" in text
    assert reverse("my_subscriptions") in text
    assert "You are not a recognised user" not in text


def test_an_invitee_who_signed_up_directly_finds_the_invitation_and_it_works(organization, owner):
    InvitationFactory(
        organization=organization, email="new.hire@fabrikam.example", invited_by=owner
    )
    client = client_for(_verified("new.hire@fabrikam.example"))

    page = client.get(WELCOME).content.decode()

    assert "Open the invitation to Fabrikam Ltd" in page
    start = page.index('href="/invitations/') + len('href="')
    url = page[start : page.index('"', start)]
    assert client.get(url).status_code == 200
    assert Invitation.objects.get().is_pending


def test_an_admin_invitation_to_the_address_is_offered_too(agreement, super_admin):
    AgreementInvitation.objects.create(
        agreement=agreement,
        email="deputy@fabrikam.example",
        role="admin",
        invited_by=super_admin,
        expires_at=timezone.now() + timedelta(days=7),
    )

    page = client_for(_verified("deputy@fabrikam.example")).get(WELCOME).content.decode()

    assert "Open the invitation to Open License V482019301" in page


def test_an_unverified_address_is_offered_nothing_it_has_not_proved(organization, owner):
    InvitationFactory(
        organization=organization, email="new.hire@fabrikam.example", invited_by=owner
    )
    unverified = UserFactory(email="new.hire@fabrikam.example", email_verified_at=None)

    page = client_for(unverified).get(WELCOME).content.decode()

    assert "Open the invitation" not in page
    assert "You are not a recognised user" in page


def test_members_of_an_organization_go_home(organization):
    member = MembershipFactory(organization=organization).user

    assert client_for(member).get(WELCOME).status_code == 302
