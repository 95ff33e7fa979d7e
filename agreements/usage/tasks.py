from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from agreements.usage.services import usage_snapshot_write


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
