"""Helpers for the accessibility crawl: the demo world with one person per role, a signed-in
browser context, and axe-core (the copy axe-playwright-python ships, injected into the page:
nothing is downloaded)."""

import io
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve
from playwright.sync_api import BrowserContext, Page

from agreements.models import AdminRole, Agreement, PartnerLink
from benefits.catalogue import catalogue_install_current
from portal.tenancy.models import Membership, Organization, Role
from tests.factories import (
    AgreementAdminFactory,
    MembershipFactory,
    PartnerLinkFactory,
    UserFactory,
)

IMPACTS = ("minor", "moderate", "serious", "critical")
BLOCKING = {"serious", "critical"}
# Pages a crawl must not open: they sign out, or belong to Django's admin (not ours).
SKIPPED_PREFIXES = ("/admin/", "/accounts/sign-out", "/accounts/logout", "/webhooks/", "/static/")

# role: email, after `demo_world_build`.
PEOPLE = {
    "partner owner": "ana.martin@contoso-partners.example",
    "partner member who assigns benefits": "bruno.petit@contoso-partners.example",
    "customer super admin (French organization)": "chloe.durand@fabrikam.example",
    "customer super admin (English organization)": "david.kim@northwind.example",
    "customer admin": "admin.roux@fabrikam.example",
    "customer reader": "reader.blanc@fabrikam.example",
    "read-only partner (not a network member)": "grace.lee@adatum-partners.example",
    "subscriber": "lea.bernard@fabrikam.example",
    "person with no organization": "frank.olsen@litware-partners.example",
}


def demo_world_build() -> None:
    """`seed_demo`, plus the roles it has no one for: an admin and a reader on Fabrikam's
    agreement, a read-only partner on it (Adatum) and a subscriber with a portal account.
    The catalogue first: it is migration data, which an earlier committing test's flush
    removed (as the journeys' `demo` fixture does)."""
    catalogue_install_current()
    call_command("seed_demo", stdout=io.StringIO())
    fabrikam = Agreement.objects.get(authorization_number="V482019301")
    customer = fabrikam.customer_organization
    for email, role in (
        (PEOPLE["customer admin"], AdminRole.ADMIN),
        (PEOPLE["customer reader"], AdminRole.READER),
    ):
        user = UserFactory(email=email, preferred_language="fr")
        MembershipFactory(user=user, organization=customer, role=Role.MEMBER)
        AgreementAdminFactory(agreement=fabrikam, user=user, role=role)
    adatum = Organization.objects.get(name="Adatum Partners")
    PartnerLinkFactory(
        agreement=fabrikam,
        partner_organization=adatum,
        scope=PartnerLink.Scope.READ_ONLY,
        linked_by=Membership.objects.get(organization=adatum).user,
    )
    UserFactory(email=PEOPLE["subscriber"], preferred_language="fr")


def signed_in_context(new_context, origin: str, email: str, language: str) -> BrowserContext:
    """A browser context signed in as `email`, reading the portal in `language`."""
    user = get_user_model().objects.get(email=email)
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    client = Client()
    client.force_login(user)
    context = new_context()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": origin,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": origin},
        ]
    )
    return context


def view_name(url: str) -> str | None:
    path = urlsplit(url).path
    if path.startswith(SKIPPED_PREFIXES):
        return None
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


@dataclass
class AxeReport:
    """What axe found over every page and panel checked."""

    checked: int = 0
    by_impact: Counter = field(default_factory=Counter)
    by_rule: Counter = field(default_factory=Counter)
    blocking: list[str] = field(default_factory=list)
    axe: Axe = field(default_factory=Axe)

    def check(self, page: Page, label: str) -> None:
        results = self.axe.run(page).response
        self.checked += 1
        for violation in results["violations"]:
            impact = violation.get("impact") or "minor"
            self.by_impact[impact] += 1
            self.by_rule[f"{impact} {violation['id']}"] += 1
            if impact in BLOCKING:
                targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
                self.blocking.append(
                    f"{label}: {impact} {violation['id']} ({violation['help']}) at {targets}"
                )

    def summary(self) -> str:
        impacts = ", ".join(f"{impact} {self.by_impact[impact]}" for impact in IMPACTS)
        rules = ", ".join(f"{rule} ({count})" for rule, count in self.by_rule.most_common())
        return (
            f"axe-core: {self.checked} pages and panels checked; violations by impact: "
            f"{impacts}; by rule: {rules or 'none'}"
        )


# English words that French text never contains ("on", "a", "an", "as", "no" are French too).
ENGLISH_WORDS = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "your",
        "you",
        "with",
        "for",
        "this",
        "that",
        "these",
        "are",
        "has",
        "have",
        "yes",
        "off",
        "not",
        "from",
        "will",
        "was",
        "been",
        "which",
        "there",
        "their",
        "them",
        "what",
        "when",
        "who",
        "all",
        "any",
        "please",
        "here",
        "click",
        "sign",
        "add",
        "remove",
        "email",
        "settings",
        "download",
        "save",
        "cancel",
        "search",
        "choose",
    ]
)
# The words of what a person reads: visible text, plus the names and labels assistive
# technology reads out. Elements that say they are in another language (lang="en") are left
# out, as are addresses and links' targets.
READ_TEXT = """() => {
    const foreign = el => el.closest('[lang]') && !el.closest('[lang]').lang.startsWith('fr');
    const parts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, el = node.parentElement;
        if (!el || foreign(el) || el.closest('script, style, [hidden]')) continue;
        parts.push(node.textContent);
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], img[alt]')) {
        if (foreign(el)) continue;
        for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
            if (el.hasAttribute(name)) parts.push(el.getAttribute(name));
        }
    }
    parts.push(document.title);
    return parts.join(' ');
}"""


@dataclass
class EnglishWordReport:
    """English words found in pages read in French."""

    checked: int = 0
    found: list[str] = field(default_factory=list)
    # Pages that declare themselves English whatever the reader's language: the API reference
    # (Swagger UI, English like the API's names). A French page that says lang="en" is a
    # defect axe would not see, so they are listed here by path, not trusted by their tag.
    english_pages: tuple[str, ...] = ("/api/v1/docs",)

    def check(self, page: Page, label: str) -> None:
        import re

        if urlsplit(page.url).path in self.english_pages:
            return
        text = re.sub(r"\S+@\S+|https?://\S+", " ", page.evaluate(READ_TEXT))
        self.checked += 1
        words = {word.lower() for word in re.findall(r"[A-Za-z]+", text)}
        english = sorted(words & ENGLISH_WORDS)
        if english:
            self.found.append(f"{label}: {', '.join(english)}")

    def summary(self) -> str:
        return (
            f"English words in French pages: {self.checked} French pages and panels read, "
            f"pages with English words found: {len(self.found)}"
        )
