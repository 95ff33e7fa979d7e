"""The first seed's journeys, end to end in English and in French at 1280x800: the three ways a
partner gets to manage a customer's Open License, each ending on its subscribers with the
customer told by email (and able to remove the partner)."""

import pytest
from playwright.sync_api import Page, expect

from agreements.models import LinkMethod, PartnerLink
from tests.browser.journeys import (
    ANA,
    CHLOE,
    DEMO_PASSWORD,
    EVE,
    FABRIKAM,
    FRANK,
    LANGUAGES,
    SUBSCRIBERS_URL,
    TAILSPIN,
    TAILSPIN_TOYS,
    agreements_menu,
    assert_in_language,
    assert_reads_well,
    claim_fill,
    emails_to,
    language_choose,
    sign_in,
    sign_up,
    text_in,
)
from tests.browser.journeys import demo as demo
from tests.browser.journeys import screen as screen
from tests.browser.test_invitation import email_wait, live_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _customer_follows_the_partner_added_email(page: Page, live_server, language: str) -> None:
    """The note under each flow: the customer is told, and can remove the partner's access."""
    message = email_wait(CHLOE)
    assert "Contoso Partners" in message.subject
    # Chloé reads the portal in French, whatever language the partner used.
    assert_in_language(message, "fr", "was added")
    page.goto(live_link(message, live_server))
    page.locator("input[name=username]").fill(CHLOE)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    language_choose(page, language)
    row = page.get_by_role("row").filter(has_text="Contoso Partners")
    expect(row.locator(".badge--active")).to_be_visible()
    expect(row.locator("a[href$='/remove/']")).to_be_visible()
    assert_reads_well(page, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_flow_1_an_existing_partner_adds_a_new_open_license_from_the_agreements_menu(
    demo, screen, live_server, language
):
    page = screen()
    sign_in(page, ANA, language)
    expect(page.get_by_role("heading", level=1)).to_have_text("Contoso Partners")

    # The agreements dropdown, scrolled to its end: "+ New Open License".
    menu = agreements_menu(page)
    expect(menu.locator("a.menu__item", has_text="Northwind Traders")).to_be_visible()
    new_license = menu.locator("a[href$='/agreements/new-open-license/']")
    expect(menu.locator("a").last).to_have_attribute("href", "/agreements/new-open-license/")
    expect(new_license).to_have_text(text_in(language, en="+ New Open License", fr="+ Nouv"))
    new_license.click()

    panel = page.locator("dialog.flyout[open]")
    expect(panel.locator("[name=authorization_number]")).to_be_focused()
    claim_fill(panel, FABRIKAM)
    panel.locator("#new-open-license-form button[type=submit]").click()

    # It ends on the subscribers it came to manage, with the partner's name and the number.
    expect(page).to_have_url(SUBSCRIBERS_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Fabrikam Ltd")
    expect(page.get_by_role("status").first).to_contain_text("Contoso Partners")
    expect(page.get_by_role("status").first).to_contain_text("V482019301")
    expect(page.locator("#subscribers-results")).to_contain_text("lea.bernard@fabrikam.example")
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_reads_well(page, language)
    link = PartnerLink.objects.get(agreement__authorization_number="V482019301")
    assert link.method == LinkMethod.NEW_LICENSE and link.is_active

    _customer_follows_the_partner_added_email(screen(), live_server, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_flow_2_a_partner_comes_from_the_licensing_service_center(
    demo, screen, live_server, language
):
    page = screen()
    page.goto("/licensing/")
    language_choose(page, language)
    page.locator("input[name=email]").fill(EVE)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        text_in(language, en="Check your email", fr="Consultez")
    )
    sign_in_email = email_wait(EVE)
    assert_in_language(sign_in_email, language, "sign-in link")

    page.goto(live_link(sign_in_email, live_server))
    expect(page.get_by_text(EVE)).to_be_visible()
    page.locator("main form button[type=submit]").click()

    # Relationship summary → the Open License → License details → "click here".
    expect(page.get_by_role("heading", level=1)).to_have_text(
        text_in(language, en="Relationship summary", fr="Synthèse des relations")
    )
    page.get_by_role("row").filter(has_text="V482019301").get_by_role(
        "link", name="Fabrikam Ltd"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        text_in(language, en="License details", fr="Détails de la licence")
    )
    click_here = page.locator("section[aria-labelledby=vs-title] a")
    expect(click_here).to_have_text(text_in(language, en="click here", fr="cliquez ici"))
    click_here.click()

    # Into the portal with no account yet: create one with the same address as in the centre.
    expect(page.locator("main")).to_contain_text("Fabrikam Ltd")
    page.locator("main a[href*='/accounts/sign-up/']").click()
    # The address the licensing center proved, and no other.
    expect(page.locator("[name=email]")).not_to_be_editable()
    sign_up(page, full_name="Eve Moreau", email=EVE, language=language)
    expect(page.locator("main")).to_contain_text("Contoso Partners")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(SUBSCRIBERS_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Fabrikam Ltd")
    expect(page.get_by_role("status").first).to_contain_text("Contoso Partners")
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_reads_well(page, language)
    assert PartnerLink.objects.get(agreement__authorization_number="V482019301").method == (
        LinkMethod.LICENSING_CENTER
    )

    _customer_follows_the_partner_added_email(screen(), live_server, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_flow_3_a_new_partner_is_not_recognised_and_registers_as_an_olp_partner(
    demo, screen, live_server, language
):
    page = screen()
    sign_in(page, FRANK, language)

    # "You are not a recognised user", with the OLP partners' registration.
    expect(page.get_by_role("alert")).to_contain_text(FRANK)
    expect(page.get_by_role("alert")).to_contain_text(
        text_in(language, en="not a recognised user", fr="reconnu")
    )
    page.locator("main a[href$='/register/olp-partner/']").click()

    form = page.locator("main form")
    form.locator("[name=organization_name]").fill("Litware Partners")
    form.locator("[name=country]").fill("NO")
    claim_fill(form, TAILSPIN_TOYS)
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(SUBSCRIBERS_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tailspin Toys")
    expect(page.get_by_role("status").first).to_contain_text("Litware Partners")
    expect(page.locator("html")).to_have_attribute("lang", language)
    switcher = page.locator("details.organization-switcher summary")
    expect(switcher).to_contain_text("Litware Partners")
    assert_reads_well(page, language)
    menu = agreements_menu(page)
    expect(menu.locator("a.menu__item", has_text="Tailspin Toys")).to_contain_text("V661042703")

    # Tailspin has no administrator yet: its email offers to take charge.
    message = email_wait(TAILSPIN)
    assert "Litware Partners" in message.subject
    assert "/agreements/take-charge/" in message.body
    assert PartnerLink.objects.get(agreement__authorization_number="V661042703").method == (
        LinkMethod.OLP_REGISTRATION
    )
    assert not emails_to(CHLOE)
