"""A bulk add from the browser, on the demo's Fabrikam agreement (10 Visual Studio Enterprise
seats, some taken): a workbook that needs more seats than are free says how many it needs and
how many are free, and writes nothing; one that fits is added, and the History's entry says
how many subscribers and which workbook."""

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from agreements.models import Agreement, Subscription
from tests.browser.journeys import (
    CHLOE,
    agreement_open,
    agreement_tab,
    sign_in,
)
from tests.browser.journeys import demo as demo
from tests.browser.journeys import screen as screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _upload(page: Page, grid_url: str, rows: list[list[str]], name: str) -> None:
    template = page.request.get(re.sub(r"/subscribers/.*$", "/subscribers/template.xlsx", grid_url))
    workbook = load_workbook(io.BytesIO(template.body()))
    for row in rows:
        workbook["Subscribers"].append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    page.goto(re.sub(r"/subscribers/.*$", "/subscribers/add-from-workbook/", grid_url))
    page.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": buffer.getvalue()}]
    )
    page.locator("main form button[type=submit]").last.click()


def _people(count: int) -> list[list[str]]:
    level = "Visual Studio Enterprise"
    return [
        [f"Test{n}", "Person", f"test{n}@fabrikam.example", "", level, "Yes", "", "FR", "en"]
        for n in range(count)
    ]


def test_a_workbook_needing_more_seats_than_free_says_so_and_one_that_fits_is_in_history(
    demo, screen
):
    agreement = Agreement.objects.get(authorization_number="V482019301")
    line = agreement.lines.get(level__code="vs-enterprise")
    free = line.seats_purchased - line.seats_assigned
    before = Subscription.objects.filter(agreement=agreement).count()
    page = screen()
    sign_in(page, CHLOE, "en")
    agreement_open(page, "Fabrikam Ltd")
    agreement_tab(page, "subscribers/")
    grid = page.url

    _upload(page, grid, _people(free + 3), "too-many.xlsx")

    expect(page.locator("main")).to_contain_text("3 rows have errors, so nothing was saved")
    returned = page.locator("main a[href$='/errors.xlsx']").get_attribute("href")
    sheet = load_workbook(io.BytesIO(page.request.get(returned).body()))["Subscribers"]
    errors = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[-1]]
    assert len(errors) == 3, errors
    needed = f"asks for {free + 3} Visual Studio Enterprise seats and {free} of the 10 bought"
    assert all(needed in error for error in errors), errors
    assert Subscription.objects.filter(agreement=agreement).count() == before

    _upload(page, grid, _people(2), "two-people.xlsx")

    expect(page.locator("main")).to_contain_text("two-people.xlsx")
    assert Subscription.objects.filter(agreement=agreement).count() == before + 2
    page.goto(grid)
    agreement_tab(page, "history/")
    expect(page.locator("main table tbody tr").first).to_contain_text(
        "2 subscribers · two-people.xlsx"
    )
