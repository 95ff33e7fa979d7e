"""Pages that end where a person expects, at 1280 by 800: the subscribers grid fits the screen,
and the Add subscriber panel says which levels still have seats before anyone submits."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agreements.models import AgreementLine, Subscription, SubscriptionLevel
from tests.browser.test_subscriber_admin import _subscribers_open
from tests.browser.test_subscriber_admin import agreement as agreement
from tests.factories import AgreementLineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREEN = {"width": 1280, "height": 800}


def _fill(agreement, count: int) -> None:
    line = agreement.lines.get()
    AgreementLine.objects.filter(pk=line.pk).update(seats_purchased=count, seats_assigned=count)
    Subscription.objects.bulk_create(
        Subscription(
            agreement=agreement,
            line=line,
            first_name=f"Maximilienne-{n}",
            last_name="Delacroix-Fontaine",
            sign_in_email=f"maximilienne.delacroix-fontaine.{n}@engineering.fabrikam.example",
            notification_email=f"delacroix-fontaine.notifications.{n}@mail.fabrikam.example",
            reference=f"PLATFORM-TEAM-{n:04}",
            country="FR",
            language="fr",
            assigned_at=timezone.now(),
        )
        for n in range(count)
    )


@pytest.mark.parametrize("language, last_column", [("en", "Language"), ("fr", "Langue")])
def test_the_subscribers_grid_fits_a_1280_pixel_screen(
    page: Page, agreement, language, last_column
):
    """In French too, whose headers and dates are the wider."""
    _fill(agreement, 12)
    page.set_viewport_size(SCREEN)

    _subscribers_open(page)
    if language != "en":
        page.locator(f"form.language-switcher button[value={language}]").click()
        expect(page.locator("html")).to_have_attribute("lang", language)

    expect(page.get_by_role("row")).to_have_count(13)
    widths = page.evaluate(
        """() => {
            const scroller = document.querySelector('.grid-scroll');
            return {
                grid: scroller.scrollWidth, box: scroller.clientWidth,
                page: document.documentElement.scrollWidth, screen: window.innerWidth,
            };
        }"""
    )
    columns = page.evaluate(
        "() => [...document.querySelectorAll('.grid thead th')].map(th => th.offsetWidth)"
    )
    assert widths["grid"] <= widths["box"], f"the grid scrolls sideways: {widths} {columns}"
    assert widths["page"] <= widths["screen"], f"the page scrolls sideways: {widths}"
    # Every column, the last included, is on the screen.
    last_header = page.get_by_role("columnheader", name=last_column)
    box = last_header.bounding_box()
    assert box is not None and box["x"] + box["width"] <= SCREEN["width"]


def test_the_add_panel_says_which_levels_have_seats_left(page: Page, agreement):
    _fill(agreement, 10)
    AgreementLineFactory(
        agreement=agreement,
        level=SubscriptionLevel.objects.get(code="vs-professional"),
        seats_purchased=5,
    )
    page.set_viewport_size(SCREEN)
    _subscribers_open(page)

    page.get_by_role("link", name="Add subscriber").click()
    panel = page.get_by_role("dialog")
    level = panel.get_by_label("Subscription level")
    expect(level.locator("option", has_text="5 of 5 seats free")).to_be_enabled()
    expect(level.locator("option", has_text="full, all 10 seats assigned")).to_be_disabled()
    expect(panel.get_by_text("A full level cannot be chosen")).to_be_visible()
