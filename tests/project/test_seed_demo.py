import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from agreements.models import (
    Agreement,
    AgreementAdmin,
    AgreementLine,
    LicensingContact,
    PartnerLink,
    Subscription,
)
from benefits.models import PartnerMembership
from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.management.commands.seed_demo import DEMO_PASSWORD
from portal.tenancy.models import Membership, Organization

pytestmark = pytest.mark.django_db

MODELS = [
    User,
    Organization,
    Membership,
    Agreement,
    AgreementLine,
    AgreementAdmin,
    PartnerLink,
    LicensingContact,
    PartnerMembership,
    Subscription,
    AuditEntry,
]


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_builds_a_world_and_running_it_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = _counts()
    printed = capsys.readouterr().out
    call_command("seed_demo")

    assert _counts() == first
    assert first["Organization"] == 4
    assert first["Agreement"] == 3
    assert first["PartnerLink"] == 1
    assert first["LicensingContact"] == 1
    assert first["PartnerMembership"] == 1
    fabrikam = Agreement.objects.get(customer_name="Fabrikam Ltd")
    assert fabrikam.subscriptions.assigned().count() == 8, "the grid has people to show"
    assert {line.seats_assigned for line in fabrikam.lines.all()} == {3, 5}
    assert "ana.martin@contoso-partners.example" in printed
    assert DEMO_PASSWORD in printed


@pytest.mark.parametrize(
    ("email", "organization"),
    [
        ("ana.martin@contoso-partners.example", "Contoso Partners"),
        ("chloe.durand@fabrikam.example", "Fabrikam Ltd"),
    ],
)
def test_a_demo_user_signs_in_and_sees_their_organizations_home(email, organization):
    call_command("seed_demo")
    client = Client()

    response = client.post(
        reverse("accounts:login"), {"username": email, "password": DEMO_PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert f"<h1>{organization}</h1>" in response.content.decode()


def test_the_demo_lets_each_partner_flow_be_tried_by_hand():
    call_command("seed_demo")
    ana = Client()
    ana.force_login(User.objects.get(email="ana.martin@contoso-partners.example"))
    fabrikam = Agreement.objects.get(customer_name="Fabrikam Ltd")

    flow_1 = ana.post(
        reverse("agreements:new_open_license"),
        {
            "authorization_number": fabrikam.authorization_number,
            "license_number": fabrikam.license_number,
            "customer_email": fabrikam.customer_email,
            "confirm": "on",
        },
    )
    frank = Client()
    frank.force_login(User.objects.get(email="frank.olsen@litware-partners.example"))
    tailspin = Agreement.objects.get(customer_name="Tailspin Toys")
    flow_3 = frank.post(
        reverse("agreements:olp_partner_register"),
        {
            "organization_name": "Litware Partners",
            "authorization_number": tailspin.authorization_number,
            "license_number": tailspin.license_number,
            "customer_email": tailspin.customer_email,
            "confirm": "on",
        },
    )

    assert flow_1.status_code == flow_3.status_code == 302
    assert PartnerLink.objects.granting_access().count() == 3


def test_the_demo_world_is_made_through_the_services_so_its_history_is_a_users():
    call_command("seed_demo")
    northwind = Agreement.objects.get(customer_name="Northwind Traders")
    david = Client()
    david.force_login(User.objects.get(email="david.kim@northwind.example"))

    history = david.get(reverse("agreements:history", args=[northwind.public_id]))

    actions = set(AuditEntry.objects.filter(agreement=northwind).values_list("action", flat=True))
    assert {"agreement.ordered", "agreement.onboarded", "partner.linked"} <= actions
    page = history.content.decode()
    assert "Partner added" in page and "Contoso Partners" in page
    link = PartnerLink.objects.get(agreement=northwind)
    assert link.linked_by.email == "bruno.petit@contoso-partners.example"
