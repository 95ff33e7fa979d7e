"""A partner orders an Open License for a customer; the customer's invitation lets the owner
of that work email open the agreement, become its super admin and name other admins."""

import itertools
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from agreements.models import (
    AdminRole,
    Agreement,
    AgreementAdmin,
    AgreementInvitation,
    SubscriptionLevel,
)
from notifications.models import Notification
from portal.accounts.models import User
from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Membership, Organization, Role

from ..factories import (
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)
from .conftest import client_for, link_in

pytestmark = pytest.mark.django_db

ORDER = {
    "customer_name": "Woodgrove Bank",
    "customer_email": "licensing@woodgrove.example",
    "default_language": "fr",
    "country": "fr",
    "seats_vs-enterprise": "5",
    "seats_vs-professional": "10",
}


def _order(client, capture, data=ORDER):
    with capture(execute=True):
        return client.post(reverse("agreements:order_new"), data)


def test_a_partner_orders_an_open_license_and_the_customer_is_invited(
    partner, partner_client, django_capture_on_commit_callbacks
):
    response = _order(partner_client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    agreement = Agreement.objects.get(customer_email="licensing@woodgrove.example")
    assert re.fullmatch(r"V\d{9}", agreement.authorization_number)
    assert re.fullmatch(r"[1-9]\d{9}", agreement.license_number)
    assert agreement.partner_of_record == partner
    assert agreement.customer_organization is None
    assert agreement.status == Agreement.Status.PENDING
    assert agreement.country == "FR"
    seats = {line.level.code: line.seats_purchased for line in agreement.lines.all()}
    assert seats == {"vs-enterprise": 5, "vs-professional": 10}
    (message,) = mail.outbox
    assert message.to == ["licensing@woodgrove.example"]
    assert "Woodgrove Bank" in message.subject
    assert "administrateurs" in message.subject, "the agreement's language: French"
    assert link_in(message, "/agreements/invitations/")
    assert AuditEntry.objects.filter(
        organization=partner, agreement=agreement, action=Action.AGREEMENT_ORDERED
    ).exists()
    orders = partner_client.get(reverse("agreements:orders")).content.decode()
    assert agreement.authorization_number in orders


def test_an_order_gets_numbers_nobody_can_guess_from_their_own(
    partner_client, django_capture_on_commit_callbacks
):
    for n in range(3):
        _order(
            partner_client,
            django_capture_on_commit_callbacks,
            ORDER | {"customer_email": f"buyer{n}@woodgrove.example"},
        )

    numbers = sorted(Agreement.objects.values_list("authorization_number", flat=True))
    assert len(set(numbers)) == 3
    as_ints = [int(number[1:]) for number in numbers]
    assert {b - a for a, b in itertools.pairwise(as_ints)} != {1}, "not sequential"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seats_vs-enterprise": "0", "seats_vs-professional": ""}, "Order at least one"),
        ({"seats_vs-enterprise": "-3"}, "greater than or equal to 0"),
        ({"customer_email": "not-an-email"}, "Enter a valid email address"),
        ({"customer_name": ""}, "This field is required"),
        ({"country": "F1"}, "Enter a two-letter code such as FR or US"),
        ({"seats_vs-professional": "10001"}, "less than or equal to 10000"),
    ],
)
def test_a_bad_order_says_why_and_writes_nothing(
    partner_client, change, message, django_capture_on_commit_callbacks
):
    response = _order(partner_client, django_capture_on_commit_callbacks, ORDER | change)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Agreement.objects.exists()
    assert not Notification.objects.exists()


def test_only_partners_place_orders(owner_client, django_capture_on_commit_callbacks):
    assert owner_client.get(reverse("agreements:order_new")).status_code == 404
    assert _order(owner_client, django_capture_on_commit_callbacks).status_code == 404
    assert not Agreement.objects.exists()


def test_the_order_form_offers_every_level_kept_as_data(partner_client):
    page = partner_client.get(reverse("agreements:order_new")).content.decode()

    for level in SubscriptionLevel.objects.all():
        assert level.name in page


# Onboarding --------------------------------------------------------------------------------


@pytest.fixture
def invitation_path(partner_client, django_capture_on_commit_callbacks) -> str:
    _order(partner_client, django_capture_on_commit_callbacks)
    return link_in(mail.outbox[-1], "/agreements/invitations/")


def test_the_invitation_asks_a_visitor_to_sign_in_or_sign_up_with_that_email(invitation_path):
    page = Client().get(invitation_path).content.decode()

    assert "licensing@woodgrove.example" in page
    assert "Woodgrove Bank" in page
    assert "Create an account" in page


