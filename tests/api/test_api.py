"""The automation API acts as the token's organization, through the pages' access rule."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from agreements.models import PartnerLink, Subscription
from agreements.subscribers.services.assignments import subscription_assign
from agreements.subscribers.services.seats import SubscriberDetails
from api import auth
from api.models import ApiToken, IdempotentRequest, secret_hash
from portal.audit.models import Action, AuditEntry
from portal.limits import AttemptLimit
from portal.tenancy.models import Membership, Organization, Role

from ..conftest import actor_of
from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerLinkFactory,
    PartnerOrganizationFactory,
    UserFactory,
)
from .conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


@pytest.fixture
def world():
    customer = OrganizationFactory(name="Contoso", is_customer=True)
    boss = UserFactory(email="boss@contoso.example")
    MembershipFactory(organization=customer, user=boss, role=Role.OWNER)
    agreement = AgreementFactory(customer_organization=customer, customer_name="Contoso")
    line = AgreementLineFactory(agreement=agreement, seats_purchased=5)
    AgreementAdminFactory(agreement=agreement, user=boss)
    partner = PartnerOrganizationFactory(name="Fabrikam Partners")
    partner_owner = UserFactory(email="owner@fabrikam.example")
    MembershipFactory(organization=partner, user=partner_owner, role=Role.OWNER)
    link = PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    return {
        "customer": customer,
        "boss": boss,
        "agreement": agreement,
        "line": line,
        "partner": partner,
        "partner_owner": partner_owner,
        "link": link,
    }


def _assign(world, email, first="Ana", last="Martin"):
    return subscription_assign(
        actor=actor_of(world["boss"], world["customer"]),
        agreement=world["agreement"],
        level=world["line"].level,
        details=SubscriberDetails(first_name=first, last_name=last, sign_in_email=email),
    )


def _subscriber(email="new.person@contoso.example", **changes):
    return {
        "first_name": "New",
        "last_name": "Person",
        "sign_in_email": email,
        "level": "vs-enterprise",
        "language": "en",
        **changes,
    }


def assert_problem(response, status, kind=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    if kind:
        assert body["type"].endswith("/" + kind), body
    return body


def test_secret_is_stored_hashed_and_shown_once(world):
    secret = token_for(world["boss"], world["customer"])
    token = ApiToken.objects.get()
    assert secret not in token.secret_hash
    assert token.secret_hash == secret_hash(secret.split("_", 2)[2])


def test_customer_token_lists_its_agreement_with_levels(world):
    _assign(world, "ana@contoso.example")
    client = ApiClient(token_for(world["boss"], world["customer"], scope="read"))
    body = client.get(f"{BASE}/agreements").json()
    assert [item["id"] for item in body["items"]] == [str(world["agreement"].public_id)]
    assert body["items"][0]["access"] == "super_admin"
    levels = client.get(f"{BASE}/agreements/{world['agreement'].public_id}/levels").json()
    assert levels == [
        {
            "code": "vs-enterprise",
            "name": world["line"].level.name,
            "purchased": 5,
            "assigned": 1,
            "available": 4,
        }
    ]
    assert ApiToken.objects.get().last_used_at is not None


def test_partner_token_sees_the_linked_agreement_and_not_after_the_link_ends(world):
    client = ApiClient(token_for(world["partner_owner"], world["partner"], scope="read"))
    path = f"{BASE}/agreements/{world['agreement'].public_id}"
    assert client.get(path).json()["access"] == "partner"
    PartnerLink.objects.filter(pk=world["link"].pk).update(
        status=PartnerLink.Status.REMOVED, removed_at=timezone.now()
    )
    assert_problem(client.get(path), 404, "not-found")
    assert client.get(f"{BASE}/agreements").json()["items"] == []


def test_foreign_customer_token_gets_404(world):
    other = OrganizationFactory(is_customer=True)
    user = UserFactory()
    MembershipFactory(organization=other, user=user, role=Role.OWNER)
    client = ApiClient(token_for(user, other))
    agreement = world["agreement"].public_id
    assert_problem(client.get(f"{BASE}/agreements/{agreement}"), 404)
    assert_problem(client.post(f"{BASE}/agreements/{agreement}/subscribers", _subscriber()), 404)
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "state", ["revoked", "expired", "maker_left", "maker_deactivated", "wrong_secret", "none"]
)
def test_unusable_tokens_get_401(world, state):
    secret = token_for(world["boss"], world["customer"])
    token = ApiToken.objects.get()
    if state == "revoked":
        token.revoked_at = timezone.now()
    if state == "expired":
        token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()
    if state == "maker_left":
        Membership.objects.filter(user=world["boss"]).delete()
    if state == "maker_deactivated":
        world["boss"].is_active = False
        world["boss"].save(update_fields=["is_active"])
    if state == "wrong_secret":
        secret = secret[:-4] + "AAAA"
    client = ApiClient(None if state == "none" else secret)
    response = client.get(f"{BASE}/agreements")
    assert_problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_acts_as_its_organization_only_not_its_makers_others(world):
    # The partner's owner also runs a customer organization with an agreement of its own.
    own_customer = OrganizationFactory(name="Owner's own company", is_customer=True)
    MembershipFactory(organization=own_customer, user=world["partner_owner"], role=Role.OWNER)
    own = AgreementFactory(customer_organization=own_customer, customer_name="Own company")
    AgreementAdminFactory(agreement=own, user=world["partner_owner"])
    secret = token_for(world["partner_owner"], world["partner"], scope="read")
    client = ApiClient(secret)
    listed = [row["id"] for row in client.get(f"{BASE}/agreements").json()["items"]]
    assert listed == [str(world["agreement"].public_id)]
    assert_problem(client.get(f"{BASE}/agreements/{own.public_id}"), 404)
    # The actor the token acts as knows of the partner only: the maker's other
    # organization is not among those it may see or switch to.
    request = RequestFactory().get(f"{BASE}/agreements")
    auth.TokenAuth().authenticate(request, secret)
    assert request.actor.organization_ids == {world["partner"].pk}
    assert list(Organization.objects.visible_to(request.actor)) == [world["partner"]]


def test_subscriber_list_pages_with_a_cursor_filter_and_sort(world):
    for index, last in enumerate(["Zeta", "Alpha", "Mu", "Beta"]):
        _assign(world, f"p{index}@contoso.example", last=last)
    client = ApiClient(token_for(world["boss"], world["customer"], scope="read"))
    path = f"{BASE}/agreements/{world['agreement'].public_id}/subscribers"
    first = client.get(path, data={"limit": 3}).json()
    assert [row["last_name"] for row in first["items"]] == ["Alpha", "Beta", "Mu"]
    second = client.get(path, data={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [row["last_name"] for row in second["items"]] == ["Zeta"]
    assert second["next_cursor"] is None
    backwards = client.get(path, data={"sort": "-last_name", "limit": 2}).json()
    assert [row["last_name"] for row in backwards["items"]] == ["Zeta", "Mu"]
    found = client.get(path, data={"q": "mu"}).json()
    assert [row["last_name"] for row in found["items"]] == ["Mu"]
    assert_problem(client.get(path, data={"cursor": "garbage"}), 400, "invalid-cursor")
    assert_problem(client.get(path, data={"sort": "password"}), 422, "invalid-request")


def test_create_assigns_once_per_idempotency_key_and_audits_the_token(world):
    client = ApiClient(token_for(world["boss"], world["customer"], name="Nightly sync"))
    path = f"{BASE}/agreements/{world['agreement'].public_id}/subscribers"
    headers = {"Idempotency-Key": "run-42"}
    first = client.post(path, _subscriber(), headers=headers)
    assert first.status_code == 201, first.content
    again = client.post(path, _subscriber(), headers=headers)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Subscription.objects.assigned().count() == 1
    other_body = client.post(path, _subscriber("else@contoso.example"), headers=headers)
    assert_problem(other_body, 422, "idempotency-key-reused")
    entry = AuditEntry.objects.get(action=Action.SUBSCRIPTION_ASSIGNED)
    assert entry.details["api_token"] == {"name": "Nightly sync", "organization": "Contoso"}
    assert IdempotentRequest.objects.count() == 1


def test_invalid_fields_are_problem_details_with_field_errors(world):
    client = ApiClient(token_for(world["boss"], world["customer"]))
    path = f"{BASE}/agreements/{world['agreement'].public_id}/subscribers"
    body = assert_problem(
        client.post(path, _subscriber("not-an-email", level="no-such-level")),
        422,
        "invalid-subscriber",
    )
    assert {error["field"] for error in body["errors"]} == {"sign_in_email", "level"}
    assert not Subscription.objects.exists()


def test_read_token_and_read_only_partner_write_nothing(world):
    path = f"{BASE}/agreements/{world['agreement'].public_id}/subscribers"
    reader = ApiClient(token_for(world["boss"], world["customer"], scope="read"))
    assert_problem(reader.post(path, _subscriber()), 403, "insufficient-scope")
    PartnerLink.objects.filter(pk=world["link"].pk).update(scope=PartnerLink.Scope.READ_ONLY)
    partner = ApiClient(token_for(world["partner_owner"], world["partner"]))
    assert partner.get(path).status_code == 200
    assert_problem(partner.post(path, _subscriber()), 404)
    assert not Subscription.objects.exists()


def test_update_needs_the_current_etag(world):
    subscription = _assign(world, "ana@contoso.example")
    client = ApiClient(token_for(world["boss"], world["customer"]))
    path = f"{BASE}/agreements/{world['agreement'].public_id}/subscribers/{subscription.guid}"
    etag = client.get(path)["ETag"]
    assert_problem(client.patch(path, {"reference": "A"}), 428, "if-match-required")
    changed = client.patch(path, {"reference": "A"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.content
    assert changed.json()["reference"] == "A"
    assert changed["ETag"] != etag
    stale = client.patch(path, {"reference": "B"}, headers={"If-Match": etag})
    assert_problem(stale, 412, "changed-meanwhile")
    subscription.refresh_from_db()
    assert subscription.reference == "A"


def test_delete_and_resend(world):
    subscription = _assign(world, "ana@contoso.example")
    client = ApiClient(token_for(world["boss"], world["customer"]))
    path = f"{BASE}/agreements/{world['agreement'].public_id}/subscribers/{subscription.guid}"
    assert client.post(f"{path}/resend").json() == {"count": 1}
    assert client.delete(path).status_code == 204
    assert not Subscription.objects.assigned().exists()
    assert_problem(client.get(path), 404)


def test_bulk_is_all_or_nothing(world):
    client = ApiClient(token_for(world["boss"], world["customer"]))
    path = f"{BASE}/agreements/{world['agreement'].public_id}/subscribers/bulk"
    too_many = [_subscriber(f"p{index}@contoso.example") for index in range(6)]
    body = assert_problem(client.post(path, {"subscribers": too_many}), 422, "bulk-rejected")
    assert body["errors"]
    assert not Subscription.objects.exists()
    fits = [_subscriber(f"p{index}@contoso.example") for index in range(5)]
    created = client.post(path, {"subscribers": fits})
    assert created.status_code == 201, created.content
    assert len(created.json()["created"]) == 5
    assert Subscription.objects.assigned().count() == 5


def test_rate_limit_answers_429_with_retry_after(world, monkeypatch):
    monkeypatch.setattr(
        auth, "api_rate_limit", AttemptLimit(scope="api-test", limit=2, window_seconds=60)
    )
    client = ApiClient(token_for(world["boss"], world["customer"]))
    assert client.get(f"{BASE}/agreements").status_code == 200
    assert client.get(f"{BASE}/agreements").status_code == 200
    refused = client.get(f"{BASE}/agreements")
    assert_problem(refused, 429, "rate-limited")
    assert 1 <= int(refused["Retry-After"]) <= 61


def test_docs_page_runs_under_the_csp_from_our_static_files(client):
    response = client.get(f"{BASE}/docs")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/ninja/swagger-ui-bundle" in html
    # Every script is a file of ours, or data (JSON) that no browser runs.
    for tag in html.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert "src=" in head or 'type="application/json"' in head, head
    schema = client.get(f"{BASE}/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert f"{BASE}/agreements/{{agreement_id}}/subscribers" in schema["paths"]


def test_history_names_the_token_and_pages_newest_first(world):
    client = ApiClient(token_for(world["boss"], world["customer"], name="Nightly sync"))
    base = f"{BASE}/agreements/{world['agreement'].public_id}"
    for index in range(3):
        created = client.post(f"{base}/subscribers", _subscriber(f"p{index}@contoso.example"))
        assert created.status_code == 201
    first = client.get(f"{base}/history", data={"limit": 2}).json()
    assert [item["concerning"] for item in first["items"]] == [
        "p2@contoso.example",
        "p1@contoso.example",
    ]
    assert first["items"][0]["api_token"] == "Nightly sync"
    rest = client.get(f"{base}/history", data={"cursor": first["next_cursor"]}).json()
    assert [item["concerning"] for item in rest["items"]] == ["p0@contoso.example"]
    partner = ApiClient(token_for(world["partner_owner"], world["partner"], scope="read"))
    assert_problem(partner.get(f"{base}/history"), 404)


def test_a_query_parameter_the_operation_does_not_take_is_refused(world):
    client = ApiClient(token_for(world["boss"], world["customer"], scope="read"))
    subscribers = f"{BASE}/agreements/{world['agreement'].public_id}/subscribers"

    typo = client.get(subscribers, data={"limt": 10})

    problem = assert_problem(typo, 400, "unknown-parameter")
    assert problem["errors"] == [{"field": "limt", "detail": "Unknown query parameter."}]
    assert client.get(subscribers, data={"limit": 10, "q": "ana"}).status_code == 200
    assert ApiClient(None).get(subscribers, data={"limt": 10}).status_code == 401


def test_a_nul_character_in_a_filter_is_refused_not_a_server_error(world):
    """schemathesis found it: PostgreSQL cannot compare text holding NUL."""
    client = ApiClient(token_for(world["boss"], world["customer"], scope="read"))
    subscribers = f"{BASE}/agreements/{world['agreement'].public_id}/subscribers"

    for name in ("q", "level"):
        assert_problem(client.get(subscribers, data={name: "a\x00b"}), 422)


def test_a_one_value_query_parameter_given_twice_is_refused(world):
    client = ApiClient(token_for(world["boss"], world["customer"], scope="read"))
    subscribers = f"{BASE}/agreements/{world['agreement'].public_id}/subscribers"

    twice = client.get(f"{subscribers}?level=vs-enterprise&level=vs-professional")

    problem = assert_problem(twice, 400, "repeated-parameter")
    assert problem["errors"] == [{"field": "level", "detail": "Given more than once."}]
    assert client.get(f"{subscribers}?level=vs-enterprise").status_code == 200
