"""Every read of alerts: the pages' (scoped by the actor), the evaluation's conditions and
the monthly report's numbers (per organization, for the beat tasks)."""

from .alerts import (
    alert_count,
    alert_get,
    alert_list,
    alert_preference,
    alert_preferences,
    alert_rules,
    alerts_for_digest,
    bell_alerts,
)
from .conditions import Condition, conditions_find, managed_agreements
from .reports import ReportRow, monthly_report_rows

__all__ = [
    "Condition",
    "ReportRow",
    "alert_count",
    "alert_get",
    "alert_list",
    "alert_preference",
    "alert_preferences",
    "alert_rules",
    "alerts_for_digest",
    "bell_alerts",
    "conditions_find",
    "managed_agreements",
    "monthly_report_rows",
]
