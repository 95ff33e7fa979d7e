"""Every operation of the API, called with the victim's ids by every token that must not reach
them: a foreign customer's, a foreign partner's, a removed partner's, a revoked and an expired
token, and no token. Reads answer 404 (401 without a usable token) and show nothing of the
victim; writes change nothing. A read-only partner reads, and its writes change nothing.

The operations come from the served schema, so a new one is swept without anyone adding it."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db.models import Max
from django.utils import timezone

from agreements.models import PartnerLink
from agreements.subscribers.services.assignments import subscription_assign
from agreements.subscribers.services.seats import SubscriberDetails
from api.models import ApiToken
from benefits.catalogue import catalogue_install_current
from benefits.models import BenefitPackage
from benefits.services import benefit_assign, package_purchase
from portal.tenancy.models import Role

from ..conftest import actor_of
from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerLinkFactory,
    PartnerMembershipFactory,
    PartnerOrganizationFactory,
    UserFactory,
)
from .conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db

WATCHED_APPS = (
    "accounts",
    "tenancy",
    "audit",
    "agreements",
    "benefits",
    "notifications",
    "api",
    "webhooks",
)
MARKERS = [
    "Victim Industries",
    "V990011223",
    "victim-industries.example",
    "Valentina",
    "Victim Partners",
    "victim-partners.example",
]
SUBSCRIBER = {
    "first_name": "Intruding",
    "last_name": "Person",
    "sign_in_email": "intruder@elsewhere.example",
    "level": "vs-enterprise",
}


def _fingerprint() -> tuple:
    tables = []
    for app_label in WATCHED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model is ApiToken:
                continue  # a token's last-used time is its own, not the victim's
            manager = model._base_manager
            tables.append((model._meta.label, manager.count(), manager.aggregate(m=Max("pk"))))
    return tuple(tables)


def _owner_of(organization, email):
    user = UserFactory(email=email)
    MembershipFactory(organization=organization, user=user, role=Role.OWNER)
    return user


def _victim_partner(agreement, capture) -> dict:
    """A partner of the victim's agreement, with benefits and a seat of one assigned."""
    partner = PartnerOrganizationFactory(name="Victim Partners")
    owner = _owner_of(partner, "owner@victim-partners.example")
    PartnerMembershipFactory(organization=partner, level="silver")
    link = PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    catalogue_install_current()
    with capture(execute=True):
        purchase = package_purchase(
            actor=actor_of(owner, partner), package=BenefitPackage.objects.get(code="action-pack")
        )
    benefit = purchase.benefits.get(product__code="vs-professional")
    assignment = benefit_assign(actor=actor_of(owner, partner), benefit=benefit, user=owner)
    return {"link": link, "benefit": benefit, "assignment": assignment}


@pytest.fixture
def victim(django_capture_on_commit_callbacks):
    customer = OrganizationFactory(name="Victim Industries", is_customer=True)
    boss = _owner_of(customer, "boss@victim-industries.example")
    agreement = AgreementFactory(
        customer_organization=customer,
        customer_name="Victim Industries",
        authorization_number="V990011223",
        customer_email="licensing@victim-industries.example",
    )
    line = AgreementLineFactory(agreement=agreement, seats_purchased=10)
    AgreementAdminFactory(agreement=agreement, user=boss)
    subscription = subscription_assign(
        actor=actor_of(boss, customer),
        agreement=agreement,
        level=line.level,
        details=SubscriberDetails(
            first_name="Valentina",
            last_name="Victimova",
            sign_in_email="valentina@victim-industries.example",
        ),
    )
    return {
        "customer": customer,
        "boss": boss,
        "agreement": agreement,
        "sub": subscription,
        **_victim_partner(agreement, django_capture_on_commit_callbacks),
    }


