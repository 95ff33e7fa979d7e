"""The note under each of the first seed's flows, end to end in English and in French at
1280x800: the customer removes a partner's access, and the removal is real (the partner
loses the agreement at once and no flow brings it back)."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from agreements.models import PartnerLink
from tests.browser.journeys import (
    ANA,
    BRUNO,
    DAVID,
    EVE,
    LANGUAGES,
    NORTHWIND,
    agreement_open,
    agreement_tab,
    agreements_menu,
    assert_french_colons,
    assert_in_language,
    assert_reads_well,
    claim_fill,
    emails_to,
    language_choose,
    sign_in,
    text_in,
)
from tests.browser.journeys import demo as demo
from tests.browser.journeys import screen as screen
from tests.browser.test_invitation import email_wait, live_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_customer_removes_the_partner_and_no_flow_brings_it_back(
    demo, screen, live_server, language
):
    # Ana, the partner, is working on Northwind's subscribers in her own browser.
    ana = screen()
    sign_in(ana, ANA, language)
    agreement_open(ana, "Northwind Traders")

    # David, Northwind's super admin: the agreement → Partners → Remove access, confirmed.
    david = screen()
    sign_in(david, DAVID, language)
    agreement_open(david, "Northwind Traders")
    agreement_tab(david, "partners/")
    row = david.get_by_role("row").filter(has_text="Contoso Partners")
    expect(row.locator(".badge--active")).to_be_visible()
    expect(row).to_contain_text("Bruno Petit")
    row.locator("a[href$='/remove/']").click()
    expect(david.locator("#remove-title")).to_contain_text("Contoso Partners")
    expect(david.locator("#remove-title")).to_contain_text(
        text_in(language, en="Remove the access", fr="accès")
    )
    david.locator("main form button[type=submit]").click()
    expect(david.get_by_role("status").first).to_contain_text("Contoso Partners")
    row = david.get_by_role("row").filter(has_text="Contoso Partners")
    expect(row.locator(".badge--removed")).to_be_visible()
    expect(row.locator("a[href$='/remove/']")).to_have_count(0)
    expect(row.locator("a[href$='/allow-again/']")).to_be_visible()
    assert_reads_well(david, language)

    # Both of Contoso's people are told, each in their own language.
    told_david = [message.subject for message in emails_to(DAVID)]
    for person, person_language in ((ANA, language), (BRUNO, "fr")):
        message = email_wait(person)
        assert "Northwind Traders" in message.subject and "V553187602" in message.subject
        assert_in_language(message, person_language, "removed your access")

    # At once: Ana's next click on the agreement is the product's own "not found" page.
    response = ana.reload()
    assert response is not None and response.status == 404
    expect(ana.locator("main")).not_to_contain_text("Northwind Traders")
    expect(ana.locator("html")).to_have_attribute("lang", language)
    menu = agreements_menu(ana)
    expect(menu.locator("a.menu__item", has_text="Northwind Traders")).to_have_count(0)

    # Flow 1, typed again from the order: refused, told why, and nothing written or sent.
    links_before = PartnerLink.objects.count()
    outbox_before = len(mail.outbox)
    menu.locator("a[href$='/agreements/new-open-license/']").click()
    panel = ana.locator("dialog.flyout[open]")
    claim_fill(panel, NORTHWIND)
    panel.locator("#new-open-license-form button[type=submit]").click()
    refusal = panel.get_by_role("alert")
    expect(refusal).to_contain_text("Contoso Partners")
    expect(refusal).to_contain_text("V553187602")
    expect(refusal).to_contain_text(text_in(language, en="removed the access", fr="supprimé"))
    assert PartnerLink.objects.count() == links_before
    assert len(mail.outbox) == outbox_before
    panel.locator("form[method=dialog] button").click()

    # Her Orders keep the order, and say the same.
    ana.locator("nav.site-nav a[href$='/orders/']").click()
    order = ana.get_by_role("row").filter(has_text="Northwind Traders")
    expect(order.locator(".badge--removed")).to_be_visible()
    assert_french_colons(ana, language)
    assert_reads_well(ana, language)

    # Flow 2: the licensing service center lists it as removed, with no "click here".
    eve = screen()
    eve.goto("/licensing/")
    language_choose(eve, language)
    eve.locator("input[name=email]").fill(EVE)
    eve.locator("main form button[type=submit]").click()
    eve.goto(live_link(email_wait(EVE), live_server))
    eve.locator("main form button[type=submit]").click()
    summary = eve.get_by_role("row").filter(has_text="V553187602")
    expect(summary.locator(".badge--removed")).to_be_visible()
    summary.get_by_role("link", name="Northwind Traders").click()
    region = eve.locator("section[aria-labelledby=vs-title]")
    expect(region.locator(".badge--removed")).to_be_visible()
    expect(region.locator("a")).to_have_count(0)
    assert [message.subject for message in emails_to(DAVID)] == told_david, (
        "the refused attempts did not bother the customer"
    )

    # The customer's History tells the removal, by whom.
    agreement_tab(david, "history/")
    history = david.locator("main table")
    expect(history).to_contain_text(DAVID)
    expect(history).to_contain_text("Contoso Partners")
    assert PartnerLink.objects.get(agreement__authorization_number="V553187602").status == (
        PartnerLink.Status.REMOVED
    )
