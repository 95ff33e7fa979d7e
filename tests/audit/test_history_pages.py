"""A History page filters by kind of event and by person, pages, and exports what it shows;
a bulk change says how many subscribers and which workbook."""

import csv
import io

import pytest
from django.urls import reverse

from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Role

from ..agreements.conftest import client_for
from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    organization = OrganizationFactory(name="Fabrikam Ltd")
    chloe = UserFactory(email="chloe@fabrikam.example")
    MembershipFactory(organization=organization, user=chloe, role=Role.OWNER)
    agreement = AgreementFactory(customer_organization=organization, authorization_number="V1")
    AgreementAdminFactory(agreement=agreement, user=chloe)

    def entry(action, actor_email, **details):
        AuditEntry.objects.create(
            actor_email=actor_email,
            organization=organization,
            agreement=agreement,
            action=action,
            details=details,
        )

    for n in range(60):
        entry(Action.SUBSCRIPTION_ASSIGNED, "chloe@fabrikam.example", email=f"s{n}@x.example")
    entry(Action.SUBSCRIPTIONS_IMPORTED, "hugo@fabrikam.example", count=1250, file="roster.xlsx")
    entry(Action.PARTNER_REMOVED, "chloe@fabrikam.example", partner="=HYPERLINK(evil)")
    return client_for(chloe), agreement


def _history(agreement) -> str:
    return reverse("agreements:history", args=[agreement.public_id])


def test_the_history_pages_and_a_bulk_entry_says_how_many_and_which_workbook(world):
    client, agreement = world

    first = client.get(_history(agreement)).content.decode()
    second = client.get(_history(agreement), {"page": 2}).content.decode()

    assert "Page 1 of 2" in first
    assert "1,250 subscribers · roster.xlsx" in first + second


def test_the_history_filters_by_action_and_person(world):
    client, agreement = world

    page = client.get(
        _history(agreement),
        {"action": Action.SUBSCRIPTIONS_IMPORTED, "person": "hugo@fabrikam.example"},
    ).content.decode()

    assert "roster.xlsx" in page
    assert "s1@x.example" not in page
    assert '<option value="hugo@fabrikam.example" selected>' in page
    only_chloe = client.get(_history(agreement), {"person": "chloe@fabrikam.example"})
    assert "roster.xlsx" not in only_chloe.content.decode()
    nothing = client.get(
        _history(agreement),
        {"action": Action.SUBSCRIPTIONS_IMPORTED, "person": "chloe@fabrikam.example"},
    )
    assert "Nothing matches these filters." in nothing.content.decode()


def test_the_export_holds_every_entry_the_filters_select_and_runs_no_formula(world):
    client, agreement = world
    url = reverse("agreements:history_export", args=[agreement.public_id])

    everything = client.get(url)
    chloe_only = client.get(url, {"person": "chloe@fabrikam.example"})

    rows = list(csv.reader(io.StringIO(everything.content.decode("utf-8-sig"))))
    assert rows[0] == ["When", "Who", "Organization", "What", "Concerning"]
    assert len(rows) == 1 + 62, "every entry, not one page"
    assert [row[4] for row in rows if "HYPERLINK" in row[4]] == ["'=HYPERLINK(evil)"]
    assert "attachment" in everything["Content-Disposition"]
    assert len(list(csv.reader(io.StringIO(chloe_only.content.decode("utf-8-sig"))))) == 1 + 61


def test_another_customer_cannot_export_the_history(world):
    _client, agreement = world
    stranger = UserFactory()
    MembershipFactory(organization=OrganizationFactory(), user=stranger, role=Role.OWNER)

    response = client_for(stranger).get(
        reverse("agreements:history_export", args=[agreement.public_id])
    )

    assert response.status_code == 404


def test_the_organization_history_filters_and_exports_too(world):
    client, _agreement = world

    page = client.get(reverse("tenancy:history"), {"action": Action.PARTNER_REMOVED})
    export = client.get(reverse("tenancy:history_export"), {"action": Action.PARTNER_REMOVED})

    assert "HYPERLINK" in page.content.decode()
    assert "s1@x.example" not in page.content.decode()
    assert len(export.content.decode("utf-8-sig").strip().splitlines()) == 2
