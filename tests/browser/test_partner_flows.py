"""A partner gets access to a customer's Open License, and the customer takes it back."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from agreements.models import AdminRole, Agreement, LinkMethod, PartnerLink
from portal.accounts.models import User
from portal.tenancy.models import Membership, Role
from tests.browser.test_invitation import email_wait, live_link
from tests.factories import (
    PASSWORD,
    AgreementAdminFactory,
    AgreementFactory,
    LicensingContactFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerLinkFactory,
    PartnerOrganizationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "violet-kettle-harbour-91"
# A partner lands on the subscribers it came to manage.
SUBSCRIBERS_URL = re.compile(r"/agreements/[0-9a-f-]{36}/subscribers/$")


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def agreements_menu_open(page: Page) -> None:
    page.locator("summary", has_text="Agreement").click()


def agreements_menu_item(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Open License agreements").get_by_role(
        "link", name=name
    )


def contoso_agreement(**kwargs) -> Agreement:
    return AgreementFactory(
        customer_name="Contoso Ltd",
        customer_email="licensing@contoso.example",
        authorization_number="V482019301",
        license_number="6048201937",
        **kwargs,
    )


def test_partner_links_a_new_open_license_from_the_agreements_menu(page: Page):
    contoso_agreement()
    partner = PartnerOrganizationFactory(name="Adatum Partners")
    MembershipFactory(
        user=UserFactory(email="priya@adatum.example"), organization=partner, role=Role.OWNER
    )

    sign_in(page, "priya@adatum.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Adatum Partners")
    agreements_menu_open(page)
    expect(page.get_by_text("No agreement to manage yet.")).to_be_visible()
    agreements_menu_item(page, "+ New Open License").click()

    panel = page.get_by_role("dialog", name="New Open License")
    expect(panel).to_be_visible()
    panel.get_by_label("Authorization number").fill("V482019301")
    panel.get_by_label("License number").fill("6048201937")
    panel.get_by_label("Customer email").fill("someone.else@contoso.example")
    panel.get_by_label("I confirm that I act on behalf of this customer").check()
    panel.get_by_role("button", name="Submit").click()

    # One wrong value: the same message whichever it is, and the panel stays open, filled in.
    expect(panel.get_by_role("alert")).to_contain_text(
        "These details do not match an Open License."
    )
    # The answer moves the focus back to the first field (autofocus), as a person sees it;
    # typing before that would land in the wrong box.
    expect(panel.get_by_label("Authorization number")).to_be_focused()
    expect(panel.get_by_label("Authorization number")).to_have_value("V482019301")
    expect(panel.get_by_label("I confirm that I act on behalf of this customer")).to_be_checked()
    panel.get_by_label("Customer email").fill("licensing@contoso.example")
    panel.get_by_role("button", name="Submit").click()

    expect(page).to_have_url(SUBSCRIBERS_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Contoso Ltd")
    expect(page.get_by_role("status").filter(has_text="now manages")).to_contain_text(
        "Adatum Partners now manages Open License V482019301 for Contoso Ltd."
    )
    expect(page.get_by_role("heading", name="Subscribers")).to_be_visible()
    expect(page.get_by_role("link", name="Add subscriber")).to_be_visible()
    # Partners manage the subscriptions; who else has access is the customer's business.
    tabs = page.get_by_role("navigation", name="Agreement")
    expect(tabs.get_by_role("link", name="Partners")).to_have_count(0)

    agreements_menu_open(page)
    expect(agreements_menu_item(page, "Contoso Ltd")).to_contain_text("Open License V482019301")

    link = PartnerLink.objects.get()
    assert link.partner_organization == partner
    assert link.method == LinkMethod.NEW_LICENSE
    assert link.is_active


def test_partner_of_record_links_from_the_licensing_service_center(page: Page, live_server):
    partner = PartnerOrganizationFactory(name="Adatum Partners")
    LicensingContactFactory(organization=partner, email="licensing@adatum.example")
    contoso_agreement(partner_of_record=partner)

    # The licensing service center signs its contacts in by emailed link.
    page.goto("/licensing/")
    page.get_by_label("Email address").fill("licensing@adatum.example")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    page.goto(live_link(email_wait("licensing@adatum.example"), live_server))
    expect(page.get_by_text("Continue as licensing@adatum.example.")).to_be_visible()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Relationship summary")
    page.get_by_role("link", name="Contoso Ltd").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("License details")
    page.get_by_role("region", name="Visual Studio subscriptions").get_by_role(
        "link", name="click here"
    ).click()

    # Into the portal, where the contact has no account yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage Visual Studio subscriptions")
    page.get_by_role("link", name="Create an account").click()

    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("Full name").fill("Bruno Petit")
    expect(page.get_by_label("Work email address")).to_have_value("licensing@adatum.example")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    page.get_by_label("Language", exact=True).select_option(label="English")
    page.get_by_role("button", name="Create account").click()

    # The link came from a session opened by email, so the address needs no other proof.
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage Visual Studio subscriptions")
    page.get_by_role("button", name="Link and continue").click()

    expect(page).to_have_url(SUBSCRIBERS_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Contoso Ltd")
    expect(page.get_by_role("status").filter(has_text="now manages")).to_contain_text(
        "Adatum Partners now manages Open License V482019301 for Contoso Ltd."
    )
    expect(page.locator("summary", has_text="Organization")).to_contain_text("Adatum Partners")

    user = User.objects.get(email="licensing@adatum.example")
    assert user.is_verified
    # The first portal user of the partner of record runs it.
    assert Membership.objects.get(user=user, organization=partner).role == Role.OWNER
    assert PartnerLink.objects.get().method == LinkMethod.LICENSING_CENTER


def test_person_without_organization_registers_as_olp_partner(page: Page):
    contoso_agreement()
    UserFactory(email="noor@litware.example")

    sign_in(page, "noor@litware.example")
    expect(page.get_by_role("alert")).to_contain_text(
        "You are not a recognised user: noor@litware.example has no access"
    )
    page.get_by_role("link", name="Register as an OLP partner").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("OLP partner registration")
    page.get_by_label("Your partner organization's name").fill("Litware Partners")
    page.get_by_label("Country/region code").fill("fr")
    page.get_by_label("Authorization number").fill("V482019301")
    page.get_by_label("License number").fill("6048201937")
    page.get_by_label("Customer email").fill("Licensing@Contoso.example")
    page.get_by_label("I confirm that I act on behalf of this customer").check()
    page.get_by_role("button", name="Submit").click()

    expect(page).to_have_url(SUBSCRIBERS_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Contoso Ltd")
    expect(page.get_by_role("status").filter(has_text="now manages")).to_contain_text(
        "Litware Partners now manages Open License V482019301 for Contoso Ltd."
    )
    switcher = page.locator("summary", has_text="Organization")
    expect(switcher).to_contain_text("Litware Partners")
    switcher.click()
    expect(page.get_by_role("button", name="Litware Partners")).to_contain_text("Partner")

    membership = Membership.objects.get(user__email="noor@litware.example")
    assert membership.organization.name == "Litware Partners"
    assert membership.organization.is_partner
    assert membership.organization.country == "FR"
    assert PartnerLink.objects.get().method == LinkMethod.OLP_REGISTRATION


def test_partner_removed_by_the_customer_cannot_come_back_by_flow_1_or_flow_2(
    page: Page, new_context, live_server
):
    customer = OrganizationFactory(name="Contoso Ltd")
    partner = PartnerOrganizationFactory(name="Adatum Partners")
    agreement = contoso_agreement(customer_organization=customer, partner_of_record=partner)
    super_admin = UserFactory(email="carmen@contoso.example", full_name="Carmen Diaz")
    MembershipFactory(user=super_admin, organization=customer, role=Role.OWNER)
    AgreementAdminFactory(agreement=agreement, user=super_admin, role=AdminRole.SUPER_ADMIN)
    partner_user = UserFactory(email="priya@adatum.example", full_name="Priya Shah")
    MembershipFactory(user=partner_user, organization=partner, role=Role.OWNER)
    LicensingContactFactory(organization=partner, email="priya@adatum.example")
    PartnerLinkFactory(agreement=agreement, partner_organization=partner, linked_by=partner_user)

    # The partner, in a browser of their own, is working on the agreement.
    partner_page = new_context().new_page()
    sign_in(partner_page, "priya@adatum.example")
    agreements_menu_open(partner_page)
    agreements_menu_item(partner_page, "Contoso Ltd").click()
    expect(partner_page.get_by_role("heading", level=1)).to_have_text("Contoso Ltd")

    # The customer's super admin removes the partner from the Partners tab.
    sign_in(page, "carmen@contoso.example")
    agreements_menu_open(page)
    agreements_menu_item(page, "Contoso Ltd").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contoso Ltd")
    page.get_by_role("navigation", name="Agreement").get_by_role("link", name="Partners").click()

    row = page.get_by_role("row").filter(has_text="Adatum Partners")
    expect(row).to_contain_text("Priya Shah")
    expect(row).to_contain_text("Has access")
    row.get_by_role("link", name="Remove access").click()

    expect(
        page.get_by_role("heading", name="Remove the access of Adatum Partners?")
    ).to_be_visible()
    page.get_by_role("button", name="Remove access").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Adatum Partners no longer has access to this Open License, and cannot link it again "
        "until a super admin allows it."
    )
    expect(row).to_contain_text("Removed")
    expect(row.get_by_role("link", name="Remove access")).to_have_count(0)
    expect(row.get_by_role("link", name="Allow again")).to_be_visible()

    # The partner's very next request for the agreement is the same 404 as any unknown page.
    response = partner_page.reload()
    assert response is not None and response.status == 404
    expect(partner_page.get_by_role("heading", name=re.compile("not found", re.I))).to_be_visible()
    expect(partner_page.get_by_text("Contoso Ltd")).to_have_count(0)
    partner_page.goto("/")
    agreements_menu_open(partner_page)
    expect(partner_page.get_by_text("No agreement to manage yet.")).to_be_visible()
    expect(agreements_menu_item(partner_page, "Contoso Ltd")).to_have_count(0)
    message = email_wait("priya@adatum.example")
    assert "Contoso Ltd removed the access of Adatum Partners" in message.body

    # Flow 1: the three values from the Orders page, typed again: refused, and told why.
    agreements_menu_item(partner_page, "+ New Open License").click()
    panel = partner_page.get_by_role("dialog", name="New Open License")
    panel.get_by_label("Authorization number").fill("V482019301")
    panel.get_by_label("License number").fill("6048201937")
    panel.get_by_label("Customer email").fill("licensing@contoso.example")
    panel.get_by_label("I confirm that I act on behalf of this customer").check()
    panel.get_by_role("button", name="Submit").click()
    expect(panel.get_by_role("alert")).to_contain_text(
        "The customer removed the access of Adatum Partners to Open License V482019301. "
        "Ask the customer to invite you again."
    )

    # Flow 2: the licensing service center says so, and offers no link.
    partner_page.goto("/licensing/")
    partner_page.get_by_label("Email address").fill("priya@adatum.example")
    partner_page.get_by_role("button", name="Email me a sign-in link").click()
    expect(partner_page.get_by_role("heading", level=1)).to_have_text("Check your email")
    partner_page.goto(live_link(email_wait("priya@adatum.example"), live_server))
    partner_page.get_by_role("button", name="Continue").click()
    summary = partner_page.get_by_role("row").filter(has_text="Contoso Ltd")
    expect(summary).to_contain_text("Access removed by the customer")
    partner_page.get_by_role("link", name="Contoso Ltd").click()
    region = partner_page.get_by_role("region", name="Visual Studio subscriptions")
    expect(region).to_contain_text("Access removed by the customer")
    expect(region.get_by_role("link", name="click here")).to_have_count(0)

    assert PartnerLink.objects.get().status == PartnerLink.Status.REMOVED


def test_new_open_license_panel_works_from_the_keyboard(page: Page):
    partner = PartnerOrganizationFactory(name="Adatum Partners")
    MembershipFactory(
        user=UserFactory(email="priya@adatum.example"), organization=partner, role=Role.OWNER
    )
    sign_in(page, "priya@adatum.example")

    page.locator("summary", has_text="Agreement").press("Enter")
    opener = agreements_menu_item(page, "+ New Open License")
    opener.press("Enter")

    panel = page.get_by_role("dialog", name="New Open License")
    expect(panel.get_by_label("Authorization number")).to_be_focused()
    expect(panel.get_by_label("Customer email")).to_have_accessible_description(
        "The customer's work email as it appears on the agreement."
    )
    page.keyboard.type("V482019301")
    page.keyboard.press("Enter")

    # A screen reader reads each field's error with the field.
    expect(panel.get_by_label("License number")).to_have_accessible_description(
        "This field is required."
    )
    expect(
        panel.get_by_label("I confirm that I act on behalf of this customer")
    ).to_have_accessible_description("Confirm that you act on behalf of this customer.")

    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    expect(opener).to_be_focused()


def test_not_found_page_keeps_the_portal_header(page: Page):
    partner = PartnerOrganizationFactory(name="Adatum Partners")
    MembershipFactory(
        user=UserFactory(email="priya@adatum.example"), organization=partner, role=Role.OWNER
    )
    agreement = contoso_agreement()
    sign_in(page, "priya@adatum.example")

    response = page.goto(f"/agreements/{agreement.public_id}/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    agreements_menu_open(page)
    expect(page.get_by_text("No agreement to manage yet.")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Adatum Partners")
