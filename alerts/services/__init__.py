"""Every write of alerts: settings, dismissals, the daily evaluation and the emails."""

from .digests import Period, alert_digests_send, digest_period
from .dismissals import alert_dismiss, alerts_dismiss_all
from .evaluation import alerts_evaluate
from .reports import monthly_reports_send, report_month
from .settings import RuleChoice, alert_preference_save, alert_rules_save

__all__ = [
    "Period",
    "RuleChoice",
    "alert_digests_send",
    "alert_dismiss",
    "alert_preference_save",
    "alert_rules_save",
    "alerts_dismiss_all",
    "alerts_evaluate",
    "digest_period",
    "monthly_reports_send",
    "report_month",
]
