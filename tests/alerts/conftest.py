"""A partner that manages a customer's agreement, both organizations' people, and helpers
to move time: every evaluation is given its `today` (and `now`)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone, translation

from agreements.models import Agreement, AgreementLine, UsageSnapshot
from alerts.services import alerts_evaluate
from portal.accounts.models import User
from portal.tenancy.models import Organization, Role

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

# A Monday, far enough from the real date that no default of the data gets in the way.
TODAY = date(2027, 6, 7)


def moment(day: date, hour: int = 23, minute: int = 45) -> datetime:
    """The evaluation's time on `day` (beat runs it late in the day)."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def evaluate(day: date):
    return alerts_evaluate(today=day, now=moment(day))


@dataclass
class World:
    partner: Organization
    partner_owner: User
    partner_member: User
    customer: Organization
    customer_owner: User
    agreement: Agreement
    line: AgreementLine


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world() -> World:
    partner = PartnerOrganizationFactory(name="Contoso Partners")
    partner_owner = MembershipFactory(
        organization=partner,
        role=Role.OWNER,
        user=UserFactory(email="paula.owner@contoso-partners.example", full_name="Paula Owner"),
    ).user
    partner_member = MembershipFactory(
        organization=partner,
        role=Role.MEMBER,
        user=UserFactory(
            email="marc.member@contoso-partners.example",
            full_name="Marc Member",
            preferred_language="fr",
        ),
    ).user
    customer = OrganizationFactory(name="Fabrikam Ltd")
    customer_owner = MembershipFactory(
        organization=customer,
        role=Role.OWNER,
        user=UserFactory(email="carla.owner@fabrikam.example", full_name="Carla Owner"),
    ).user
    agreement = AgreementFactory(
        customer_organization=customer,
        customer_name="Fabrikam Ltd",
        authorization_number="V482019301",
        partner_of_record=partner,
        ends_on=TODAY + timedelta(days=365),
    )
    AgreementAdminFactory(agreement=agreement, user=customer_owner)
    PartnerLinkFactory(agreement=agreement, partner_organization=partner, linked_by=partner_owner)
    line = AgreementLineFactory(agreement=agreement, seats_purchased=10, seats_assigned=2)
    return World(partner, partner_owner, partner_member, customer, customer_owner, agreement, line)


def snapshots(line: AgreementLine, *, last: date, days: int, assigned: int) -> None:
    """`days` daily snapshots of `line` ending on `last`, each with `assigned` seats."""
    UsageSnapshot.objects.bulk_create(
        UsageSnapshot(line=line, day=last - timedelta(days=n), max_assigned=assigned)
        for n in range(days)
    )
