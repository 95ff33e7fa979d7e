"""Keyboard-only journeys (Tab, Enter, Escape; no mouse): adding a subscriber in the fly-out
dialog, and removing a partner's access. Focus is visible wherever it lands, goes into a
dialog when it opens and back to what opened it when it closes."""

import pytest
from playwright.sync_api import Page, expect

from agreements.models import PartnerLink
from portal.tenancy.models import Role
from tests.browser.test_partner_flows import sign_in
from tests.browser.test_subscriber_admin import agreement as agreement
from tests.factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerLinkFactory,
    PartnerOrganizationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 80
FOCUSED = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {
        text: (el.getAttribute('aria-label') || el.innerText || el.value || '').trim(),
        tag: el.tagName.toLowerCase(),
        visible: el.matches(':focus-visible')
            && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    };
}"""


def _focused(page: Page) -> dict:
    return page.evaluate(FOCUSED)


def assert_tab_reaches(page: Page, text: str) -> None:
    """Presses Tab until the focused element's name starts with `text`; each stop shows focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["visible"], f"focus is not visible on {focused}"
        if focused["text"].startswith(text):
            return
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {text!r}")


def test_add_a_subscriber_with_the_keyboard_only(page: Page, agreement):
    sign_in(page, "chloe.durand@fabrikam.example")
    page.goto(f"/agreements/{agreement.public_id}/subscribers/")
    expect(page.get_by_role("heading", name="Subscribers")).to_be_visible()

    assert_tab_reaches(page, "Add subscriber")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Add subscriber")
    expect(dialog.get_by_label("First name")).to_be_focused()

    # Escape closes the dialog and gives focus back to the link that opened it.
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert _focused(page)["text"] == "Add subscriber"
    assert _focused(page)["visible"]

    page.keyboard.press("Enter")
    expect(dialog.get_by_label("First name")).to_be_focused()
    page.keyboard.type("Léa")
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("Last name")).to_be_focused()
    page.keyboard.type("Bernard")
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("Sign-in email")).to_be_focused()
    page.keyboard.type("lea.bernard@fabrikam.example")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if _focused(page)["tag"] == "select":
            break
    expect(dialog.get_by_label("Subscription level")).to_be_focused()
    page.keyboard.press("ArrowDown")
    assert_tab_reaches(page, "Add subscriber")
    assert _focused(page)["tag"] == "button"
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text(
        "Léa Bernard now has the Visual Studio Enterprise subscription"
    )
    expect(page.get_by_role("row").filter(has_text="lea.bernard@fabrikam.example")).to_be_visible()


def test_remove_a_partner_with_the_keyboard_only(page: Page):
    customer = OrganizationFactory(name="Northwind Traders")
    agreement = AgreementFactory(customer_organization=customer, customer_name="Northwind Traders")
    AgreementLineFactory(agreement=agreement)
    david = UserFactory(email="david.kim@northwind.example")
    MembershipFactory(user=david, organization=customer, role=Role.OWNER)
    AgreementAdminFactory(agreement=agreement, user=david)
    link = PartnerLinkFactory(
        agreement=agreement, partner_organization=PartnerOrganizationFactory(name="Contoso")
    )

    sign_in(page, "david.kim@northwind.example")
    page.goto(f"/agreements/{agreement.public_id}/partners/")

    assert_tab_reaches(page, "Remove access of Contoso")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Remove the access of Contoso?")).to_be_visible()
    # The confirmation's first button removes; Cancel would go back.
    assert_tab_reaches(page, "Remove access")
    assert _focused(page)["tag"] == "button"
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text("Contoso")
    link.refresh_from_db()
    assert link.status == PartnerLink.Status.REMOVED
