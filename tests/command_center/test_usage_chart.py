"""Pictures of use: the chart draws, and its table gives, the usage page's numbers."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements.models import SubscriptionLevel, UsageSnapshot
from portal.accounts.models import User
from portal.tenancy.models import Role

from ..factories import (
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    PartnerLinkFactory,
    PartnerOrganizationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    partner = PartnerOrganizationFactory()
    user = MembershipFactory(organization=partner, role=Role.MEMBER).user
    agreement = AgreementFactory(customer_name="Fabrikam")
    enterprise = AgreementLineFactory(agreement=agreement, seats_purchased=10, seats_assigned=4)
    professional = AgreementLineFactory(
        agreement=agreement,
        level=SubscriptionLevel.objects.get(code="vs-professional"),
        seats_purchased=5,
        seats_assigned=1,
    )
    PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    today = timezone.localdate()
    for days_ago, peak in ((10, 6), (40, 13), (100, 2), (200, 9)):
        UsageSnapshot.objects.create(
            line=enterprise, day=today - timedelta(days=days_ago), max_assigned=peak
        )
    UsageSnapshot.objects.create(line=professional, day=today - timedelta(days=70), max_assigned=3)
    client = Client()
    client.force_login(user)
    return client, agreement


def test_the_chart_s_numbers_are_the_usage_page_s(world):
    client, agreement = world

    usage = client.get(reverse("agreements:usage", args=[agreement.public_id])).context
    chart = client.get(reverse("command_center:usage_chart", args=[agreement.public_id]))

    assert chart.status_code == 200
    charts = chart.context["charts"]
    assert [c.usage.level.name for c in charts] == [level.level.name for level in usage["levels"]]
    # The usage page's monthly table: newest month first, a column per level.
    for column, level_chart in enumerate(charts):
        from_usage = {month: peaks[column] for month, peaks in usage["monthly"]}
        assert {point.month: point.peak for point in level_chart.points} == from_usage
        usage_level = usage["levels"][column]
        assert (level_chart.usage.peak, level_chart.usage.seats_purchased) == (
            usage_level.peak,
            usage_level.seats_purchased,
        )


def test_the_true_up_hint_and_the_accessible_picture(world):
    client, agreement = world

    response = client.get(reverse("command_center:usage_chart", args=[agreement.public_id]))

    enterprise, professional = response.context["charts"]
    assert (enterprise.usage.peak, enterprise.over) == (13, 3)
    assert (professional.usage.peak, professional.never_used) == (3, 2)
    body = response.content.decode()
    assert "True-up: the peak this year (13) is 3 seats above the 10 purchased." in body
    assert "leaves 2 of the 5 seats purchased unused" in body
    assert (
        len(re.findall(r'<svg role="img" aria-labelledby="chart-\d-title chart-\d-desc"', body))
        == 2
    )
    assert "<title id=" in body and "<desc id=" in body
    # The highest month is circled where its value is drawn.
    assert enterprise.peak_point.peak == 13


def test_the_chart_is_in_french_for_a_french_reader(world):
    client, agreement = world
    User.objects.update(preferred_language="fr")

    response = client.get(reverse("command_center:usage_chart", args=[agreement.public_id]))

    assert "Ajustement" in response.content.decode()


def test_the_chart_of_an_agreement_one_does_not_manage_is_a_404(world):
    client, _agreement = world
    foreign = AgreementFactory()

    response = client.get(reverse("command_center:usage_chart", args=[foreign.public_id]))

    assert response.status_code == 404
