"""The second seed's journey, end to end in English and in French at 1280x800: a partner that
is not a member joins the partner network, buys its Action Pack, sees it provisioned by a real
worker, and then uses each tab of Partnership > Benefits as the seed describes (software keys
and downloads, Azure by assigning yourself, a Visual Studio subscription, support with an
alternate email), with no Content-Security-Policy refusal on the way."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from benefits.catalogue import PRODUCTS, PRODUCTS_FR
from benefits.models import BenefitAssignment, PackagePurchase
from portal import celery_app
from tests.browser.journeys import (
    GRACE,
    LANGUAGES,
    assert_french_colons,
    assert_in_language,
    assert_reads_well,
    console_watch,
    sign_in,
    text_in,
)
from tests.browser.journeys import demo as demo
from tests.browser.journeys import screen as screen
from tests.browser.test_invitation import email_wait
from tests.workers import celery_worker, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRACE_NAME = "Grace Lee"


def _tab(page: Page, path_end: str) -> None:
    tabs = page.locator("nav.tabs")
    tabs.locator(f"a[href$='{path_end}']").click()
    expect(tabs.locator(f"a[href$='{path_end}']")).to_have_attribute("aria-current", "page")


def _product_name(code: str, language: str) -> str:
    """The catalogue's name of the product in the reader's language."""
    if language == "fr" and code in PRODUCTS_FR:
        return PRODUCTS_FR[code][0]
    return next(product[1] for product in PRODUCTS if product[0] == code)


def _row_open(page: Page, code: str, language: str) -> Locator:
    """Expand a benefit's row with the arrow at its right end (htmx)."""
    product = _product_name(code, language)
    row = page.locator("article.benefit-row", has=page.locator("h3", has_text=product))
    row.locator("a.benefit-row__toggle[aria-expanded=false]").click()
    expect(row.locator(".benefit-row__details")).to_be_visible()
    return row


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_member_buys_its_action_pack_and_uses_every_benefit(
    demo, screen, broker_queue, language
):
    page = screen()
    refused = console_watch(page)
    sign_in(page, GRACE, language)

    # Dashboard → Partnership: not a member yet, so it says to join first, and where.
    page.locator("nav.site-nav a[href$='/partnership/benefits/']").click()
    gate = page.locator("section.gate")
    expect(gate).to_be_visible()
    gate.locator("a[href$='/partnership/membership/']").click()
    page.locator("select[name=level]").select_option("action_pack")
    page.locator("form[action$='/membership/join/'] button[type=submit]").click()
    expect(page.get_by_role("status").first).to_be_visible()
    expect(page.locator("form[action$='/membership/join/']")).to_have_count(0)

    # Packages → Buy Action Pack, confirmed after reading what it grants.
    _tab(page, "/partnership/packages/")
    page.locator("a[href$='/packages/action-pack/buy/']").click()
    expect(page.locator("main")).to_contain_text("Windows 11 Pro")
    assert_french_colons(page, language)
    expect(page.locator("main")).to_contain_text(text_in(language, en="licences", fr="licences"))
    page.locator("form[action$='/packages/action-pack/buy/'] button[type=submit]").click()

    # No worker yet: the tab says it is provisioning, then updates itself once one runs.
    notice = page.locator("#provisioning")
    expect(notice).to_have_attribute("hx-trigger", re.compile("every"))
    expect(notice).to_contain_text("Action Pack")
    assert PackagePurchase.objects.get(membership__organization__name="Adatum Partners").status == (
        PackagePurchase.Status.PROVISIONING
    )
    with celery_worker(queue=broker_queue):
        assert wait_until(
            lambda: PackagePurchase.objects.filter(
                membership__organization__name="Adatum Partners",
                status=PackagePurchase.Status.AVAILABLE,
            ).exists(),
            timeout=60,
        )
        expect(notice).not_to_have_attribute("hx-trigger", re.compile("every"), timeout=15_000)
    # The rest runs its tasks in-process again, so its emails land in the captured outbox.
    celery_app.conf.task_always_eager = True
    expect(notice).to_contain_text(text_in(language, en="ready", fr="prêt"))
    assert page.url.endswith("/partnership/benefits/software/"), "no reload, no navigation"
    assert_reads_well(page, language)

    # Software: the row's arrow, Get keys, then the language and the operating system.
    office = _row_open(page, "office-professional-plus", language)
    office.locator("form[action$='/keys/'] button[type=submit]").click()
    expect(office.locator("code")).to_have_text(re.compile(r"^([A-Z0-9]{5}-){4}[A-Z0-9]{5}$"))
    office.locator("select[name=language]").select_option("fr")
    office.locator("select[name=operating_system]").select_option("windows-64")
    office.locator("form[action$='/downloads/'] button[type=submit]").click()
    download = office.locator(".downloads a", has_text="64-bit")
    expect(download).to_have_attribute("href", re.compile(r"/office-professional-plus/fr/"))

    # Cloud: the usage-based Azure subscription is activated by assigning yourself.
    _tab(page, "/partnership/benefits/cloud/")
    azure = _row_open(page, "azure-credit", language)
    azure.locator("form[action$='/assign/'] button[type=submit]").click()
    expect(azure.locator("a[href*='/remove/']")).to_be_visible()
    expect(azure).to_contain_text(GRACE_NAME)

    # Visual Studio subscriptions: choose a user in the list, then Assign user.
    _tab(page, "/partnership/benefits/visual-studio/")
    visual_studio = _row_open(page, "vs-professional", language)
    visual_studio.locator("select[name=member]").select_option(label=f"{GRACE_NAME} ({GRACE})")
    visual_studio.locator("form[action$='/assign/'] button[type=submit]").click()
    expect(visual_studio.get_by_role("row").filter(has_text=GRACE)).to_be_visible()
    told = email_wait(GRACE)
    assert "Visual Studio Professional" in told.subject
    assert_in_language(told, language, "assigned you")

    # Support: a user, and an alternate email other than the portal account's; the first try
    # gives the account's own address and is refused, the second is accepted.
    _tab(page, "/partnership/benefits/support/")
    support = _row_open(page, "support-incidents", language)
    support.locator("select[name=member]").select_option(label=f"{GRACE_NAME} ({GRACE})")
    support.locator("[name=alternate_email]").fill(GRACE)
    support.locator("form[action$='/assign/'] button[type=submit]").click()
    expect(support.get_by_role("alert")).to_be_visible()
    support.locator("select[name=member]").select_option(label=f"{GRACE_NAME} ({GRACE})")
    support.locator("[name=alternate_email]").fill("grace@home.example")
    support.locator("form[action$='/assign/'] button[type=submit]").click()
    expect(
        support.get_by_role("row").filter(has_text=GRACE).locator(".badge--pending")
    ).to_be_visible()
    expect(support).to_contain_text("grace@home.example")
    assert email_wait("grace@home.example")
    assert_reads_well(page, language)

    assert BenefitAssignment.objects.filter(user__email=GRACE).count() == 3
    assert refused == [], refused
