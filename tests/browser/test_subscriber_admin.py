"""A customer's admin assigns subscriptions: one in the panel, many from a workbook that comes
back with its errors, then filters the grid and exports it."""

import csv
import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from agreements.models import Subscription
from portal.tenancy.models import Role
from tests.browser.test_partner_flows import sign_in
from tests.factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agreement():
    organization = OrganizationFactory(name="Fabrikam Ltd")
    agreement = AgreementFactory(
        customer_organization=organization,
        customer_name="Fabrikam Ltd",
        authorization_number="V482019301",
        license_number="6812045501",
        default_language="en",
    )
    AgreementLineFactory(agreement=agreement, seats_purchased=10)
    admin = UserFactory(email="chloe.durand@fabrikam.example", preferred_language="en")
    MembershipFactory(user=admin, organization=organization, role=Role.OWNER)
    AgreementAdminFactory(agreement=agreement, user=admin)
    return agreement


def _subscribers_open(page: Page) -> None:
    sign_in(page, "chloe.durand@fabrikam.example")
    page.locator("summary", has_text="Agreement").click()
    page.get_by_role("navigation", name="Open License agreements").get_by_role(
        "link", name="Fabrikam Ltd"
    ).click()
    page.get_by_role("navigation", name="Agreement").get_by_role("link", name="Subscribers").click()
    expect(page.get_by_role("heading", name="Subscribers")).to_be_visible()


def _toolbar_item(page: Page, menu: str, item: str):
    """A link in one of the subscribers toolbar's menus (Workbooks, Export), opened first."""
    details = page.locator("details.toolbar-menu", has=page.locator("summary", has_text=menu))
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return page.get_by_role("navigation", name=menu).get_by_role("link", name=item)


def _download(page: Page, link, tmp_path: Path) -> Path:
    with page.expect_download() as download_info:
        (page.get_by_role("link", name=link) if isinstance(link, str) else link).click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return path


def _header(sheet) -> list[str]:
    return [cell.value for cell in next(sheet.iter_rows(max_row=1))]


def test_admin_adds_subscribers_in_the_panel_and_from_a_workbook_filters_and_exports(
    page: Page, agreement, tmp_path
):
    _subscribers_open(page)
    expect(page.get_by_text("No subscriber yet.")).to_be_visible()

    # One subscriber in the fly-out panel.
    page.get_by_role("link", name="Add subscriber").click()
    panel = page.get_by_role("dialog", name="Add subscriber")
    expect(panel.get_by_label("First name")).to_be_focused()
    panel.get_by_label("First name").fill("Léa")
    panel.get_by_label("Last name").fill("Bernard")
    panel.get_by_label("Sign-in email").fill("lea.bernard@fabrikam.example")
    panel.get_by_label("Subscription level").select_option(
        label="Visual Studio Enterprise: 10 of 10 seats free"
    )
    panel.get_by_label("Reference").fill("R&D")
    panel.get_by_role("button", name="Add subscriber").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Léa Bernard now has the Visual Studio Enterprise subscription"
    )
    expect(page.get_by_role("row").filter(has_text="lea.bernard@fabrikam.example")).to_be_visible()

    # Two more from the template; one row has a bad email, so nothing is saved.
    template = openpyxl.load_workbook(
        _download(page, _toolbar_item(page, "Workbooks", "Download template"), tmp_path)
    )
    sheet = template.worksheets[0]
    header = _header(sheet)
    assert header[-1] == "Error message"
    column = {name: index + 1 for index, name in enumerate(header)}
    rows = [
        ("Marc", "Dupont", "marc.dupont@fabrikam.example"),
        ("Inès", "Martin", "ines.martin@fabrikam"),  # not an email address
    ]
    for number, (first, last, email) in enumerate(rows, start=2):
        sheet.cell(number, column["First name"], first)
        sheet.cell(number, column["Last name"], last)
        sheet.cell(number, column["Sign-in email"], email)
        sheet.cell(number, column["Level"], "Visual Studio Enterprise")
    filled = tmp_path / "new-people.xlsx"
    template.save(filled)

    _toolbar_item(page, "Workbooks", "Add from workbook").click()
    page.get_by_label("Workbook (.xlsx)").set_input_files(filled)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("1 row has an error, so nothing was saved.")).to_be_visible()
    assert Subscription.objects.assigned().count() == 1

    returned = openpyxl.load_workbook(
        _download(page, "Download the workbook with its errors", tmp_path)
    )
    returned_sheet = returned.worksheets[0]
    assert returned_sheet.cell(2, column["Error message"]).value in (None, "")
    assert "email" in returned_sheet.cell(3, column["Error message"]).value.lower()

    # Fixed in the workbook that came back, uploaded again: both are added.
    returned_sheet.cell(3, column["Sign-in email"], "ines.martin@fabrikam.example")
    fixed = tmp_path / "new-people-fixed.xlsx"
    returned.save(fixed)
    page.get_by_role("link", name="Upload another workbook").click()
    page.get_by_label("Workbook (.xlsx)").set_input_files(fixed)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("2 subscribers were added; each is told by email.")).to_be_visible()

    # Filter as you type.
    page.get_by_role("link", name="Back to the subscribers").click()
    expect(page.get_by_role("status").first).to_contain_text("3 subscribers")
    page.get_by_label("Search subscribers").press_sequentially("dupont")
    expect(page.get_by_role("status").first).to_contain_text("1 subscriber matches “dupont”")
    grid = page.get_by_role("table", name="Subscribers")
    expect(grid.get_by_role("row").filter(has_text="marc.dupont@fabrikam.example")).to_be_visible()
    expect(grid.get_by_role("row").filter(has_text="lea.bernard@fabrikam.example")).to_have_count(0)
    # The address follows the filter, so it can be bookmarked or shared.
    expect(page).to_have_url(re.compile(r"[?&]q=dupont"))

    # Export: every subscriber, in files named after the agreement and the day.
    today = date.today().isoformat()
    excel = _download(page, _toolbar_item(page, "Export", "Export Excel"), tmp_path)
    assert "V482019301" in excel.name and today in excel.name
    exported = openpyxl.load_workbook(excel).worksheets[0]
    emails = {
        row[_header(exported).index("Sign-in email")]
        for row in exported.iter_rows(min_row=2, values_only=True)
    }
    assert emails == {
        "lea.bernard@fabrikam.example",
        "marc.dupont@fabrikam.example",
        "ines.martin@fabrikam.example",
    }
    csv_file = _download(page, _toolbar_item(page, "Export", "Export CSV"), tmp_path)
    assert "V482019301" in csv_file.name and csv_file.suffix == ".csv"
    records = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8-sig"))))
    assert {record["Sign-in email"] for record in records} == emails
