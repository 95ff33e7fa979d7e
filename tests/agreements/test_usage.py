"""Maximum usage: the most seats of each level assigned on any day of the past year and
when, from the day's changes and a daily snapshot; the page and its CSV exports, for the
customer and linked partners only."""

import csv
import io
import threading
import time
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import AgreementLine, PartnerLink, SubscriptionLevel, UsageSnapshot
from agreements.subscribers.services.assignments import (
    SubscriberDetails,
    subscription_assign,
    subscriptions_remove,
)
from agreements.usage import services as usage_services
from agreements.usage.selectors import maximum_usage
from agreements.usage.tasks import usage_snapshot_daily

from ..conftest import actor_of
from ..factories import AgreementLineFactory, PartnerLinkFactory
from .conftest import client_for

pytestmark = pytest.mark.django_db

BOM = "\ufeff"


@pytest.fixture
def super_admin(super_admin):
    """The customer's super admin, reading in English so that pages and files read as the
    assertions do."""
    super_admin.preferred_language = "en"
    super_admin.save()
    return super_admin


def _today() -> date:
    return timezone.localdate()


def _level(code: str) -> SubscriptionLevel:
    return SubscriptionLevel.objects.get(code=code)


def _enterprise(agreement) -> AgreementLine:
    return agreement.lines.get(level__code="vs-enterprise")


def _assign(super_admin, organization, agreement, *emails):
    actor = actor_of(super_admin, organization)
    return [
        subscription_assign(
            actor=actor,
            agreement=agreement,
            level=_level("vs-enterprise"),
            details=SubscriberDetails(first_name="A", last_name="B", sign_in_email=email),
        )
        for email in emails
    ]


def _snapshot(line, days_ago: int, max_assigned: int) -> UsageSnapshot:
    return UsageSnapshot.objects.create(
        line=line, day=_today() - timedelta(days=days_ago), max_assigned=max_assigned
    )


def _set_assigned(line, count: int) -> None:
    """Seats assigned on an earlier day: the count moved, today has no snapshot yet."""
    AgreementLine.objects.filter(pk=line.pk).update(seats_assigned=count)


def _urls(agreement) -> list[str]:
    return [
        reverse(name, args=[agreement.public_id])
        for name in (
            "agreements:usage",
            "agreements:usage_export",
            "agreements:usage_export_daily",
        )
    ]


def _csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM))))


# Recording -----------------------------------------------------------------------------


def test_assigning_seats_raises_todays_snapshot(agreement, organization, super_admin):
    _assign(super_admin, organization, agreement, "a@fabrikam.example", "b@fabrikam.example")

    snapshot = UsageSnapshot.objects.get(line=_enterprise(agreement))
    assert (snapshot.day, snapshot.max_assigned) == (_today(), 2)


def test_removing_seats_does_not_lower_the_days_peak(agreement, organization, super_admin):
    first, _second = _assign(
        super_admin, organization, agreement, "a@fabrikam.example", "b@fabrikam.example"
    )

    subscriptions_remove(
        actor=actor_of(super_admin, organization), agreement=agreement, subscriptions=[first]
    )

    line = _enterprise(agreement)
    assert line.seats_assigned == 1
    assert UsageSnapshot.objects.get(line=line, day=_today()).max_assigned == 2
    [usage] = maximum_usage(agreement)
    assert (usage.seats_assigned, usage.peak, usage.peak_day) == (1, 2, _today())


def test_the_daily_task_is_the_one_beat_runs():
    entry = settings.CELERY_BEAT_SCHEDULE["agreements-usage-snapshot"]

    assert usage_snapshot_daily.name == entry["task"]


def test_the_daily_task_writes_every_line_and_never_lowers_a_higher_peak(agreement):
    quiet = _enterprise(agreement)
    _set_assigned(quiet, 3)
    empty = AgreementLineFactory(agreement=agreement, level=_level("vs-professional"))
    busy = AgreementLineFactory(agreement=agreement, level=_level("vs-test-professional"))
    _set_assigned(busy, 2)
    _snapshot(busy, days_ago=0, max_assigned=6)  # four seats were removed earlier today
    yesterday = _snapshot(quiet, days_ago=1, max_assigned=9)

    usage_snapshot_daily()
    usage_snapshot_daily()  # a retry changes nothing

    today = {
        snapshot.line_id: snapshot.max_assigned
        for snapshot in UsageSnapshot.objects.filter(day=_today())
    }
    assert today == {quiet.pk: 3, empty.pk: 0, busy.pk: 6}
    yesterday.refresh_from_db()
    assert yesterday.max_assigned == 9


