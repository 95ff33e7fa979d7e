"""The customer decides who keeps access: approving and declining partners, and taking
charge of an agreement nobody administered yet to remove a partner."""

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from agreements.models import AdminRole, PartnerLink
from agreements.partner_links.services.claims import OpenLicenseClaim, partner_link_claim
from portal.tenancy.models import Role
from tests.browser.test_invitation import email_wait, live_link
from tests.browser.test_partner_flows import contoso_agreement, sign_in
from tests.conftest import actor_of
from tests.factories import (
    AgreementAdminFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerOrganizationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "violet-kettle-harbour-91"


def _partner(name: str, email: str):
    partner = PartnerOrganizationFactory(name=name)
    user = UserFactory(email=email)
    MembershipFactory(organization=partner, user=user, role=Role.OWNER)
    return partner, user


def _claim(agreement) -> OpenLicenseClaim:
    return OpenLicenseClaim(
        authorization_number=agreement.authorization_number,
        license_number=agreement.license_number,
        customer_email=agreement.customer_email,
    )


def test_a_customer_with_approval_on_approves_one_partner_and_declines_another(
    page: Page, new_context, live_server
):
    customer = OrganizationFactory(name="Contoso Ltd")
    agreement = contoso_agreement(customer_organization=customer, partner_approval_required=True)
    carmen = UserFactory(email="carmen@contoso.example", full_name="Carmen Diaz")
    MembershipFactory(user=carmen, organization=customer, role=Role.OWNER)
    AgreementAdminFactory(agreement=agreement, user=carmen, role=AdminRole.SUPER_ADMIN)
    adatum, priya = _partner("Adatum Partners", "priya@adatum.example")
    litware, lee = _partner("Litware Resellers", "lee@litware.example")
    partner_link_claim(actor=actor_of(priya, adatum), claim=_claim(agreement))
    partner_link_claim(actor=actor_of(lee, litware), claim=_claim(agreement))

    # The request email's Approve link, followed by the super admin.
    email_wait("carmen@contoso.example")
    asked = [m for m in mail.outbox if m.to == ["carmen@contoso.example"]]
    adatum_request = next(m for m in asked if "Adatum Partners" in m.subject)
    sign_in(page, "carmen@contoso.example")
    page.goto(live_link(adatum_request, live_server))
    expect(page.get_by_role("heading", name="Approve Adatum Partners?")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Adatum Partners now has access.")

    # The other request, declined from the Partners page.
    row = page.get_by_role("row").filter(has_text="Litware Resellers")
    expect(row).to_contain_text("Waiting for approval")
    row.get_by_role("link", name="Decline").click()
    expect(page.get_by_role("heading", name="Decline Litware Resellers?")).to_be_visible()
    page.get_by_role("button", name="Decline").click()
    expect(page.get_by_role("status")).to_contain_text(
        "You declined the request of Litware Resellers."
    )
    expect(page.get_by_role("row").filter(has_text="Litware Resellers")).to_contain_text(
        "Declined on"
    )
    expect(page.get_by_role("row").filter(has_text="Adatum Partners")).to_contain_text("Has access")

    # Each partner sees where it stands.
    priya_page = new_context().new_page()
    sign_in(priya_page, "priya@adatum.example")
    priya_page.locator("summary", has_text="Agreement").click()
    expect(
        priya_page.get_by_role("navigation", name="Open License agreements").get_by_role(
            "link", name="Contoso Ltd"
        )
    ).to_be_visible()
    lee_page = new_context().new_page()
    sign_in(lee_page, "lee@litware.example")
    expect(
        lee_page.get_by_role("region", name="Open Licenses you have no access to")
    ).to_contain_text("Declined by the customer")
    statuses = dict(PartnerLink.objects.values_list("partner_organization__name", "status"))
    assert statuses == {"Adatum Partners": "active", "Litware Resellers": "declined"}


def test_an_unonboarded_customer_takes_charge_from_the_email_and_removes_the_partner(
    page: Page, new_context, live_server
):
    agreement = contoso_agreement(customer_organization=None)
    adatum, priya = _partner("Adatum Partners", "priya@adatum.example")
    partner_link_claim(actor=actor_of(priya, adatum), claim=_claim(agreement))

    message = email_wait("licensing@contoso.example")
    assert "Take charge of Open License V482019301" in message.alternatives[0][0]
    page.goto(live_link(message, live_server))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Take charge of Open License V482019301"
    )
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Full name").fill("Carmen Diaz")
    expect(page.get_by_label("Work email address")).to_have_value("licensing@contoso.example")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    page.get_by_label("Language", exact=True).select_option(label="English")
    page.get_by_role("button", name="Create account").click()

    # The link proved the address: straight back, to name the customer organization.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Take charge of Open License V482019301"
    )
    page.get_by_label("New organization's name").fill("Contoso Ltd")
    page.get_by_role("button", name="Take charge").click()

    expect(page.get_by_role("status")).to_contain_text(
        "You are the super admin of Open License V482019301."
    )
    row = page.get_by_role("row").filter(has_text="Adatum Partners")
    expect(row).to_contain_text("Has access")
    row.get_by_role("link", name="Remove access").click()
    page.get_by_role("button", name="Remove access").click()
    expect(page.get_by_role("row").filter(has_text="Adatum Partners")).to_contain_text("Removed")

    priya_page = new_context().new_page()
    sign_in(priya_page, "priya@adatum.example")
    response = priya_page.goto(f"/agreements/{agreement.public_id}/")
    assert response is not None and response.status == 404
    assert PartnerLink.objects.get().status == PartnerLink.Status.REMOVED
