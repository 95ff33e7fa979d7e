"""The partner's monthly report: per customer agreement it manages, the seats bought, used
and free today, the most used at once during the month, and whether it ends soon."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum

from agreements.models import UsageSnapshot
from portal.tenancy.models import Organization

from .conditions import managed_agreements


@dataclass(frozen=True)
class ReportRow:
    customer_name: str
    authorization_number: str
    bought: int
    used: int
    peak: int
    ends_on: date
    ending_soon: bool

    @property
    def free(self) -> int:
        return self.bought - self.used


def _peaks(agreement_ids: list[int], first: date, last: date) -> dict[int, int]:
    """Per agreement, the most seats assigned on one day of [first, last], all levels
    together (each level's most of that day, added up)."""
    per_day = (
        UsageSnapshot.objects.filter(
            line__agreement__in=agreement_ids, day__gte=first, day__lte=last
        )
        .order_by()
        .values("line__agreement", "day")
        .annotate(seats=Sum("max_assigned"))
    )
    peaks: dict[int, int] = {}
    for row in per_day:
        agreement = row["line__agreement"]
        peaks[agreement] = max(peaks.get(agreement, 0), row["seats"])
    return peaks


def monthly_report_rows(
    *, organization: Organization, first: date, last: date, today: date, ending_days: int
) -> list[ReportRow]:
    """The report's rows for the month [first, last], as of `today`, by customer name. An
    agreement ends soon when its end date is within `ending_days` days of `today`."""
    agreements = list(
        managed_agreements(organization=organization, today=today)
        .exclude(customer_organization=organization)
        .annotate(bought=Sum("lines__seats_purchased"), used=Sum("lines__seats_assigned"))
        .order_by("customer_name", "authorization_number")
    )
    peaks = _peaks([agreement.pk for agreement in agreements], first, last)
    soon = today + timedelta(days=ending_days)
    return [
        ReportRow(
            customer_name=agreement.customer_name,
            authorization_number=agreement.authorization_number,
            bought=agreement.bought or 0,
            used=agreement.used or 0,
            peak=peaks.get(agreement.pk, 0),
            ends_on=agreement.ends_on,
            ending_soon=agreement.ends_on <= soon,
        )
        for agreement in agreements
    ]
