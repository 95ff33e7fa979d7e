"""The Celery side of uploads: processing one, and finding those whose task was lost."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agreements.models import BulkImport
from agreements.workbooks.services import (
    bulk_import_finish,
    bulk_import_no_access,
    bulk_import_process,
    bulk_import_queue,
    bulk_import_uploader,
    logger,
)


# A lost database connection rolls everything back; running again is safe.
@shared_task(
    name="agreements.workbooks.bulk_import_run",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def bulk_import_run(import_id: int) -> None:
    """Process an uploaded workbook in a worker, as its uploader."""
    # scoping: the worker acts as the uploader, whose access bulk_import_process checks
    bulk_import = BulkImport.objects.select_related("agreement", "uploaded_by").get(pk=import_id)
    if bulk_import.status in (BulkImport.Status.SUCCEEDED, BulkImport.Status.FAILED):
        return
    with translation.override(bulk_import.uploaded_by.preferred_language):
        actor = bulk_import_uploader(bulk_import)
        if actor is None:
            bulk_import_no_access(bulk_import)
            return
        try:
            bulk_import_process(bulk_import=bulk_import, actor=actor)
        except OperationalError:
            raise
        except Exception:
            logger.exception("Bulk import %s failed.", import_id)
            bulk_import_finish(
                bulk_import,
                BulkImport.Status.FAILED,
                _("The workbook could not be processed, so nothing was saved. Try again later."),
            )


@shared_task(name="agreements.workbooks.bulk_imports_sweep", ignore_result=True)
def bulk_imports_sweep() -> int:
    """Beat: queue again the uploads whose task was lost. One still waiting after the grace
    period never reached a worker (the process died before its commit's on_commit, or Redis
    lost the queue); one processing for longer than any task may run lost its worker. Running
    an upload twice is safe (bulk_import_process writes it once, under its row lock), but
    costly: each one queued is leased for the grace period (in the cache), so that a queue
    running behind does not get it again every sweep."""
    now = timezone.now()
    grace = settings.BULK_IMPORT_SWEEP_GRACE
    hung = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + grace)
    lost = BulkImport.objects.filter(  # scoping: the sweeper works for no one organization
        Q(status=BulkImport.Status.PENDING, created_at__lte=now - timedelta(seconds=grace))
        | Q(status=BulkImport.Status.PROCESSING, created_at__lte=hung)
    ).values_list("pk", flat=True)
    queued = 0
    for import_id in lost:
        if cache.add(f"bulk-import-swept:{import_id}", 1, timeout=grace):
            logger.warning("Bulk import %s lost its task; queueing it again.", import_id)
            bulk_import_queue(import_id)
            queued += 1
    return queued
