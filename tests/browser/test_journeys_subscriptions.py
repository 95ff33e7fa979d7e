"""The customer's side of the subscriptions, end to end in English and in French at 1280x800:
an administrator assigns one subscriber in the panel and more from an Excel workbook, exports
them all, and a new subscriber signs up from the email that told them."""

from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Locator, Page, expect

from agreements.models import Subscription
from agreements.workbooks.columns import column_by_name, header_key
from tests.browser.journeys import (
    CHLOE,
    LANGUAGES,
    agreement_open,
    agreement_tab,
    assert_french_colons,
    assert_in_language,
    assert_reads_well,
    language_choose,
    sign_in,
    sign_up,
    text_in,
)
from tests.browser.journeys import demo as demo
from tests.browser.journeys import screen as screen
from tests.browser.test_invitation import email_wait, live_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The eight subscribers the demo gives Fabrikam, and the three this journey adds.
DEMO_SUBSCRIBERS = 8
MARC = "marc.dupont@fabrikam.example"
INES = "ines.martin@fabrikam.example"
JULES = "jules.petit@fabrikam.example"


def _toolbar_menu(page: Page, path_end: str) -> Locator:
    """A link of the subscribers toolbar's menus (Workbooks, Export), its menu opened first."""
    menu = page.locator("details.toolbar-menu", has=page.locator(f"a[href$='{path_end}']"))
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    return menu.locator(f"a[href$='{path_end}']")


def _download(page: Page, link: Locator, folder: Path) -> Path:
    with page.expect_download() as download:
        link.click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path


def _columns(sheet) -> dict[str, int]:
    """The workbook's columns by key: its headers are in the reader's language."""
    names = column_by_name()
    return {
        names[header_key(cell.value)].key: cell.column
        for cell in next(sheet.iter_rows(max_row=1))
        if cell.value and header_key(cell.value) in names
    }


