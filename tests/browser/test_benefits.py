"""A partner manages its membership benefits in Chromium: buys a package, gets keys and
download links, assigns a Visual Studio subscription and a support benefit."""

import re

import pytest
from playwright.sync_api import Page, expect

from benefits.catalogue import catalogue_install_current
from benefits.models import BenefitPackage
from benefits.services import package_purchase
from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Role
from tests.browser.test_invitation import email_wait
from tests.browser.test_partner_flows import sign_in
from tests.conftest import actor_of
from tests.factories import (
    MembershipFactory,
    PartnerMembershipFactory,
    PartnerOrganizationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANA = "ana.martin@contoso-partners.example"
BRUNO = "bruno.petit@contoso-partners.example"
CHLOE = "chloe.roux@contoso-partners.example"


@pytest.fixture
def partner():
    catalogue_install_current()
    organization = PartnerOrganizationFactory(name="Contoso Partners")
    PartnerMembershipFactory(organization=organization, level="silver")
    for email, name, role in [
        (ANA, "Ana Martin", Role.OWNER),
        (BRUNO, "Bruno Petit", Role.MEMBER),
        (CHLOE, "Chloé Roux", Role.MEMBER),
    ]:
        MembershipFactory(
            organization=organization, role=role, user=UserFactory(email=email, full_name=name)
        )
    return organization


@pytest.fixture
def action_pack(partner):
    """Bought before the journey starts; provisioned by the task once the purchase commits."""
    ana = partner.memberships.get(role=Role.OWNER).user
    return package_purchase(
        actor=actor_of(ana, partner), package=BenefitPackage.objects.get(code="action-pack")
    )


def open_row(page: Page, name: str):
    page.get_by_role("link", name=f"Show details of {name}").click()
    row = page.get_by_role("article", name=name)
    expect(row.get_by_role("link", name=f"Hide details of {name}")).to_be_visible()
    return row


def test_member_buys_a_package_and_gets_keys_for_software_in_french_for_windows(
    page: Page, partner
):
    sign_in(page, ANA)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partnership").click()
    expect(page.get_by_text("No benefit here yet.")).to_be_visible()

    page.get_by_role("navigation", name="Partnership").get_by_role("link", name="Packages").click()
    page.get_by_role("link", name="Buy Action Pack").click()
    expect(page.get_by_role("heading", name="Buy Action Pack?")).to_be_visible()
    page.get_by_role("button", name="Confirm purchase").click()

    expect(page.get_by_text("Action Pack is ready: its benefits are below.")).to_be_visible()
    expect(page.get_by_role("heading", name="Windows 11 Pro")).to_be_visible()
    row = open_row(page, "Office Professional Plus 2024")
    expect(row.get_by_text("Activate within 30 days of installation.")).to_be_visible()
    row.get_by_role("button", name="Get keys").click()
    expect(row.locator("code")).to_have_count(1)
    expect(row.locator("code")).to_have_text(re.compile(r"^([A-Z0-9]{5}-){4}[A-Z0-9]{5}$"))

    row.get_by_label("Language of the product").select_option(label="French")
    row.get_by_label("Operating system of the computers").select_option(label="Windows (64-bit)")
    row.get_by_role("button", name="Get download links").click()

    link = row.get_by_role("link", name="Office Professional Plus 2024 (64-bit).img")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", re.compile(r"/office-professional-plus/fr/"))
    expect(
        row.get_by_role("link", name="Office Professional Plus 2024 (32-bit).img")
    ).to_have_count(0)
    expect(row.locator("code")).to_have_count(1)
    assert AuditEntry.objects.filter(action=Action.BENEFIT_KEYS_REVEALED).count() == 1


def test_member_assigns_a_visual_studio_subscription_and_reassigns_it(
    page: Page, new_context, partner, action_pack
):
    sign_in(page, ANA)
    page.goto("/partnership/benefits/")
    page.get_by_role("link", name="Visual Studio subscriptions").click()
    name = "Visual Studio Professional subscription"
    row = open_row(page, name)
    expect(row.get_by_role("link", name="Add users")).to_have_attribute(
        "href", "/organization/members/"
    )

    row.get_by_label("User").select_option(label=f"Bruno Petit ({BRUNO})")
    row.get_by_role("button", name="Assign user").click()

    row = page.get_by_role("article", name=name)
    expect(row.get_by_role("status")).to_contain_text(f"{BRUNO} is assigned")
    expect(row.get_by_text("1 of 3 assigned")).to_be_visible()
    assert "Visual Studio Professional subscription" in email_wait(BRUNO).subject

    # Reassign: remove Bruno (confirmed first), then choose Chloé.
    row.get_by_role("link", name=f"Remove {BRUNO}").click()
    page.get_by_role("button", name="Remove user").click()
    expect(page.get_by_role("status")).to_contain_text("you can assign it to someone else")
    row = page.get_by_role("article", name=name)
    expect(row.get_by_text("0 of 3 assigned")).to_be_visible()
    row.get_by_label("User").select_option(label=f"Chloé Roux ({CHLOE})")
    row.get_by_role("button", name="Assign user").click()
    row = page.get_by_role("article", name=name)
    expect(row.get_by_role("cell", name=f"Chloé Roux {CHLOE}")).to_be_visible()
    expect(row.get_by_role("cell", name=re.compile(re.escape(BRUNO)))).to_have_count(0)

    chloe = new_context().new_page()
    sign_in(chloe, CHLOE)
    chloe.goto("/my-subscriptions/")
    expect(chloe.get_by_role("cell", name=name)).to_be_visible()


def test_member_assigns_support_with_an_alternate_email(page: Page, partner, action_pack):
    sign_in(page, ANA)
    page.goto("/partnership/benefits/support/")
    name = "Product support incidents"
    row = open_row(page, name)

    row.get_by_label("User").select_option(label=f"Bruno Petit ({BRUNO})")
    row.get_by_label("Alternate email address").fill(BRUNO.upper())
    row.get_by_role("button", name="Assign user").click()
    row = page.get_by_role("article", name=name)
    expect(row.get_by_role("alert")).to_contain_text(
        "Give an email address other than the one of their portal account"
    )

    row.get_by_label("User").select_option(label=f"Bruno Petit ({BRUNO})")
    row.get_by_label("Alternate email address").fill("bruno@home.example")
    row.get_by_role("button", name="Assign user").click()

    row = page.get_by_role("article", name=name)
    expect(row.get_by_role("status")).to_contain_text("bruno@home.example")
    expect(row.get_by_text("Activation pending").first).to_be_visible()
    assert "support" in email_wait(BRUNO).subject.lower()
    assert "support" in email_wait("bruno@home.example").subject.lower()
