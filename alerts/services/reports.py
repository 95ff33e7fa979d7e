"""The partner's monthly report to its owners and administrators: per customer, the seats
bought, used, free, the month's peak, and whether the agreement ends soon. One email per
person and month (its dedupe key), in the person's language."""

from datetime import date, timedelta

from notifications.services import NotificationDraft, notification_enqueue_many
from portal.tenancy.models import MANAGING_ROLES, Membership, Organization

from ..emails import MONTHLY_REPORT_KIND
from ..models import Kind
from ..rules import SPECS
from ..selectors import ReportRow, alert_rules, monthly_report_rows


def report_month(today: date) -> tuple[date, date]:
    """The first and last day of the month before `today`'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def monthly_reports_send(*, today: date) -> int:
    """Queue the reports of the month before `today`'s for every partner that manages
    customers; returns how many were new (running it again that month queues none)."""
    first, last = report_month(today)
    drafts: list[NotificationDraft] = []
    for organization in Organization.objects.filter(is_partner=True).order_by("pk"):
        drafts += _organization_drafts(organization, first, last, today)
    return notification_enqueue_many(drafts=drafts)


def _ending_days(organization: Organization) -> int:
    days = alert_rules(organization=organization)[Kind.AGREEMENT_ENDING].days
    return days if days is not None else SPECS[Kind.AGREEMENT_ENDING].days or 0


def _organization_drafts(
    organization: Organization, first: date, last: date, today: date
) -> list[NotificationDraft]:
    rows = monthly_report_rows(
        organization=organization,
        first=first,
        last=last,
        today=today,
        ending_days=_ending_days(organization),
    )
    if not rows:
        return []
    admins = Membership.objects.filter(
        organization=organization, role__in=MANAGING_ROLES, user__is_active=True
    ).select_related("user")
    context = {
        "organization_name": organization.name,
        "month": first.isoformat(),
        "rows": [_row(row) for row in rows],
    }
    return [
        NotificationDraft(
            kind=MONTHLY_REPORT_KIND,
            recipient=membership.user.email,
            language=membership.user.preferred_language,
            dedupe_key=f"alerts-monthly-report:{organization.pk}:{membership.user_id}:{first:%Y-%m}",
            context=context,
            organization=organization,
        )
        for membership in admins
    ]


def _row(row: ReportRow) -> dict:
    return {
        "customer_name": row.customer_name,
        "authorization_number": row.authorization_number,
        "bought": row.bought,
        "used": row.used,
        "free": row.free,
        "peak": row.peak,
        "ends_on": row.ends_on.isoformat(),
        "ending_soon": row.ending_soon,
    }
