"""An upload whose task is lost (queued in Redis, then Redis restarted without its data
before any worker took it) is finished once the sweeper finds it, and emails once."""

import pytest
from django.utils import timezone

from agreements.models import BulkImport, Subscription
from agreements.workbooks import services as workbook_services
from agreements.workbooks.tasks import bulk_imports_sweep
from notifications.models import Notification
from notifications.tasks import notifications_sweep

from ..agreements.test_workbooks import _person, _upload, _xlsx
from ..workers import celery_worker, wait_until
from .conftest import worker_env

pytestmark = [pytest.mark.fault, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_an_upload_whose_task_was_lost_finishes_after_recovery(
    fault_redis, smtp_server, agreement, customer_client, fault_figures, settings, monkeypatch
):
    settings.NOTIFICATION_SWEEP_GRACE = 0
    settings.BULK_IMPORT_SWEEP_GRACE = 0
    # Always through a worker.
    monkeypatch.setattr(workbook_services, "IN_REQUEST_MAX_UNPACKED_BYTES", 0)
    response = _upload(customer_client, agreement, _xlsx([_person(n) for n in range(12)]))
    (upload,) = BulkImport.objects.all()
    assert response.status_code == 302 and upload.status == BulkImport.Status.PENDING

    fault_redis.stop()  # the queue goes with it
    fault_redis.start()

    def finished() -> bool:
        # What beat does every minute (uploads) and every 30 s (emails).
        bulk_imports_sweep()
        notifications_sweep()
        upload.refresh_from_db()
        pending = Notification.objects.filter(status=Notification.Status.PENDING)
        return upload.status == BulkImport.Status.SUCCEEDED and not pending.exists()

    with celery_worker(queue=fault_redis.queue, extra_env=worker_env(fault_redis, smtp_server)):
        assert wait_until(finished, timeout=90, interval=1.0), upload.message

    received = smtp_server.inbox.received()
    fault_figures(
        "upload whose task was lost (12 rows)",
        expected=12,
        received=sum(received.values()),
        duplicated=sum(received.values()) - len(received),
        lost=12 - len(received),
    )
    assert Subscription.objects.assigned().count() == 12
    assert sum(received.values()) == len(received) == 12
    assert upload.finished_at <= timezone.now()
