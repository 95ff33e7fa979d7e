"""The product's own error pages, as the demo shows them (DEBUG off, see
tests/project/test_demo_settings.py): a failure is the portal's 500 page, a forged or stale
form its 403 page, each in the portal's layout and saying nothing of the code; and names with
apostrophes, ampersands and markup reach a plain-text email as typed (the HTML part escapes
them), with no header to inject."""

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.journeys import language_choose, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_failure_shows_the_portals_own_500_page(page: Page, settings):
    settings.ROOT_URLCONF = "tests.browser.error_urls"

    response = page.goto("/test-failure/")

    assert response is not None and response.status == 500
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("body")).to_contain_text("Something went wrong")
    expect(page.locator("body")).not_to_contain_text("RuntimeError")
    expect(page.locator("body")).not_to_contain_text("Traceback")
    expect(page.locator("a[href='/']").first).to_be_visible()


def test_a_stale_form_shows_the_portals_own_403_page(page: Page):
    page.goto("/accounts/sign-in/")
    page.context.clear_cookies()  # the CSRF cookie goes, as after a long pause
    page.locator("[name=username], [name=email]").first.fill("someone@example.com")
    page.locator("[name=password]").fill("whatever-password-1")

    page.locator("main form button[type=submit]").last.click()

    expect(page.locator("h1")).to_be_visible()
    assert page.locator("header").count() == 1
    expect(page.locator("body")).not_to_contain_text("CSRF verification failed")
    expect(page.locator("body")).not_to_contain_text("Reason given for the failure")


def test_a_name_with_an_apostrophe_an_ampersand_and_markup_reaches_the_email_as_typed(
    page: Page,
):
    name = "D'Arcy & Jo <b>Ops</b>"
    page.goto("/accounts/sign-in/")
    language_choose(page, "en")
    page.locator("main a[href*='/accounts/sign-up/']").click()

    sign_up(page, full_name=name, email="darcy@example.com", language="en")

    expect(page.locator("main")).to_contain_text("darcy@example.com")
    (message,) = [m for m in mail.outbox if m.to == ["darcy@example.com"]]
    assert f"Hello {name}," in message.body, message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body
    html = message.alternatives[0][0]
    assert "D&#x27;Arcy &amp; Jo &lt;b&gt;Ops&lt;/b&gt;" in html
    assert "\n" not in message.subject and "\r" not in message.subject
