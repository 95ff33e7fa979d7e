"""Pictures of use across customers: per level, the seats of every agreement the
organization manages added up day by day, drawn by the per-agreement chart's code, with the
numbers of the agreements' own usage tables and none of an agreement it does not manage."""

import csv
import io
import re
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements.models import PartnerLink, SubscriptionLevel, UsageSnapshot
from portal.accounts.models import User
from portal.tenancy.models import Role

from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    PartnerLinkFactory,
    PartnerOrganizationFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("command_center:usage")


def _snapshots(line, peaks: dict[int, int]) -> None:
    """`peaks`: days ago → the most seats of the line assigned that day."""
    today = timezone.localdate()
    UsageSnapshot.objects.bulk_create(
        UsageSnapshot(line=line, day=today - timedelta(days=days_ago), max_assigned=peak)
        for days_ago, peak in peaks.items()
    )


@pytest.fixture
def world():
    """A partner managing Fabrikam (Enterprise and Professional) and Contoso (Enterprise),
    whose Enterprise peaks fall on different days of the same months; and a customer it
    does not manage, with far more seats."""
    partner = PartnerOrganizationFactory()
    user = MembershipFactory(organization=partner, role=Role.MEMBER).user
    professional = SubscriptionLevel.objects.get(code="vs-professional")
    fabrikam = AgreementFactory(customer_name="Fabrikam")
    fabrikam_enterprise = AgreementLineFactory(
        agreement=fabrikam, seats_purchased=10, seats_assigned=4
    )
    fabrikam_professional = AgreementLineFactory(
        agreement=fabrikam, level=professional, seats_purchased=5, seats_assigned=1
    )
    contoso = AgreementFactory(customer_name="Contoso")
    contoso_enterprise = AgreementLineFactory(
        agreement=contoso, seats_purchased=8, seats_assigned=6
    )
    for agreement in (fabrikam, contoso):
        PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    # Today's snapshots are there, as the nightly task writes them; Contoso has assigned
    # seats since (6 now), which count instead.
    _snapshots(fabrikam_enterprise, {0: 4, 10: 6, 40: 13, 41: 2, 100: 2, 200: 9, 400: 30})
    _snapshots(fabrikam_professional, {0: 1, 70: 3})
    _snapshots(contoso_enterprise, {0: 5, 10: 1, 40: 1, 41: 12, 150: 4})
    foreign = AgreementFactory(customer_name="Northwind")
    _snapshots(
        AgreementLineFactory(agreement=foreign, seats_purchased=500, seats_assigned=400),
        {0: 400, 10: 450, 40: 480},
    )
    client = Client()
    client.force_login(user)
    return client, [fabrikam, contoso], foreign


def _daily_sums(client, agreements) -> dict[str, dict[date, int]]:
    """Per level, each day's seats summed over the agreements' own daily usage exports."""
    sums: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for agreement in agreements:
        url = reverse("agreements:usage_export_daily", args=[agreement.public_id])
        rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
        for day, level, highest in rows[1:]:
            sums[level][date.fromisoformat(day)] += int(highest)
    return sums


def _purchased(client, agreements) -> dict[str, int]:
    """Per level, the seats purchased summed over the agreements' usage pages."""
    totals: dict[str, int] = defaultdict(int)
    for agreement in agreements:
        usage = client.get(reverse("agreements:usage", args=[agreement.public_id])).context
        for level in usage["levels"]:
            totals[level.level.name] += level.seats_purchased
    return totals


def test_the_chart_s_numbers_are_the_sums_of_the_agreements_usage_tables(world):
    client, agreements, _foreign = world
    daily, purchased = _daily_sums(client, agreements), _purchased(client, agreements)

    response = client.get(URL)

    assert response.status_code == 200
    charts = response.context["charts"]
    assert [chart.usage.level.name for chart in charts] == list(purchased)
    for chart in charts:
        days = daily[chart.usage.level.name]
        monthly: dict[date, int] = {}
        for day, total in days.items():
            month = day.replace(day=1)
            monthly[month] = max(monthly.get(month, 0), total)
        assert {point.month: point.peak for point in chart.points} == {
            point.month: monthly.get(point.month) for point in chart.points
        }
        peak = max(days.values())
        assert chart.usage.peak == peak
        assert chart.usage.peak_day == max(day for day, total in days.items() if total == peak)
        assert chart.usage.seats_purchased == purchased[chart.usage.level.name]