def _intruders(victim) -> dict[str, str | None]:
    """Each intruder's bearer secret (None: no token at all)."""
    foreign = OrganizationFactory(name="Intruder Corp", is_customer=True)
    foreign_owner = _owner_of(foreign, "owner@intruder.example")
    own = AgreementFactory(customer_organization=foreign, customer_name="Intruder Corp")
    AgreementLineFactory(agreement=own)
    AgreementAdminFactory(agreement=own, user=foreign_owner)
    partner = PartnerOrganizationFactory(name="Intruder Partners")
    partner_owner = _owner_of(partner, "owner@intruder-partners.example")
    PartnerLinkFactory(agreement=own, partner_organization=partner)
    removed = PartnerOrganizationFactory(name="Removed Partners")
    removed_owner = _owner_of(removed, "owner@removed-partners.example")
    PartnerLinkFactory(
        agreement=victim["agreement"],
        partner_organization=removed,
        status=PartnerLink.Status.REMOVED,
        removed_at=timezone.now(),
    )
    revoked = token_for(victim["boss"], victim["customer"], name="Revoked")
    ApiToken.objects.filter(name="Revoked").update(revoked_at=timezone.now())
    expired = token_for(victim["boss"], victim["customer"], name="Expired")
    ApiToken.objects.filter(name="Expired").update(expires_at=timezone.now() - timedelta(1))
    return {
        "foreign customer": token_for(foreign_owner, foreign),
        "foreign partner": token_for(partner_owner, partner),
        "removed partner": token_for(removed_owner, removed),
        "the victim's revoked token": revoked,
        "the victim's expired token": expired,
        "no token": None,
    }


def _operations(client) -> list[tuple[str, str]]:
    schema = client.get("/api/v1/openapi.json").json()
    return [(method, path) for path, operations in schema["paths"].items() for method in operations]


def _call(client: ApiClient, method: str, path: str, victim, etag: str):
    url = path.format(
        agreement_id=victim["agreement"].public_id,
        subscriber_id=victim["sub"].guid,
        link_id=victim["link"].public_id,
        benefit_id=victim["benefit"].public_id,
        assignment_id=victim["assignment"].public_id,
    )
    body = {"subscribers": [SUBSCRIBER]} if url.endswith("/bulk") else SUBSCRIBER
    if url.endswith("/assignments"):
        body = {"email": SUBSCRIBER["sign_in_email"]}
    headers = {"If-Match": etag, "Idempotency-Key": f"sweep-{method}-{path}"}
    if method == "get":
        return client.get(url)
    if method == "delete":
        return client.delete(url, headers=headers)
    return getattr(client, method)(url, body, headers=headers)


def test_no_token_reaches_a_foreign_agreement_through_any_operation(victim, capsys):
    owner = ApiClient(token_for(victim["boss"], victim["customer"], scope="read"))
    path = f"/api/v1/agreements/{victim['agreement'].public_id}/subscribers/{victim['sub'].guid}"
    etag = owner.get(path)["ETag"]
    operations = _operations(owner)
    intruders = _intruders(victim)
    problems, probes = [], 0
    before = _fingerprint()
    for label, secret in intruders.items():
        client = ApiClient(secret)
        for method, path in operations:
            response = _call(client, method, path, victim, etag)
            probes += 1
            where = f"{method.upper()} {path} as {label}"
            names_victim = "{agreement_id}" in path or "{benefit_id}" in path
            allowed = {401} if secret is None or "token" in label else {404}
            if names_victim and response.status_code not in allowed:
                problems.append(f"{where}: {response.status_code}")
            if not names_victim and response.status_code not in (200, 401):
                problems.append(f"{where}: {response.status_code}")
            if leaked := [m for m in MARKERS if m in response.content.decode()]:
                problems.append(f"{where}: shows {leaked}")
    if _fingerprint() != before:
        problems.append("a probe wrote to the database")
    with capsys.disabled():
        print(
            f"\nAPI tenant sweep: {len(operations)} operations, {len(intruders)} intruders, "
            f"{probes} probes, {len(problems)} problems"
        )
    assert len(operations) >= 20
    assert problems == [], "\n".join(problems)


def test_a_read_only_partner_reads_and_writes_nothing(victim):
    partner = PartnerOrganizationFactory(name="Reading Partners")
    owner = _owner_of(partner, "owner@reading-partners.example")
    PartnerLinkFactory(
        agreement=victim["agreement"],
        partner_organization=partner,
        scope=PartnerLink.Scope.READ_ONLY,
    )
    client = ApiClient(token_for(owner, partner, scope="write"))
    path = f"/api/v1/agreements/{victim['agreement'].public_id}/subscribers/{victim['sub'].guid}"
    etag = client.get(path)["ETag"]
    before = _fingerprint()
    refused = 0
    for method, path in _operations(client):
        response = _call(client, method, path, victim, etag)
        if path.endswith("/history"):
            assert response.status_code == 404, path  # the customer's own page
        elif method == "get":
            assert response.status_code == 200, path
        else:
            assert response.status_code == 404, (method, path, response.status_code)
            refused += 1
    assert refused >= 5
    assert _fingerprint() == before
