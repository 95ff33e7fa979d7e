"""Fixtures for tests that run a real worker: an SMTP inbox and a private broker queue."""

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler


class Inbox(MessageHandler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_inbox():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()
