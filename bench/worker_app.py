"""The portal's Celery app with one extra task, a no-op, for the benchmark's worker only.

The benchmark starts its worker with `-A bench.worker_app`, so production code never
registers a task that does nothing.
"""

from portal.celery import app


@app.task(name="bench.noop", ignore_result=True)
def noop() -> None:
    """Do nothing: the rate of this task is what the broker and the worker cost per message."""


__all__ = ("app", "noop")
