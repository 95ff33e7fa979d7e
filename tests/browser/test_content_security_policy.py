"""The pages keep to their Content-Security-Policy in a real browser: no inline script or
style is refused anywhere a person goes, htmx panels and filtering included."""

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.test_partner_flows import sign_in
from tests.browser.test_subscriber_admin import _subscribers_open
from tests.browser.test_subscriber_admin import agreement as agreement
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _violations(page: Page) -> list[str]:
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", watch)
    return refused


def test_the_customer_pages_and_their_htmx_panels_break_no_policy(page: Page, agreement):
    refused = _violations(page)

    _subscribers_open(page)
    page.get_by_role("link", name="Add subscriber").click()
    expect(page.get_by_role("dialog", name="Add subscriber")).to_be_visible()
    page.get_by_role("dialog", name="Add subscriber").get_by_role("button", name="Close").click()
    page.get_by_label("Search subscribers").press_sequentially("nobody")
    expect(page.get_by_text("No subscriber matches “nobody”.")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Agreement")
    for tab in (
        "Overview",
        "Maximum usage",
        "Administrators",
        "Partners",
        "History",
        "Preferences",
    ):
        tabs.get_by_role("link", name=tab).click()
        expect(tabs.get_by_role("link", name=tab)).to_have_attribute("aria-current", "page")
    page.locator("summary", has_text="Agreement").click()

    assert refused == []


def test_staff_pages_break_no_policy(page: Page):
    UserFactory(email="operator@portal.example", is_staff=True, is_superuser=True)
    refused = _violations(page)

    sign_in(page, "operator@portal.example")
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto("/admin/agreements/subscription/")
    page.goto("/staff/emails/")
    page.get_by_role("link", name=re.compile("^Preview in Fr")).first.click()
    expect(page.locator("iframe")).to_be_visible()

    assert refused == []
