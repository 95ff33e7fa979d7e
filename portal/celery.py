import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _database_connections_tidy(task=None, **kwargs) -> None:
    """Around every task, what Django does around every request: keep a connection for
    CONN_MAX_AGE, drop one that is broken or too old. (Celery would close it after every
    task, and opening a PostgreSQL connection costs more than sending an email; see
    CELERY_DB_REUSE_MAX in the settings.) An eager task runs inside its caller's
    transaction, whose connection is the caller's business."""
    if task is not None and not getattr(task.request, "is_eager", False):
        from django.db import close_old_connections

        close_old_connections()
