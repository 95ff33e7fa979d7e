"""Every list operation costs the same number of queries for 10 rows as for 1,000."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import SubscriptionLevel
from agreements.subscribers.services.assignments import subscriptions_assign_bulk
from agreements.subscribers.services.seats import SubscriberDetails
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.models import Role

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


def _queries(client: ApiClient, path: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, data=params)
    assert response.status_code == 200, response.content
    return len(queries)


def _customer():
    customer = OrganizationFactory(is_customer=True)
    boss = UserFactory()
    MembershipFactory(organization=customer, user=boss, role=Role.OWNER)
    return customer, boss


def _agreements(customer, boss, partner, count: int) -> None:
    other = PartnerOrganizationFactory()
    for _index in range(count):
        agreement = AgreementFactory(customer_organization=customer, partner_of_record=other)
        AgreementLineFactory(agreement=agreement)
        AgreementAdminFactory(agreement=agreement, user=boss)
        PartnerLinkFactory(agreement=agreement, partner_organization=partner)


@pytest.mark.parametrize("side", ["customer", "partner"])
def test_the_agreement_list_costs_the_same_for_10_and_1000_agreements(side):
    counts = []
    for rows in (10, 1000):
        customer, boss = _customer()
        partner = PartnerOrganizationFactory()
        partner_owner = UserFactory()
        MembershipFactory(organization=partner, user=partner_owner, role=Role.OWNER)
        _agreements(customer, boss, partner, rows)
        secret = (
            token_for(boss, customer, scope="read")
            if side == "customer"
            else token_for(partner_owner, partner, scope="read")
        )
        counts.append(_queries(ApiClient(secret), "/api/v1/agreements", limit=500))
    assert counts[0] == counts[1], counts


def test_levels_and_subscribers_cost_the_same_for_10_and_1000_subscribers():
    level = SubscriptionLevel.objects.get(code="vs-enterprise")
    counts = {"levels": [], "subscribers": [], "filtered": [], "usage": [], "emails": []}
    for rows in (10, 1000):
        customer, boss = _customer()
        agreement = AgreementFactory(customer_organization=customer)
        AgreementLineFactory(agreement=agreement, level=level, seats_purchased=rows)
        AgreementAdminFactory(agreement=agreement, user=boss)
        subscriptions_assign_bulk(
            actor=actor_of(boss, customer),
            agreement=agreement,
            rows=[
                (
                    level,
                    SubscriberDetails(
                        first_name=f"First{index}",
                        last_name=f"Last{index}",
                        sign_in_email=f"person{index}@customer.example",
                    ),
                )
                for index in range(rows)
            ],
        )
        client = ApiClient(token_for(boss, customer, scope="read"))
        base = f"/api/v1/agreements/{agreement.public_id}"
        counts["levels"].append(_queries(client, f"{base}/levels"))
        counts["subscribers"].append(_queries(client, f"{base}/subscribers", limit=500))
        counts["filtered"].append(
            _queries(client, f"{base}/subscribers", q="last", sort="-sign_in_email", limit=500)
        )
        counts["usage"].append(_queries(client, f"{base}/usage"))
        # Each subscriber was emailed: the Emails list has `rows` rows.
        counts["emails"].append(_queries(client, f"{base}/emails", limit=500))
    for name, (small, large) in counts.items():
        assert small == large, (name, small, large)


def test_the_history_costs_the_same_for_10_and_1000_entries():
    counts = []
    for rows in (10, 1000):
        customer, boss = _customer()
        agreement = AgreementFactory(customer_organization=customer)
        AgreementLineFactory(agreement=agreement)
        AgreementAdminFactory(agreement=agreement, user=boss)
        actor = actor_of(boss, customer)
        for index in range(rows):
            audit_record(
                actor=actor,
                organization=customer,
                agreement=agreement,
                action=Action.SUBSCRIPTION_RESENT,
                details={"count": index + 1},
            )
        client = ApiClient(token_for(boss, customer, scope="read"))
        path = f"/api/v1/agreements/{agreement.public_id}/history"
        counts.append(_queries(client, path, limit=500))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("side", ["customer", "partner"])
def test_the_partner_links_cost_the_same_for_10_and_1000_partners(side):
    counts = []
    for rows in (10, 1000):
        customer, boss = _customer()
        agreement = AgreementFactory(customer_organization=customer)
        AgreementLineFactory(agreement=agreement)
        AgreementAdminFactory(agreement=agreement, user=boss)
        partners = PartnerOrganizationFactory.create_batch(rows)
        for partner in partners:
            PartnerLinkFactory(agreement=agreement, partner_organization=partner)
        partner_owner = UserFactory()
        MembershipFactory(organization=partners[0], user=partner_owner, role=Role.OWNER)
        secret = (
            token_for(boss, customer, scope="read")
            if side == "customer"
            else token_for(partner_owner, partners[0], scope="read")
        )
        path = f"/api/v1/agreements/{agreement.public_id}/partner-links"
        counts.append(_queries(ApiClient(secret), path))
    assert counts[0] == counts[1], counts