def test_the_days_are_added_up_before_the_peak_is_taken(world):
    client, _agreements, _foreign = world

    enterprise, professional = client.get(URL).context["charts"]

    # Fabrikam's 13 and Contoso's 12 were a day apart: the most at once was 14 (13 + 1,
    # then 2 + 12), not 25; the later of the two days is the peak's.
    assert (enterprise.usage.peak, enterprise.usage.seats_purchased) == (14, 18)
    assert enterprise.usage.peak_day == timezone.localdate() - timedelta(days=40)
    # Today: Fabrikam's 4 and Contoso's 6 assigned now (its snapshot says 5).
    assert enterprise.points[-1].peak == 10
    assert (professional.usage.peak, professional.usage.seats_purchased) == (3, 5)


def test_the_true_up_hint_title_description_and_table(world):
    client, _agreements, _foreign = world

    response = client.get(URL)

    body = response.content.decode()
    assert "<h1>Use across your customers</h1>" in body
    assert "on the 2 agreements you manage, added together" in body
    assert "No true-up: the peak this year (14) leaves 4 of the 18 seats purchased unused." in body
    assert "leaves 2 of the 5 seats purchased unused" in body
    assert (
        len(re.findall(r'<svg role="img" aria-labelledby="chart-\d-title chart-\d-desc"', body))
        == 2
    )
    assert body.count("<caption>") == 2
    assert "Visual Studio Enterprise: the most seats assigned at once, month by month" in body


def test_a_peak_over_the_seats_purchased_reads_as_a_true_up(world):
    client, agreements, _foreign = world
    _snapshots(agreements[1].lines.get(), {5: 20})

    body = client.get(URL).content.decode()

    # Fabrikam has no snapshot that day: its part of the sum is 0, as in its table.
    assert "True-up: the peak this year (20) is 2 seats above the 18 purchased." in body


def test_an_agreement_one_does_not_manage_never_counts(world):
    client, agreements, foreign = world
    PartnerLink.objects.filter(agreement=agreements[1]).update(
        status=PartnerLink.Status.REMOVED, removed_at=timezone.now()
    )
    alone = _daily_sums(client, agreements[:1])

    response = client.get(URL)

    enterprise = response.context["charts"][0]
    assert enterprise.usage.seats_purchased == 10
    assert enterprise.usage.peak == max(alone["Visual Studio Enterprise"].values()) == 13
    assert response.context["agreement_count"] == 1
    assert "Northwind" not in response.content.decode()
    usage_of_foreign = reverse("agreements:usage", args=[foreign.public_id])
    assert client.get(usage_of_foreign).status_code == 404


def test_a_customer_s_administrator_sees_their_own_agreements_added_up(world):
    _client, _agreements, foreign = world
    customer = foreign.customer_organization
    admin = MembershipFactory(organization=customer, role=Role.OWNER).user
    AgreementAdminFactory(agreement=foreign, user=admin)
    client = Client()
    client.force_login(admin)

    response = client.get(URL)

    assert response.status_code == 200
    (enterprise,) = response.context["charts"]
    assert (enterprise.usage.seats_purchased, enterprise.usage.peak) == (500, 480)


def test_the_command_center_links_to_it(world):
    client, _agreements, _foreign = world

    body = client.get(reverse("command_center:index")).content.decode()

    assert f'<a href="{URL}">Use across your customers</a>' in body


def test_without_agreements_it_says_so():
    user = MembershipFactory(organization=PartnerOrganizationFactory(), role=Role.MEMBER).user
    client = Client()
    client.force_login(user)

    body = client.get(URL).content.decode()

    assert "No agreement you manage has subscriptions yet." in body
    assert "<svg" not in body


def test_the_chart_is_in_french_for_a_french_reader(world):
    client, _agreements, _foreign = world
    User.objects.update(preferred_language="fr")

    body = client.get(URL).content.decode()

    assert "Utilisation chez vos clients" in body
    assert "Pas d'ajustement" in body
