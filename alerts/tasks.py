from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="alerts.evaluate", ignore_result=True)
def alerts_evaluate() -> int:
    """Scheduled by beat, late each day: raise, update and resolve every organization's
    alerts. Returns how many were raised."""
    return services.alerts_evaluate(today=timezone.localdate()).raised


@shared_task(name="alerts.digests_send", ignore_result=True)
def alert_digests_send() -> int:
    """Scheduled by beat each morning: yesterday's daily digests, and on Mondays last week's
    weekly ones (a later run in the same week finds them sent)."""
    return services.alert_digests_send(today=timezone.localdate())


@shared_task(name="alerts.monthly_reports_send", ignore_result=True)
def monthly_reports_send() -> int:
    """Scheduled by beat on the first of the month: the partners' reports of the month
    before."""
    return services.monthly_reports_send(today=timezone.localdate())
