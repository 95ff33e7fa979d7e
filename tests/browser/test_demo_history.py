"""The demo world's History, as its customer reads it at 1280x800: the partner link the demo
seeded through the services is there, the filter narrows it, and its export is the CSV of
what the filter shows. And the browser's own request for /favicon.ico finds an icon."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import (
    DAVID,
    LANGUAGES,
    agreement_open,
    agreement_tab,
    sign_in,
)
from tests.browser.journeys import demo as demo
from tests.browser.journeys import screen as screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_demo_history_lists_the_seeded_link_filters_and_exports(demo, screen, language):
    david = screen()
    sign_in(david, DAVID, language)
    agreement_open(david, "Northwind Traders")
    agreement_tab(david, "history/")

    table = david.locator("main table")
    linked = table.get_by_role("row").filter(has_text="Contoso Partners")
    expect(linked.first).to_be_visible()
    rows_before = table.locator("tbody tr").count()

    # Only the partner links: the filter keeps them and drops the rest.
    david.locator("select[name=action]").select_option("partner.linked")
    david.locator("form[role=search] button[type=submit]").click()
    expect(david).to_have_url(re.compile(r"action=partner\.linked"))
    kept = table.locator("tbody tr")
    expect(kept.first).to_contain_text("Contoso Partners")
    assert kept.count() <= rows_before

    with david.expect_download() as download_info:
        david.locator("form[role=search] a[download]").click()
    exported = list(csv.reader(io.StringIO(download_info.value.path().read_text("utf-8-sig"))))
    assert len(exported) - 1 == kept.count(), exported
    assert all("Contoso Partners" in " ".join(row) for row in exported[1:]), exported


def test_the_browser_finds_the_favicon(page):
    page.goto("/")
    declared = page.locator("link[rel=icon]").get_attribute("href")
    assert declared and page.request.get(declared).ok

    response = page.request.get("/favicon.ico")

    assert response.ok, response.status
    assert response.headers["content-type"].startswith("image/")