def test_the_daily_task_raises_a_lower_snapshot_to_the_seats_assigned(agreement):
    line = _enterprise(agreement)
    _snapshot(line, days_ago=0, max_assigned=1)
    _set_assigned(line, 4)

    usage_snapshot_daily()

    assert UsageSnapshot.objects.get(line=line, day=_today()).max_assigned == 4


def _task_queries(lines: int) -> int:
    for _ in range(lines):
        _set_assigned(AgreementLineFactory(), 1)
    with CaptureQueriesContext(connection) as queries:
        usage_snapshot_daily()
    assert UsageSnapshot.objects.filter(day=_today(), max_assigned=1).count() == (
        AgreementLine.objects.count()
    )
    UsageSnapshot.objects.all().delete()
    return len(queries)


def test_the_daily_task_takes_the_same_few_queries_for_5_or_50_lines():
    assert _task_queries(5) == _task_queries(45) <= 6  # 5 lines, then 5 + 45


def test_the_daily_task_goes_through_lines_a_batch_at_a_time(monkeypatch, agreement):
    monkeypatch.setattr(usage_services, "LOCK_BATCH", 2)
    for _ in range(3):
        AgreementLineFactory()  # four lines: two full batches, then an empty one

    assert usage_snapshot_daily() == 4
    assert UsageSnapshot.objects.filter(day=_today()).count() == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_an_assignment_in_progress_and_the_daily_task_both_count(
    agreement, organization, super_admin
):
    line = _enterprise(agreement)
    _set_assigned(line, 1)  # assigned on an earlier day: today has no row yet
    assigned = threading.Event()
    failures: list[str] = []

    def assign_and_hold_the_line() -> None:
        try:
            with transaction.atomic():
                _assign(super_admin, organization, agreement, "a@fabrikam.example")
                assigned.set()
                time.sleep(0.5)  # the task starts meanwhile and waits for the line
        except Exception as error:
            failures.append(repr(error))
        finally:
            assigned.set()
            # A thread's connection is its own: close it, or it outlives the test database.
            connection.close()

    def run_task() -> None:
        try:
            usage_snapshot_daily()
        except Exception as error:
            failures.append(repr(error))
        finally:
            # A thread's connection is its own: close it, or it outlives the test database.
            connection.close()

    assignment = threading.Thread(target=assign_and_hold_the_line)
    assignment.start()
    assigned.wait()
    task = threading.Thread(target=run_task)
    task.start()
    assignment.join()
    task.join()

    assert failures == []
    assert UsageSnapshot.objects.get(line=line, day=_today()).max_assigned == 2


# Reading ------------------------------------------------------------------------------


@pytest.fixture
def history(agreement):
    """An Enterprise line's past year: 9 at most, a hundred days and a month ago; more
    than that a year ago or earlier; two seats assigned now."""
    line = _enterprise(agreement)
    _set_assigned(line, 2)
    _snapshot(line, days_ago=400, max_assigned=15)  # older than a year: ignored
    _snapshot(line, days_ago=365, max_assigned=14)  # a year ago to the day: ignored too
    _snapshot(line, days_ago=364, max_assigned=8)
    _snapshot(line, days_ago=100, max_assigned=9)
    _snapshot(line, days_ago=30, max_assigned=9)
    _snapshot(line, days_ago=10, max_assigned=4)
    _snapshot(line, days_ago=1, max_assigned=2)
    return line


def test_the_peak_is_the_highest_day_of_the_past_year_and_the_latest_to_reach_it(history):
    [usage] = maximum_usage(history.agreement)

    assert usage.level.code == "vs-enterprise"
    assert (usage.seats_purchased, usage.seats_assigned) == (20, 2)
    assert (usage.peak, usage.peak_day) == (9, _today() - timedelta(days=30))


def test_todays_live_count_can_be_the_peak(agreement):
    line = _enterprise(agreement)
    _snapshot(line, days_ago=5, max_assigned=3)
    _set_assigned(line, 3)  # no snapshot yet today

    [usage] = maximum_usage(agreement)

    assert (usage.peak, usage.peak_day) == (3, _today())


def test_a_level_never_used_peaks_at_zero_today(agreement):
    [usage] = maximum_usage(agreement)

    assert (usage.peak, usage.peak_day) == (0, _today())


