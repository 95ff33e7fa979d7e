"""A partner reads the bell: its count, its alerts when opened; dismisses one, and finds the
critical one has no Dismiss button."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alerts.services import alerts_evaluate
from portal.tenancy.models import Role
from tests.browser.test_partner_flows import sign_in
from tests.factories import (
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    PartnerLinkFactory,
    PartnerOrganizationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNER_EMAIL = "ana.martin@contoso-partners.example"


@pytest.fixture
def alerts_world():
    """Fabrikam and Northwind end within 60 days (warnings); Litware's level is full
    (critical)."""
    partner = PartnerOrganizationFactory(name="Contoso Partners")
    ana = UserFactory(email=PARTNER_EMAIL, full_name="Ana Martin")
    MembershipFactory(organization=partner, user=ana, role=Role.OWNER)
    today = timezone.localdate()
    for name, ends_in, assigned in (
        ("Fabrikam Ltd", 40, 2),
        ("Northwind Traders", 50, 2),
        ("Litware Inc", 300, 10),
    ):
        agreement = AgreementFactory(customer_name=name, ends_on=today + timedelta(days=ends_in))
        AgreementLineFactory(agreement=agreement, seats_purchased=10, seats_assigned=assigned)
        PartnerLinkFactory(agreement=agreement, partner_organization=partner, linked_by=ana)
    alerts_evaluate(today=today)


def test_a_partner_dismisses_an_alert_from_the_bell_but_not_a_critical_one(
    page: Page, alerts_world
):
    sign_in(page, PARTNER_EMAIL)
    bell = page.locator("summary", has_text="Alerts")
    expect(bell).to_have_text(re.compile(r"^Alerts\D*3\s*$"))

    bell.click()
    latest = page.get_by_role("list", name="Latest alerts")
    expect(latest.get_by_role("listitem")).to_have_count(3)
    fabrikam = latest.get_by_role("listitem").filter(has_text="Fabrikam Ltd")
    fabrikam.get_by_role("button", name=re.compile("^Dismiss")).click()

    expect(latest.get_by_role("listitem")).to_have_count(2)
    expect(bell).to_have_text(re.compile(r"^Alerts\D*2\s*$"))
    critical = latest.get_by_role("listitem").filter(has_text="Litware Inc")
    expect(critical).to_contain_text("Critical")
    expect(critical.get_by_role("button", name=re.compile("Dismiss"))).to_have_count(0)

    # The dismissal holds: the next page counts two, and the list no longer shows Fabrikam.
    page.goto("/alerts/")
    expect(page.locator("summary", has_text="Alerts")).to_have_text(re.compile(r"^Alerts\D*2\s*$"))
    expect(page.get_by_role("list", name="Open alerts")).not_to_contain_text("Fabrikam Ltd")
