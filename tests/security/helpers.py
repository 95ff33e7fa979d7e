"""The people and data the security tests attack with: two customers, each with an onboarded
Open License and a subscriber, and a partner."""

from dataclasses import dataclass

from agreements.models import Agreement, Subscription, SubscriptionLevel
from agreements.subscribers.services.assignments import SubscriberDetails, subscription_assign
from portal.accounts.models import User
from portal.tenancy.context import actor_build
from portal.tenancy.models import Organization, Role
from tests.factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerOrganizationFactory,
    UserFactory,
)

from ..conftest import client_for  # noqa: F401  (the tests here import it from this module)


@dataclass
class Customer:
    organization: Organization
    owner: User
    agreement: Agreement
    subscription: Subscription

    @property
    def level(self) -> SubscriptionLevel:
        return self.subscription.line.level


def customer_make(name: str) -> Customer:
    """A customer organization whose owner is the super admin of its agreement, which has
    one level (Enterprise) with one subscriber."""
    slug = name.lower().replace(" ", "-")
    organization = OrganizationFactory(name=name)
    owner = MembershipFactory(
        organization=organization,
        role=Role.OWNER,
        user=UserFactory(email=f"owner@{slug}.example", full_name=f"{name} Owner"),
    ).user
    agreement = AgreementFactory(
        customer_organization=organization,
        customer_name=name,
        customer_email=f"it@{slug}.example",
    )
    AgreementLineFactory(agreement=agreement, seats_purchased=20)
    AgreementAdminFactory(agreement=agreement, user=owner)
    level = agreement.lines.get().level
    subscription = subscription_assign(
        actor=actor_build(user=owner, organization_id=organization.pk),
        agreement=agreement,
        level=level,
        details=SubscriberDetails(
            first_name="Sam", last_name="Subscriber", sign_in_email=f"sam@{slug}.example"
        ),
    )
    return Customer(organization, owner, agreement, subscription)


def partner_make(name: str = "Contoso Partners") -> tuple[Organization, User]:
    partner = PartnerOrganizationFactory(name=name)
    user = MembershipFactory(organization=partner, role=Role.OWNER).user
    return partner, user


# Hostile input ------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# What must never reach an HTML page or an HTML email as markup.
RAW_MARKUP = ("<script>alert(1)", "<img src=x onerror")
LONG = "A" * 10_000
NUL = "Ana\x00Lima"
# Right-to-left override, zero-width joiner, combining marks, 4-byte characters.
UNICODE_EDGES = (
    "Ana\u202egnp.exe",
    "Zo\u00eb \U0001f469\u200d\U0001f4bb",
    "Z\u0338\u0322\u031ba\u0337l\u0336g\u0335o\u0338",
    "\U0001d54f\U0001d538\U0001d544 \U0001f984 \U0002070e",
)
MARKUP = (SCRIPT, IMG)
MALFORMED_EMAILS = (
    "not-an-email",
    "ana@",
    "@example.com",
    "ana@@example.com",
    "ana@exa mple.com",
    "ana@example.com\r\nBcc: victim@example.com",
    "ana@example.com,victim@example.com",
    SCRIPT + "@example.com",
    "ana@" + IMG,
    "a" * 250 + "@example.com",
    "ana\x00@example.com",
)
# The tables a form may write to; a refused input must leave every count as it was.
WATCHED_APPS = ("accounts", "tenancy", "agreements", "audit", "notifications", "benefits")


def snapshot() -> dict[str, int]:
    from django.apps import apps

    return {
        model._meta.label: model._base_manager.count()
        for app in WATCHED_APPS
        for model in apps.get_app_config(app).get_models()
    }


def assert_unchanged(probes, before: dict[str, int], what: str) -> None:
    after = snapshot()
    changed = {
        label: (before[label], after[label]) for label in after if after[label] != before[label]
    }
    if changed:
        probes.write()
    assert not changed, f"{what} wrote {changed}"


def assert_escaped(probes, html: str, where: str) -> None:
    leaked = [marker for marker in RAW_MARKUP if marker in html]
    if leaked:
        probes.leak()
    assert not leaked, f"{where} shows {leaked} unescaped"


def html_parts(messages) -> list[str]:
    return [
        content
        for message in messages
        for content, mimetype in message.alternatives
        if mimetype == "text/html"
    ]