def _subscribers_of_fabrikam(page: Page, language: str) -> None:
    sign_in(page, CHLOE, language)
    agreement_open(page, "Fabrikam Ltd")
    agreement_tab(page, "subscribers/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_admin_adds_subscribers_in_the_panel_and_from_excel_then_exports_them(
    demo, screen, language, tmp_path
):
    page = screen()
    _subscribers_of_fabrikam(page, language)
    grid = page.locator("#subscribers-results table")
    expect(grid.locator("tbody tr")).to_have_count(DEMO_SUBSCRIBERS)
    # The Downloads column (it read "On" in French).
    expect(grid.locator("tbody .badge").first).to_have_text(text_in(language, en="On", fr="Oui"))
    assert_reads_well(page, language)

    # One subscriber in the fly-out panel, which says how many seats each level has left.
    page.locator("a[href$='/subscribers/add/']").click()
    panel = page.locator("dialog.flyout[open]")
    expect(panel.locator("[name=first_name]")).to_be_focused()
    level = panel.locator("select[name=level]")
    enterprise = level.locator("option", has_text="Visual Studio Enterprise")
    expect(enterprise).to_contain_text("7")  # 10 seats, 3 assigned in the demo
    panel.locator("[name=first_name]").fill("Jules")
    panel.locator("[name=last_name]").fill("Petit")
    panel.locator("[name=sign_in_email]").fill(JULES)
    level.select_option(value=enterprise.get_attribute("value"))
    panel.locator("select[name=language]").select_option(language)
    panel.locator("form[method=post] button[type=submit]").click()
    expect(page.get_by_role("status").first).to_contain_text("Jules Petit")
    expect(grid.locator("tbody tr")).to_have_count(DEMO_SUBSCRIBERS + 1)

    # Two more from the template, filled in and uploaded: all rows are checked, then saved.
    template = openpyxl.load_workbook(
        _download(page, _toolbar_menu(page, "/subscribers/template.xlsx"), tmp_path)
    )
    sheet = template.worksheets[0]
    column = _columns(sheet)
    for row, (first, last, email, level_name) in enumerate(
        [
            ("Marc", "Dupont", MARC, "Visual Studio Professional"),
            ("Inès", "Martin", INES, "Visual Studio Enterprise"),
        ],
        start=2,
    ):
        sheet.cell(row, column["first_name"], first)
        sheet.cell(row, column["last_name"], last)
        sheet.cell(row, column["sign_in_email"], email)
        sheet.cell(row, column["level"], level_name)
        sheet.cell(row, column["language"], language)
    filled = tmp_path / "nouveaux-abonnes.xlsx"
    template.save(filled)

    _toolbar_menu(page, "/subscribers/add-from-workbook/").click()
    page.locator("input[type=file]").set_input_files(filled)
    page.locator("main form button[type=submit]").click()
    progress = page.locator("#workbook-progress")
    expect(progress.locator(".message")).to_contain_text("2")
    expect(page.locator("#import-title")).to_contain_text("nouveaux-abonnes.xlsx")
    assert_french_colons(page, language)
    expect(progress).to_contain_text(text_in(language, en="subscribers were added", fr="ajout"))
    page.locator("main a[href$='/subscribers/']").first.click()
    expect(grid.locator("tbody tr")).to_have_count(DEMO_SUBSCRIBERS + 3)
    assert_reads_well(page, language)

    # Export Excel, read back: every subscriber, the three new ones included.
    exported = openpyxl.load_workbook(
        _download(page, _toolbar_menu(page, "/subscribers/export.xlsx"), tmp_path)
    ).worksheets[0]
    email_column = _columns(exported)["sign_in_email"]
    emails = {row[email_column - 1] for row in exported.iter_rows(min_row=2, values_only=True)}
    assert len(emails) == DEMO_SUBSCRIBERS + 3
    assert {JULES, MARC, INES} <= emails
    assert Subscription.objects.assigned().count() == DEMO_SUBSCRIBERS + 3

    # Each new subscriber is told, in the language the admin chose for them.
    for email in (JULES, MARC, INES):
        assert_in_language(email_wait(email), language, "subscription")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_subscriber_signs_up_from_the_email_and_finds_their_subscription(
    demo, screen, live_server, language
):
    admin = screen()
    _subscribers_of_fabrikam(admin, language)
    admin.locator("a[href$='/subscribers/add/']").click()
    panel = admin.locator("dialog.flyout[open]")
    panel.locator("[name=first_name]").fill("Marc")
    panel.locator("[name=last_name]").fill("Dupont")
    panel.locator("[name=sign_in_email]").fill(MARC)
    level = panel.locator("select[name=level]")
    level.select_option(
        value=level.locator("option", has_text="Visual Studio Professional").get_attribute("value")
    )
    panel.locator("select[name=language]").select_option(language)
    panel.locator("form[method=post] button[type=submit]").click()
    expect(admin.get_by_role("status").first).to_contain_text("Marc Dupont")

    # Marc opens the email's link: he has no account, so he creates one.
    told = email_wait(MARC)
    assert_in_language(told, language, "subscription")
    page = screen()
    page.goto(live_link(told, live_server))
    language_choose(page, language)
    page.locator("main a[href*='/accounts/sign-up/']").click()
    sign_up(page, full_name="Marc Dupont", email=MARC, language=language)

    # Nothing proved the address yet: a confirmation email, whose link brings him back.
    expect(page.locator("main")).to_contain_text(MARC)
    confirmation = email_wait(MARC)
    assert confirmation is not told
    assert_in_language(confirmation, language, "Confirm your")
    page.goto(live_link(confirmation, live_server))
    confirm = page.locator("main form button[type=submit]")
    if confirm.count():
        confirm.click()

    # He lands on My subscriptions, where the email's link was going, in his language.
    expect(page).to_have_url(f"{live_server.url}/my-subscriptions/")
    expect(page.locator("main")).to_contain_text("Visual Studio Professional")
    expect(page.locator("main")).to_contain_text("Fabrikam Ltd")
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_reads_well(page, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_subscriber_who_signs_up_directly_is_welcomed_with_their_subscriptions(
    demo, screen, live_server, language
):
    """Léa, one of the demo's subscribers, never opened the email: she signs up from the
    portal's own sign-in page and, once her address is confirmed, is welcomed with her
    subscription rather than told she is not recognised."""
    lea = "lea.bernard@fabrikam.example"
    page = screen()
    page.goto("/accounts/sign-in/")
    language_choose(page, language)
    page.locator("main a[href*='/accounts/sign-up/']").click()
    sign_up(page, full_name="Léa Bernard", email=lea, language=language)
    expect(page.locator("main")).to_contain_text(lea)

    confirmation = email_wait(lea)
    assert_in_language(confirmation, language, "Confirm your")
    page.goto(live_link(confirmation, live_server))
    confirm = page.locator("main form button[type=submit]")
    if confirm.count():
        confirm.click()

    # The welcome page knows her: her subscription, and the way to My subscriptions.
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Visual Studio Enterprise")
    expect(page.locator("main")).to_contain_text("Fabrikam Ltd")
    assert_reads_well(page, language)
    page.locator("main a[href$='/my-subscriptions/']").click()
    expect(page.locator("main table")).to_contain_text("Visual Studio Enterprise")
    assert_reads_well(page, language)