def test_the_monthly_peaks_cover_the_last_twelve_months(agreement):
    today = date(2026, 3, 15)
    line = _enterprise(agreement)
    UsageSnapshot.objects.bulk_create(
        [
            UsageSnapshot(line=line, day=date(2025, 3, 31), max_assigned=11),  # 13 months ago
            UsageSnapshot(line=line, day=date(2025, 4, 1), max_assigned=5),
            UsageSnapshot(line=line, day=date(2026, 2, 3), max_assigned=7),
            UsageSnapshot(line=line, day=date(2026, 2, 20), max_assigned=6),
        ]
    )
    _set_assigned(line, 1)

    [usage] = maximum_usage(agreement, today)

    assert [month.month for month in usage.months] == [
        date(2025, 4, 1),
        date(2025, 5, 1),
        date(2025, 6, 1),
        date(2025, 7, 1),
        date(2025, 8, 1),
        date(2025, 9, 1),
        date(2025, 10, 1),
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert [month.peak for month in usage.months] == [5] + [None] * 9 + [7, 1]


def test_the_page_shows_each_level_with_its_peak_and_day(history, customer_client):
    AgreementLineFactory(
        agreement=history.agreement, level=_level("vs-professional"), seats_purchased=5
    )

    response = customer_client.get(_urls(history.agreement)[0])

    assert response.status_code == 200
    page = response.content.decode()
    peak_day = (_today() - timedelta(days=30)).isoformat()
    assert f'<time datetime="{peak_day}">' in page
    assert "Visual Studio Enterprise" in page and "Visual Studio Professional" in page
    assert [(usage.peak, usage.peak_day.isoformat()) for usage in response.context["levels"]] == [
        (9, peak_day),
        (0, _today().isoformat()),
    ]
    assert "plus every one assigned during the day" in page


def _page_queries(client, agreement) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_urls(agreement)[0]).status_code == 200
    return len(queries)


def test_the_page_queries_do_not_grow_with_levels_or_days(agreement, customer_client):
    customer_client.get(_urls(agreement)[0])  # the session's first request does more
    before = _page_queries(customer_client, agreement)
    for code in ("vs-professional", "vs-test-professional"):
        line = AgreementLineFactory(agreement=agreement, level=_level(code))
        for days_ago in range(0, 400, 3):
            _snapshot(line, days_ago=days_ago, max_assigned=days_ago % 7)

    assert _page_queries(customer_client, agreement) == before


# Exports ------------------------------------------------------------------------------


def test_the_export_has_a_row_per_level_with_its_peak(history, customer_client):
    AgreementLineFactory(
        agreement=history.agreement, level=_level("vs-professional"), seats_purchased=5
    )

    response = customer_client.get(_urls(history.agreement)[1])

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    file_name = f"maximum-usage-V482019301-{_today().isoformat()}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{file_name}"'
    assert _csv_rows(response) == [
        ["Level", "Seats purchased", "Assigned now", "Highest in the past year", "Date"],
        [
            "Visual Studio Enterprise",
            "20",
            "2",
            "9",
            (_today() - timedelta(days=30)).isoformat(),
        ],
        ["Visual Studio Professional", "5", "0", "0", _today().isoformat()],
    ]


def test_the_daily_export_lists_the_snapshots_of_the_past_year(history, customer_client):
    _snapshot(history, days_ago=0, max_assigned=1)  # below the two assigned now

    response = customer_client.get(_urls(history.agreement)[2])

    file_name = f"maximum-usage-daily-V482019301-{_today().isoformat()}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{file_name}"'
    rows = _csv_rows(response)
    assert rows[0] == ["Date", "Level", "Highest assigned that day"]
    assert rows[1:] == [
        [(_today() - timedelta(days=days_ago)).isoformat(), "Visual Studio Enterprise", count]
        for days_ago, count in ((364, "8"), (100, "9"), (30, "9"), (10, "4"), (1, "2"), (0, "2"))
    ]


# Access -------------------------------------------------------------------------------


def test_a_linked_partner_sees_the_page_and_exports_until_the_link_is_removed(
    history, partner, partner_user
):
    link = PartnerLinkFactory(agreement=history.agreement, partner_organization=partner)
    client = client_for(partner_user)
    urls = _urls(history.agreement)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]

    link.status, link.removed_at = PartnerLink.Status.REMOVED, timezone.now()
    link.save()

    assert [client.get(url).status_code for url in urls] == [404, 404, 404]


def test_another_customer_gets_404(history, stranger):
    client = client_for(stranger)

    assert [client.get(url).status_code for url in _urls(history.agreement)] == [404, 404, 404]


def test_an_anonymous_visitor_is_sent_to_sign_in(history, client):
    for url in _urls(history.agreement):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse(settings.LOGIN_URL))
