"""Email backends that stand in for a provider having a bad minute."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class ProviderDownBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("provider unavailable")
