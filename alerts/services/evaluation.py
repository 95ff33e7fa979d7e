"""The daily evaluation: for every organization, the conditions that hold become alerts (one
open alert per condition), open alerts whose condition cleared are resolved, and those that
still hold are brought up to date (a count, a severity that rose)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from portal.tenancy.models import Organization

from ..models import Alert
from ..selectors import Condition, alert_rules, conditions_find


@dataclass(frozen=True)
class EvaluationCounts:
    raised: int = 0
    updated: int = 0
    resolved: int = 0

    def __add__(self, other: "EvaluationCounts") -> "EvaluationCounts":
        return EvaluationCounts(
            raised=self.raised + other.raised,
            updated=self.updated + other.updated,
            resolved=self.resolved + other.resolved,
        )


def alerts_evaluate(*, today: date, now: datetime | None = None) -> EvaluationCounts:
    """Evaluate every organization's rules on `today`; safe to run twice (the second run
    changes nothing). `now` stamps what is raised or resolved."""
    now = now or timezone.now()
    total = EvaluationCounts()
    for organization in Organization.objects.order_by("pk").iterator():
        total += organization_alerts_evaluate(organization=organization, today=today, now=now)
    return total


@transaction.atomic
def organization_alerts_evaluate(
    *, organization: Organization, today: date, now: datetime
) -> EvaluationCounts:
    holding = {
        condition.key: condition
        for condition in conditions_find(
            organization=organization, rules=alert_rules(organization=organization), today=today
        )
    }
    open_alerts = {
        alert.key: alert
        for alert in Alert.objects.filter(organization=organization).open().select_for_update()
    }
    cleared = [alert.pk for key, alert in open_alerts.items() if key not in holding]
    Alert.objects.filter(pk__in=cleared).update(resolved_at=now)
    changed = [
        alert
        for key, alert in open_alerts.items()
        if key in holding and _brought_up_to_date(alert, holding[key])
    ]
    Alert.objects.bulk_update(changed, ["severity", "args"])
    fresh = [
        _alert(organization, condition, now)
        for key, condition in holding.items()
        if key not in open_alerts
    ]
    # A concurrent evaluation may have raised the same condition: the constraint keeps one.
    Alert.objects.bulk_create(fresh, ignore_conflicts=True)
    return EvaluationCounts(raised=len(fresh), updated=len(changed), resolved=len(cleared))


def _brought_up_to_date(alert: Alert, condition: Condition) -> bool:
    """Copy what may change while the condition holds; True if anything did."""
    if alert.severity == condition.severity and alert.args == condition.args:
        return False
    alert.severity = condition.severity
    alert.args = condition.args
    return True


def _alert(organization: Organization, condition: Condition, now: datetime) -> Alert:
    return Alert(
        organization=organization,
        kind=condition.kind,
        severity=condition.severity,
        agreement_id=condition.agreement_id,
        key=condition.key,
        args=condition.args,
        created_at=now,
    )
