"""What the seed journeys share: the demo world (`seed_demo`, built through the services), a
1280x800 screen, and steps that do not depend on wording, so the same journey runs in English
and in French (another language only changes what the page says, never where one clicks).

Steps find things by what does not change with the language: form field names, link
targets, roles and ids. Each journey then checks a few visible words per language."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import ConsoleMessage, Locator, Page, expect

from benefits.catalogue import catalogue_install_current

LANGUAGES = ["en", "fr"]
SCREEN = {"width": 1280, "height": 800}
DEMO_PASSWORD = "portal-demo-2026"
NEW_PASSWORD = "violet-kettle-harbour-91"

ANA = "ana.martin@contoso-partners.example"
BRUNO = "bruno.petit@contoso-partners.example"
EVE = "eve.moreau@contoso-partners.example"
CHLOE = "chloe.durand@fabrikam.example"
DAVID = "david.kim@northwind.example"
FRANK = "frank.olsen@litware-partners.example"
GRACE = "grace.lee@adatum-partners.example"
TAILSPIN = "ops@tailspin.example"

# The three Open Licenses of the demo: authorization, license, customer email.
FABRIKAM = ("V482019301", "6812045501", CHLOE)
NORTHWIND = ("V553187602", "7193440211", DAVID)
TAILSPIN_TOYS = ("V661042703", "8023157712", TAILSPIN)

SUBSCRIBERS_URL = re.compile(r"/agreements/[0-9a-f-]{36}/subscribers/$")


@pytest.fixture
def demo():
    """The demo world, as `bin/demo` loads it; its set-up emails are not the journey's."""
    catalogue_install_current()
    call_command("seed_demo", stdout=io.StringIO())
    mail.outbox.clear()


@pytest.fixture
def screen(new_context):
    """Opens another person's browser at 1280x800, each with their own cookies."""

    def open_page() -> Page:
        page = new_context().new_page()
        page.set_viewport_size(SCREEN)
        return page

    return open_page


def language_choose(page: Page, language: str) -> None:
    """Click the header's language switcher, as a person would, unless already there. Signed
    in, the choice is saved to the account."""
    if page.locator("html").get_attribute("lang") != language:
        page.locator(f"form.language-switcher button[value='{language}']").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def sign_in(page: Page, email: str, language: str) -> None:
    """From the sign-in page, the first page of a journey; then in `language`."""
    page.goto("/accounts/sign-in/")
    language_choose(page, language)
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form.language-switcher")).to_be_visible()
    expect(page.locator("details.account-menu")).to_be_visible()
    language_choose(page, language)


def agreements_menu(page: Page) -> Locator:
    """The header's agreements dropdown, opened; its items load when it first opens."""
    menu = page.locator("#agreements-menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    panel = menu.locator("nav.menu__panel")
    # Until they load, the only item is a link to the home page's list.
    expect(
        panel.locator("[data-menu-items] > a[href$='#agreements-title']:only-child")
    ).to_have_count(0)
    return panel


def agreement_open(page: Page, customer_name: str) -> None:
    agreements_menu(page).locator("a.menu__item", has_text=customer_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(customer_name)


def agreement_tab(page: Page, path_end: str) -> None:
    """A tab of the agreement page, found by where it leads (`partners/`, `history/`, ...)."""
    tabs = page.locator("nav.tabs")
    tabs.locator(f"a[href$='/{path_end}']").click()
    expect(tabs.locator(f"a[href$='/{path_end}']")).to_have_attribute("aria-current", "page")


def claim_fill(form: Locator, values: tuple[str, str, str]) -> None:
    authorization, license_number, email = values
    form.locator("[name=authorization_number]").fill(authorization)
    form.locator("[name=license_number]").fill(license_number)
    form.locator("[name=customer_email]").fill(email)
    form.locator("[name=confirm]").check()


def sign_up(page: Page, *, full_name: str, email: str, language: str) -> None:
    """The Create an account form, opened from a link; the address comes filled in (and
    locked) when the link proved it."""
    page.locator("[name=full_name]").fill(full_name)
    address = page.locator("[name=email]")
    if address.is_editable():
        address.fill(email)
    else:
        expect(address).to_have_value(email)
    page.locator("[name=password1]").fill(NEW_PASSWORD)
    page.locator("[name=password2]").fill(NEW_PASSWORD)
    expect(page.locator("[name=preferred_language]")).to_have_value(language)
    page.locator("main form button[type=submit]").click()


def emails_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if address in message.to]


def assert_in_language(message: mail.EmailMessage, language: str, english: str) -> None:
    """An email's subject is in `language`: `english` (a fragment of the English subject)
    is there in English only."""
    if language == "en":
        assert english in message.subject, message.subject
    else:
        assert english not in message.subject, f"untranslated: {message.subject}"


# What a person reads to find their way: headings, buttons, links, labels, badges, messages.
LANDMARKS = (
    "h1, h2, h3, h4, button, a, label, th, summary, .badge, [role=status], [role=alert], "
    "p, li, td, dt, dd, option, small"
)


def assert_reads_well(page: Page, language: str) -> None:
    """The page fits a 1280 px screen (no sideways scroll) and is in `language`: in French,
    nothing a person reads to find their way is an English string that has a French
    translation (a string left untranslated), whatever the French wording is."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= SCREEN["width"], f"{page.url} is {width}px wide at 1280px"
    expect(page.locator("html")).to_have_attribute("lang", language)
    if language == "en":
        return
    texts = {text.strip() for text in page.locator(LANDMARKS).all_inner_texts()}
    with translation.override(language):
        english = sorted(text for text in texts if text and gettext(text) != text)
    assert not english, f"untranslated on {page.url}: {english}"


def assert_french_colons(page: Page, language: str) -> None:
    """French sets a (non-breaking) space before a colon: "Visual Studio Professional : 5"."""
    if language != "fr":
        return
    text = page.locator("main").text_content() or ""
    tight = re.findall(r"\w+: \w+", text)
    assert not tight, f"no space before the colon on {page.url}: {tight}"


def console_watch(page: Page) -> list[str]:
    """Every Content-Security-Policy refusal the browser reports on this page."""
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", watch)
    return refused


def text_in(language: str, *, en: str, fr: str) -> re.Pattern:
    """A short fragment of what the page says in `language` (the wording may still change:
    keep the French one to a word or two)."""
    return re.compile(re.escape(en if language == "en" else fr), re.IGNORECASE)
