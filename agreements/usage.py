"""Maximum usage: the most seats of each level assigned at once, day by day.

Assignments raise the day's snapshot of their line as they happen
(`services.subscriptions.usage_record`); the daily beat task starts every line's day with the
seats still assigned, so a day without any change counts too. The page and its exports read
the snapshots of the past year, aggregated in the database.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from celery import shared_task
from django.db import OperationalError, transaction
from django.db.models import Case, F, Max, OuterRef, Subquery, When
from django.db.models.functions import Greatest, TruncMonth
from django.utils import timezone

from .models import Agreement, AgreementLine, SubscriptionLevel, UsageSnapshot

# "The past year": today and the 364 days before it.
WINDOW_DAYS = 365
MONTHS_SHOWN = 12
LOCK_BATCH = 1000


def usage_window(today: date) -> tuple[date, date]:
    """The first and last day of the past year, as the page and exports count it."""
    return today - timedelta(days=WINDOW_DAYS - 1), today


def usage_snapshot_write(*, day: date) -> int:
    """Start (or raise) `day`'s snapshot of every line of every agreement to the seats
    assigned now, never lowering a higher peak already recorded. Returns how many lines.

    Lines are locked as assignments lock them (by pk, a thousand at a time), so an
    assignment writing the same snapshot either goes first or waits for one short batch:
    three or four queries per thousand lines, and no deadlock.
    """
    lines_now = AgreementLine.objects.filter(pk=OuterRef("line_id"))  # scoping: nightly, all
    assigned_now = lines_now.values("seats_assigned")
    after, lines = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                AgreementLine.objects.select_for_update()  # scoping: nightly, every agreement
                .filter(pk__gt=after)
                .order_by("pk")
                .values_list("pk", "seats_assigned")[:LOCK_BATCH]
            )
            if not batch:
                return lines
            # Read once the lines are locked, in a statement of its own: one that waited
            # for an assignment's lock must see the snapshot that assignment wrote.
            recorded = dict(
                UsageSnapshot.objects.filter(  # scoping: nightly beat task, every line
                    day=day, line_id__gt=after, line_id__lte=batch[-1][0]
                ).values_list("line_id", "max_assigned")
            )
            UsageSnapshot.objects.bulk_create(  # scoping: nightly beat task, every line
                [
                    UsageSnapshot(line_id=line_id, day=day, max_assigned=assigned)
                    for line_id, assigned in batch
                    if line_id not in recorded
                ]
            )
            lower = [
                line_id
                for line_id, assigned in batch
                if line_id in recorded and recorded[line_id] < assigned
            ]
            if lower:
                # scoping: nightly beat task, every line
                UsageSnapshot.objects.filter(line_id__in=lower, day=day).update(
                    max_assigned=Subquery(assigned_now)
                )
        lines += len(batch)
        if len(batch) < LOCK_BATCH:
            return lines
        after = batch[-1][0]


# Safe to run again, so a lost connection or a failover just retries.
@shared_task(
    name="agreements.usage.usage_snapshot_daily",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def usage_snapshot_daily() -> int:
    """Beat, just after midnight: today's snapshot for every line."""
    return usage_snapshot_write(day=timezone.localdate())


@dataclass(frozen=True)
class MonthPeak:
    month: date  # the first day of the month
    peak: int | None  # None: no snapshot that month


@dataclass(frozen=True)
class LevelUsage:
    level: SubscriptionLevel
    seats_purchased: int
    seats_assigned: int
    # The most seats assigned at once in the past year, today's live count included, and
    # the most recent day that reached it.
    peak: int
    peak_day: date
    months: list[MonthPeak] = field(default_factory=list)


def _month_starts(today: date, count: int) -> list[date]:
    """The first days of the last `count` months, oldest first, this month last."""
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def maximum_usage(agreement: Agreement, today: date | None = None) -> list[LevelUsage]:
    """Per level of the agreement, the highest number of seats assigned on any day of the
    past year and when, with the peak of each of the last twelve months. Two queries."""
    today = today or timezone.localdate()
    first, last = usage_window(today)
    in_window = UsageSnapshot.objects.filter(  # scoping: the agreement's lines, scoped below
        line=OuterRef("pk"), day__gte=first, day__lte=last
    ).order_by("-max_assigned", "-day")
    lines = list(
        AgreementLine.objects.filter(agreement=agreement)  # scoping: agreement came scoped
        .select_related("level")
        .annotate(
            recorded_peak=Subquery(in_window.values("max_assigned")[:1]),
            recorded_peak_day=Subquery(in_window.values("day")[:1]),
        )
        .order_by("level__sort_order", "level__name")
    )
    months = _month_starts(today, MONTHS_SHOWN)
    monthly: dict[tuple[int, date], int] = {
        (row["line_id"], row["month"]): row["peak"]
        for row in UsageSnapshot.objects.filter(  # scoping: agreement came scoped
            line__agreement=agreement, day__gte=months[0], day__lte=today
        )
        .annotate(month=TruncMonth("day"))
        .values("line_id", "month")
        .annotate(peak=Max("max_assigned"))
        .order_by()
    }
    usage = []
    for line in lines:
        recorded = line.recorded_peak
        if recorded is None or line.seats_assigned >= recorded:
            # Nothing recorded beats the seats assigned right now: today is the peak day.
            peak, peak_day = line.seats_assigned, today
        else:
            peak, peak_day = recorded, line.recorded_peak_day
        month_peaks = [monthly.get((line.pk, month)) for month in months]
        month_peaks[-1] = max(month_peaks[-1] or 0, line.seats_assigned)
        usage.append(
            LevelUsage(
                level=line.level,
                seats_purchased=line.seats_purchased,
                seats_assigned=line.seats_assigned,
                peak=peak,
                peak_day=peak_day,
                months=[
                    MonthPeak(month=month, peak=value)
                    for month, value in zip(months, month_peaks, strict=True)
                ],
            )
        )
    return usage


@dataclass(frozen=True)
class DailyUsage:
    day: date
    level: SubscriptionLevel
    max_assigned: int


def usage_daily(agreement: Agreement, today: date | None = None) -> Iterator[DailyUsage]:
    """The agreement's snapshots of the past year, oldest first, level by level within a
    day; today's counts the seats assigned now. One query, streamed."""
    today = today or timezone.localdate()
    first, last = usage_window(today)
    rows = (
        # scoping: agreement came scoped
        UsageSnapshot.objects.filter(line__agreement=agreement, day__gte=first, day__lte=last)
        .select_related("line__level")
        .annotate(
            highest=Case(
                When(day=today, then=Greatest(F("max_assigned"), F("line__seats_assigned"))),
                default=F("max_assigned"),
            )
        )
        .order_by("day", "line__level__sort_order", "line__level__name")
    )
    for row in rows.iterator(chunk_size=2000):
        yield DailyUsage(day=row.day, level=row.line.level, max_assigned=row.highest)
