from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    Case,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone

from agreements.models import Agreement, AgreementLine, SubscriptionLevel, UsageSnapshot

# "The past year": today and the 364 days before it.
WINDOW_DAYS = 365


MONTHS_SHOWN = 12


def usage_window(today: date) -> tuple[date, date]:
    """The first and last day of the past year, as the page and exports count it."""
    return today - timedelta(days=WINDOW_DAYS - 1), today


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


def usage_across(agreements: QuerySet[Agreement], today: date | None = None) -> list[LevelUsage]:
    """Per level, the `agreements` together: seats purchased and assigned summed, and each
    day of the past year the sum of the agreements' snapshots (today: each line's seats
    assigned now if higher, as `maximum_usage` counts it), with the peak of those sums and
    its most recent day, and each of the last twelve months' peak. Three queries, whatever
    the number of agreements."""
    today = today or timezone.localdate()
    first, _last = usage_window(today)
    lines = list(
        AgreementLine.objects.filter(agreement__in=agreements.values("pk"))  # scoping: came scoped
        .annotate(today_snapshot=FilteredRelation("usage", condition=Q(usage__day=today)))
        .values("pk", "level_id", "seats_purchased", "seats_assigned")
        .annotate(
            today=Greatest(Coalesce(F("today_snapshot__max_assigned"), Value(0)), "seats_assigned")
        )
        .order_by()
    )
    purchased: dict[int, int] = defaultdict(int)
    assigned: dict[int, int] = defaultdict(int)
    daily: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for line in lines:
        purchased[line["level_id"]] += line["seats_purchased"]
        assigned[line["level_id"]] += line["seats_assigned"]
        daily[line["level_id"]][today] += line["today"]
    # By the lines' ids rather than the agreements' subquery: the planner cannot tell how
    # few agreements that one keeps, and would read every snapshot of the table.
    for snapshots in (
        UsageSnapshot.objects.filter(  # scoping: lines of the scoped agreements
            line_id__in=[line["pk"] for line in lines], day__gte=first, day__lt=today
        )
        .values("line__level_id", "day")
        .annotate(total=Sum("max_assigned"))
        .order_by()
    ):
        daily[snapshots["line__level_id"]][snapshots["day"]] = snapshots["total"]
    months = _month_starts(today, MONTHS_SHOWN)
    levels = SubscriptionLevel.objects.in_bulk(list(purchased))
    usage = [
        _summed_usage(levels[level_id], purchased[level_id], assigned[level_id], days, months)
        for level_id, days in daily.items()
    ]
    return sorted(usage, key=lambda level: (level.level.sort_order, level.level.name))


def _summed_usage(
    level: SubscriptionLevel,
    purchased: int,
    assigned: int,
    days: dict[date, int],
    months: list[date],
) -> LevelUsage:
    """A level's `LevelUsage` from its sums of each day (today's among them)."""
    # The highest sum, and of the days reaching it the most recent.
    peak_day = max(days, key=lambda day: (days[day], day))
    month_peaks: dict[date, int] = {}
    for day, total in days.items():
        month = day.replace(day=1)
        month_peaks[month] = max(month_peaks.get(month, 0), total)
    return LevelUsage(
        level=level,
        seats_purchased=purchased,
        seats_assigned=assigned,
        peak=days[peak_day],
        peak_day=peak_day,
        months=[MonthPeak(month=month, peak=month_peaks.get(month)) for month in months],
    )


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