def test_the_customer_signs_up_through_the_invitation_and_becomes_super_admin(
    invitation_path, django_capture_on_commit_callbacks
):
    client = Client()
    token = invitation_path.rstrip("/").rsplit("/", 1)[1]
    signed_up = client.post(
        f"{reverse('accounts:sign_up')}?next={invitation_path}",
        {
            "email": "licensing@woodgrove.example",
            "full_name": "Wanda Grove",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
            "preferred_language": "en",
            "invitation": token,
            "next": invitation_path,
        },
    )
    assert signed_up.status_code == 302, "the invitation proved the address: no verification"
    assert signed_up.url == invitation_path

    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(
            invitation_path, {"destination": "new", "organization_name": "Woodgrove Bank SA"}
        )

    agreement = Agreement.objects.get()
    assert accepted.status_code == 302
    assert accepted.url == reverse("agreements:overview", args=[agreement.public_id])
    user = User.objects.get(email="licensing@woodgrove.example")
    assert user.is_verified
    assert agreement.status == Agreement.Status.ACTIVE
    assert agreement.customer_organization.name == "Woodgrove Bank SA"
    assert agreement.customer_organization.is_customer
    assert Membership.objects.get(user=user).role == Role.OWNER
    assert AgreementAdmin.objects.get(agreement=agreement).role == AdminRole.SUPER_ADMIN
    assert client.get(accepted.url).status_code == 200
    history = client.get(reverse("agreements:history", args=[agreement.public_id]))
    for label in ("Open License ordered", "Customer onboarded", "Administrator added"):
        assert label in history.content.decode()
    assert client.get(invitation_path).status_code == 400, "the link works once"


def test_a_customer_who_runs_an_organization_already_can_put_the_agreement_there(
    invitation_path, django_capture_on_commit_callbacks
):
    existing = OrganizationFactory(name="Woodgrove Group")
    user = UserFactory(email="Licensing@Woodgrove.example")
    MembershipFactory(organization=existing, user=user, role=Role.OWNER)
    client = client_for(user)
    assert "Woodgrove Group" in client.get(invitation_path).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(invitation_path, {"destination": str(existing.public_id)})

    assert Agreement.objects.get().customer_organization == existing
    assert Organization.objects.count() == 2, "no new organization besides the partner"


def test_another_address_cannot_accept_the_invitation(invitation_path):
    intruder = client_for(UserFactory(email="someone@elsewhere.example"))

    page = intruder.get(invitation_path)
    posted = intruder.post(invitation_path, {"destination": "new", "organization_name": "X"})

    assert page.status_code == 403
    assert "This invitation was sent to licensing@woodgrove.example" in page.content.decode()
    assert posted.status_code == 403
    assert Agreement.objects.get().customer_organization is None
    assert not AgreementAdmin.objects.exists()


def test_a_forged_invitation_link_is_refused(invitation_path):
    forged = invitation_path[:-3] + ("x/" if invitation_path[-2] != "x" else "y/")

    assert Client().get(forged).status_code == 400


def test_a_super_admin_names_an_admin_who_then_manages_the_agreement(
    agreement, organization, customer_client, django_capture_on_commit_callbacks
):
    administrators = reverse("agreements:administrators", args=[agreement.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(
            administrators, {"email": "it.admin@fabrikam.example", "role": "admin"}
        )
    path = link_in(mail.outbox[-1], "/agreements/invitations/")
    assert "Fabrikam Ltd" in mail.outbox[-1].subject
    colleague = UserFactory(email="it.admin@fabrikam.example")
    client = client_for(colleague)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)

    admin = AgreementAdmin.objects.get(user=colleague)
    assert admin.role == AdminRole.ADMIN
    assert Membership.objects.get(user=colleague).organization == organization
    assert client.get(reverse("agreements:overview", args=[agreement.public_id])).status_code == 200
    # An admin sees the administrators but does not name more.
    assert client.get(administrators).status_code == 200
    more = {"email": "more@fabrikam.example", "role": "admin"}
    assert client.post(administrators, more).status_code == 404
    assert AuditEntry.objects.filter(
        agreement=agreement, action=Action.AGREEMENT_ADMIN_ADDED
    ).exists()


def test_naming_an_existing_admin_again_says_so(agreement, super_admin, customer_client):
    administrators = reverse("agreements:administrators", args=[agreement.public_id])

    response = customer_client.post(
        administrators, {"email": super_admin.email.upper(), "role": "admin"}
    )

    assert "already administers this agreement" in response.content.decode()


def test_the_partner_that_placed_an_order_has_no_access_until_it_links(
    partner, partner_client, django_capture_on_commit_callbacks
):
    _order(partner_client, django_capture_on_commit_callbacks)
    agreement = Agreement.objects.get()

    assert (
        partner_client.get(reverse("agreements:overview", args=[agreement.public_id])).status_code
        == 404
    )


def test_a_super_admin_can_name_another_super_admin(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    administrators = reverse("agreements:administrators", args=[agreement.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(
            administrators, {"email": "deputy@fabrikam.example", "role": "super_admin"}
        )
    path = link_in(mail.outbox[-1], "/agreements/invitations/")
    deputy = UserFactory(email="deputy@fabrikam.example")

    with django_capture_on_commit_callbacks(execute=True):
        client_for(deputy).post(path)

    assert AgreementAdmin.objects.get(user=deputy).role == AdminRole.SUPER_ADMIN


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_super_admin_chooses_the_language_of_an_admin_invitation_to_a_new_address(
    agreement, customer_client, django_capture_on_commit_callbacks, language
):
    agreement.default_language = "fr" if language == "en" else "en"
    agreement.save()
    administrators = reverse("agreements:administrators", args=[agreement.public_id])

    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(
            administrators,
            {"email": "new.admin@fabrikam.example", "role": "admin", "language": language},
        )

    assert AgreementInvitation.objects.get(email="new.admin@fabrikam.example").language == language
    assert Notification.objects.get(kind="agreement_invitation").language == language
