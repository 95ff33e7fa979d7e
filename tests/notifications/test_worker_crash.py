"""A worker killed with SIGKILL in the middle of a batch: after a new worker starts and the
sweeper runs, nothing is missing and nothing arrived twice."""

import asyncio
import os
import signal
import threading
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from notifications.models import Notification
from notifications.services import notification_enqueue
from notifications.tasks import notifications_sweep

from ..factories import InvitationFactory
from ..workers import celery_worker, wait_until
from .conftest import Inbox, free_port


class GatedInbox(Inbox):
    """Accepts the first `open_for` messages, then leaves every further DATA unanswered until
    the gate opens. A held message is answered 451 and not kept: like any SMTP server, the
    inbox owns a message only once it has acknowledged it with 250."""

    def __init__(self, open_for: int):
        super().__init__()
        self.open_for = open_for
        self.held = 0
        self.gate = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if len(self.messages) >= self.open_for and not self.gate.is_set():
            self.held += 1
            while not self.gate.is_set():
                await asyncio.sleep(0.01)
            return "451 4.3.0 Not accepted, try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def gated_inbox():
    inbox = GatedInbox(open_for=15)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    inbox.gate.set()
    controller.stop()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(
    gated_inbox, broker_queue, settings
):
    port, inbox = gated_inbox
    # Pending rows are due for the sweeper at once instead of after a minute.
    settings.NOTIFICATION_SWEEP_GRACE = 0
    invitation = InvitationFactory()
    recipients = [f"crash{n}@example.com" for n in range(60)]
    worker_env = {
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        # A claim outlives the hard time limit; both short, so the test need not wait long.
        "CELERY_TASK_SOFT_TIME_LIMIT": "6",
        "CELERY_TASK_TIME_LIMIT": "8",
        "NOTIFICATION_CLAIM_LEASE": "10",
    }

    with transaction.atomic():
        for recipient in recipients:
            notification_enqueue(
                kind="invitation",
                recipient=recipient,
                language="en",
                dedupe_key=f"crash:{recipient}",
                context={
                    "invitation_id": invitation.pk,
                    "organization_name": invitation.organization.name,
                    "inviter_name": "Ana Martin",
                    "role_code": "member",
                },
            )

    with celery_worker(queue=broker_queue, concurrency=2, extra_env=worker_env) as worker:
        # Both pool processes are waiting for the server's answer to a message, each holding
        # its row lock, with more tasks prefetched and unacknowledged: kill them all there.
        assert wait_until(lambda: inbox.held == 2), "the worker never reached the gate"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    inbox.gate.set()

    statuses = Counter(Notification.objects.values_list("status", flat=True))
    assert len(inbox.messages) == 15
    assert statuses == {Notification.Status.SENT: 15, Notification.Status.PENDING: 45}, (
        "every acknowledged message is recorded as sent, and nothing else is"
    )

    claimed = Notification.objects.filter(claimed_at__isnull=False)
    assert claimed.count() == 2, "the two emails in flight were claimed before the server saw them"

    def all_sent_after_a_sweep() -> bool:
        # What beat does every 30 s; the dead worker's tasks stay unacknowledged on the broker,
        # and its two claims are swept once their lease has run out.
        notifications_sweep()
        return not Notification.objects.exclude(status=Notification.Status.SENT).exists()

    with celery_worker(queue=broker_queue, concurrency=2, extra_env=worker_env):
        assert wait_until(all_sent_after_a_sweep, timeout=60, interval=1.0)

    received = Counter(message["To"] for message in inbox.messages)
    assert set(received) == set(recipients), "nothing is missing"
    assert max(received.values()) == 1, "nothing arrived twice"
    message_ids = [message["Message-ID"] for message in inbox.messages]
    assert len(set(message_ids)) == len(recipients)
    assert Notification.objects.filter(possible_duplicate=True).count() == 2, (
        "the two lost attempts had an unknown outcome: their second copy says it may be one"
    )
