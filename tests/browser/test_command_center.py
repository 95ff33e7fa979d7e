"""A partner works its customers from the command center: filters them by tag and ending
soon, exports them, opens the bell, and from its alert reclaims two seats nobody ever
opened."""

import csv
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agreements.models import Subscription
from alerts.services import alerts_evaluate
from command_center.services import agreement_tags_set, tag_create
from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Role
from tests.browser.test_partner_flows import sign_in
from tests.conftest import actor_of
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
def partner_world():
    partner = PartnerOrganizationFactory(name="Contoso Partners")
    ana = UserFactory(email=PARTNER_EMAIL, full_name="Ana Martin")
    MembershipFactory(organization=partner, user=ana, role=Role.OWNER)
    today = timezone.localdate()
    agreements = {}
    for name, ends_in in (("Fabrikam Ltd", 20), ("Northwind Traders", 25), ("Litware Inc", 300)):
        agreement = AgreementFactory(customer_name=name, ends_on=today + timedelta(days=ends_in))
        AgreementLineFactory(agreement=agreement, seats_purchased=10, seats_assigned=0)
        PartnerLinkFactory(agreement=agreement, partner_organization=partner, linked_by=ana)
        agreements[name] = agreement
    actor = actor_of(ana, partner)
    enterprise = tag_create(actor=actor, name="Enterprise")
    for name in ("Fabrikam Ltd", "Litware Inc"):
        agreement_tags_set(actor=actor, agreement=agreements[name], tags=[enterprise])
    # Two seats of Fabrikam assigned six weeks ago and never opened.
    fabrikam = agreements["Fabrikam Ltd"]
    line = fabrikam.lines.get()
    assigned = timezone.now() - timedelta(days=42)
    for first_name in ("Hugo", "Ines"):
        Subscription.objects.create(
            agreement=fabrikam,
            line=line,
            first_name=first_name,
            last_name="Dormant",
            sign_in_email=f"{first_name.lower()}@fabrikam.example",
            assigned_at=assigned,
            last_assigned_at=assigned,
            last_assignee_email=f"{first_name.lower()}@fabrikam.example",
        )
    line.seats_assigned = 2
    line.save()
    # Last night's evaluation: Fabrikam and Northwind end within 60 days, and Fabrikam's two
    # seats were not opened 30 days after their assignment.
    alerts_evaluate(today=today)
    return agreements


def _customers(page: Page) -> list[str]:
    table = page.get_by_role("table", name="Agreements you manage")
    return [
        text.strip()
        for text in table.locator("tbody > tr > td:first-child > a:first-child").all_text_contents()
    ]


def test_a_partner_filters_exports_and_reclaims_two_never_activated_seats(
    page: Page, partner_world, tmp_path
):
    sign_in(page, PARTNER_EMAIL)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Command center").click()
    expect(page.get_by_role("heading", name="Command center")).to_be_visible()
    assert _customers(page) == ["Fabrikam Ltd", "Litware Inc", "Northwind Traders"]

    page.get_by_label("Tag", exact=True).select_option(label="Enterprise")
    page.get_by_label("Ending within (days)").fill("30")
    expect(page.get_by_role("status").filter(has_text="agreement")).to_have_text("1 agreement")
    assert _customers(page) == ["Fabrikam Ltd"]
    # The filters are in the address: a reload (or a shared link) shows the same rows.
    assert "ending=30" in page.url

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert [row[0] for row in rows[1:]] == ["Fabrikam Ltd"]

    bell = page.locator("summary", has_text="Alerts")
    expect(bell).to_have_text(re.compile(r"^Alerts\D*3\s*$"))
    bell.click()
    latest = page.get_by_role("list", name="Latest alerts")
    expect(latest.get_by_role("listitem")).to_have_count(3)
    latest.get_by_role(
        "link", name=re.compile("^2 subscriptions of Fabrikam Ltd .* not been")
    ).click()
    expect(page.get_by_role("heading", name="Reclaim unused seats")).to_be_visible()
    page.get_by_label("Select hugo@fabrikam.example").check()
    page.get_by_label("Select ines@fabrikam.example").check()
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("heading", name="Remove these subscriptions?")).to_be_visible()
    page.get_by_role("button", name="Remove subscriptions").click()

    expect(page.get_by_text("2 subscriptions were removed: their seats are free.")).to_be_visible()
    expect(page.get_by_text("No subscription to reclaim with these filters.")).to_be_visible()
    assert not Subscription.objects.assigned().exists()
    removed = AuditEntry.objects.filter(
        action=Action.SUBSCRIPTION_REMOVED, agreement=partner_world["Fabrikam Ltd"]
    )
    assert removed.count() == 2


def test_a_partner_sees_the_use_of_every_customer_added_up(page: Page, partner_world):
    sign_in(page, PARTNER_EMAIL)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Command center").click()

    page.get_by_role("link", name="Use across your customers").click()

    expect(page.get_by_role("heading", name="Use across your customers")).to_be_visible()
    expect(page.get_by_text("on the 3 agreements you manage, added together")).to_be_visible()
    picture = page.get_by_role("img", name="Visual Studio Enterprise: seats assigned per month")
    expect(picture).to_be_visible()
    expect(
        page.get_by_text("No true-up: the peak this year (2) leaves 28 of the 30 seats purchased")
    ).to_be_visible()
    table = page.get_by_role(
        "table", name="Visual Studio Enterprise: the most seats assigned at once, month by month"
    )
    expect(table.locator("tbody tr")).to_have_count(12)
