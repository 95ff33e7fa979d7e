"""axe-core over every page of the demo world, in English and French, signed in as each role,
with its menus open and each htmx panel or dialog it offers opened: no serious or critical
violation. The figures (pages checked, violations by impact) print at the end of the run."""

import pytest
from playwright.sync_api import Page

from tests.browser.accessibility import (
    PEOPLE,
    AxeReport,
    EnglishWordReport,
    demo_world_build,
    signed_in_context,
    view_name,
)
from tests.figures import figure_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANONYMOUS_PAGES = [
    "/accounts/sign-in/",
    "/accounts/sign-up/",
    "/accounts/password-reset/",
    "/licensing/",
]
LANGUAGES = ("en", "fr")


def _links(page: Page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(link => link.href)"
    )
    return [href.split("#")[0] for href in hrefs if href.startswith(origin)]


def _menus_open(page: Page) -> None:
    """Every disclosure menu open (the agreements menu loads its items by htmx when opened)."""
    opened = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"
    if page.locator("#agreements-menu").count():
        with page.expect_response(lambda response: "/agreements/menu/" in response.url):
            page.evaluate(opened)
    else:
        page.evaluate(opened)
    _settled(page)


def _settled(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"
    )


def _panels(page: Page) -> list[str]:
    """The htmx requests a person can start from this page by a link or a button."""
    return page.eval_on_selector_all(
        "a[hx-get], button[hx-get]",
        "elements => elements.map(e => e.getAttribute('hx-get'))",
    )


def _crawl(
    page: Page,
    origin: str,
    start: list[str],
    label: str,
    report: AxeReport,
    english: EnglishWordReport | None,
) -> None:
    queue = list(start)
    seen: set[str] = set()
    panels_seen: set[str] = set()
    while queue:
        url = queue.pop(0)
        name = view_name(url)
        if name is None or name in seen:
            continue
        seen.add(name)
        response = page.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        _menus_open(page)
        report.check(page, f"{label} {page.url}")
        if english is not None:
            english.check(page, f"{label} {page.url}")
        queue.extend(_links(page, origin))
        for hx_get in _panels(page):
            panel = view_name(origin + hx_get)
            if panel is None or panel in panels_seen or panel == name:
                continue
            panels_seen.add(panel)
            trigger = page.locator(f'[hx-get="{hx_get}"]').first
            if not trigger.is_visible():
                continue
            with page.expect_response(lambda response, hx_get=hx_get: hx_get in response.url):
                trigger.click()
            _settled(page)
            report.check(page, f"{label} {page.url} + panel {hx_get}")
            if english is not None:
                english.check(page, f"{label} {page.url} + panel {hx_get}")
            page.goto(url)


def test_every_demo_page_passes_axe_and_french_pages_have_no_english_word(new_context, live_server):
    """One crawl, two checks: axe on every page in both languages, and the words of every
    French page (text, accessible names) against a list of English words."""
    demo_world_build()
    origin = live_server.url
    report = AxeReport()
    english_words = EnglishWordReport()
    for language in LANGUAGES:
        english = english_words if language == "fr" else None
        anonymous = new_context()
        anonymous.add_cookies([{"name": "django_language", "value": language, "url": origin}])
        _crawl(
            anonymous.new_page(),
            origin,
            [origin + path for path in ANONYMOUS_PAGES],
            f"[{language}, anonymous]",
            report,
            english,
        )
        anonymous.close()
        for role, email in PEOPLE.items():
            context = signed_in_context(new_context, origin, email, language)
            page = context.new_page()
            _crawl(
                page,
                origin,
                [origin + "/", origin + "/my-subscriptions/"],
                f"[{language}, {role}]",
                report,
                english,
            )
            context.close()

    figure_record(report.summary())
    figure_record(english_words.summary())
    assert report.checked > 100, "the crawl found too few pages to say anything"
    assert english_words.checked > 50
    assert not report.blocking, "\n".join(report.blocking)
    assert not english_words.found, "\n".join(english_words.found)


def test_the_checker_reports_a_serious_violation(page: Page):
    """The crawl's zero means something: axe flags an image without alt and a nameless button."""
    page.set_content('<html lang="en"><body><main><img src="x.png"><button></button></main></body>')
    report = AxeReport()
    report.check(page, "bad page")
    assert report.checked == 1
    assert any("image-alt" in line for line in report.blocking)
    assert any("button-name" in line for line in report.blocking)


def test_the_english_word_check_finds_english_in_a_french_page(page: Page):
    page.set_content(
        '<html lang="fr"><body><p>Téléchargements : On</p><p>Sign in to your account</p>'
        '<p lang="en">Visual Studio for Mac</p></body></html>'
    )
    english = EnglishWordReport()
    english.check(page, "bad page")
    assert english.found == ["bad page: sign, to, your"]
