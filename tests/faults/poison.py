"""An email kind whose rendering kills the worker process, as an out-of-memory kill or a
crash in a C extension would. Imported by the test (to queue it) and by the worker it kills
(`celery worker --include tests.faults.poison`, with FAULT_POISON_ARMED set)."""

import os
import signal

from notifications.kinds import email_kind


@email_kind("fault_poison", label="A message that kills its worker", preview={})
def poison_context(context: dict) -> dict:
    if os.environ.get("FAULT_POISON_ARMED"):
        os.kill(os.getpid(), signal.SIGKILL)
    return {}
