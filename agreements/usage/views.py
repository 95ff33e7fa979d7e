from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.pages import agreement_from_request
from agreements.usage.selectors import maximum_usage, usage_daily, usage_window
from portal.spreadsheets import csv_response
from portal.tenancy.decorators import organization_required


@organization_required
def usage(request, public_id):
    agreement, access = agreement_from_request(request, public_id)
    today = timezone.localdate()
    levels = maximum_usage(agreement, today)
    # The monthly table: a row per month, newest first, a column per level.
    months = levels[0].months if levels else []
    monthly = [
        (month.month, [level.months[index].peak for level in levels])
        for index, month in reversed(list(enumerate(months)))
    ]
    context = {
        "agreement": agreement,
        "access": access,
        "levels": levels,
        "since": usage_window(today)[0],
        "monthly": monthly,
    }
    return render(request, "agreements/usage.html", context)


@organization_required
def usage_export(request, public_id):
    """Per level: seats purchased, assigned now, the highest in the past year and its day."""
    agreement, _access = agreement_from_request(request, public_id)
    today = timezone.localdate()
    header = [
        _("Level"),
        _("Seats purchased"),
        _("Assigned now"),
        _("Highest in the past year"),
        _("Date"),
    ]
    rows = [
        [
            level.level.name,
            level.seats_purchased,
            level.seats_assigned,
            level.peak,
            level.peak_day.isoformat(),
        ]
        for level in maximum_usage(agreement, today)
    ]
    file_name = f"maximum-usage-{agreement.authorization_number}-{today.isoformat()}.csv"
    return csv_response(file_name, [header, *rows])


@organization_required
def usage_export_daily(request, public_id):
    """Every day of the past year with a snapshot: the most seats of each level at once."""
    agreement, _access = agreement_from_request(request, public_id)
    today = timezone.localdate()
    header = [_("Date"), _("Level"), _("Highest assigned that day")]
    rows = (
        [day.day.isoformat(), day.level.name, day.max_assigned]
        for day in usage_daily(agreement, today)
    )
    file_name = f"maximum-usage-daily-{agreement.authorization_number}-{today.isoformat()}.csv"
    return csv_response(file_name, [header, *rows])
