"""The worker keeps one email session open across emails, and reopens one the server closed."""

import socket

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from notifications.models import Notification
from notifications.services import notification_enqueue
from notifications.tasks import email_connection, notification_send

from ..factories import UserFactory
from .conftest import Inbox, free_port

pytestmark = pytest.mark.django_db


class SessionCountingInbox(Inbox):
    def __init__(self):
        super().__init__()
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses


@pytest.fixture
def smtp_server(settings):
    inbox = SessionCountingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    email_connection.close()
    controller.stop()


def _pending(count: int) -> list[int]:
    ids = []
    with transaction.atomic():
        for n in range(count):
            user = UserFactory()
            ids.append(
                notification_enqueue(
                    kind="email_verification",
                    recipient=user.email,
                    language="en",
                    dedupe_key=f"connection:{n}",
                    context={"user_id": user.pk, "full_name": user.full_name},
                ).pk
            )
    return ids


def test_one_smtp_session_carries_every_email_a_worker_sends(smtp_server):
    for pk in _pending(3):
        assert notification_send.run(pk) == "sent"

    assert len(smtp_server.messages) == 3
    assert smtp_server.sessions == 1


def test_a_session_the_server_closed_is_reopened_and_the_email_still_goes_once(smtp_server):
    first, second = _pending(2)
    notification_send.run(first)
    # The server (or a proxy) drops the idle session between two emails.
    email_connection._backend.connection.sock.shutdown(socket.SHUT_RDWR)

    assert notification_send.run(second) == "sent"

    assert [m["To"] for m in smtp_server.messages].count(
        Notification.objects.get(pk=second).recipient
    ) == 1
    assert len(smtp_server.messages) == 2
    assert smtp_server.sessions == 2
    assert Notification.objects.get(pk=second).attempts == 1
