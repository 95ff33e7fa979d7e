import re

from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

NEW_PASSWORD = "a-different-long-passphrase-42"


def link_in(message) -> str:
    """The path of the one portal link in an email's text part, ready for the test client."""
    base = re.escape(settings.PORTAL_BASE_URL)
    paths = re.findall(rf"{base}(/accounts/\S+)", message.body)
    assert len(paths) == 1, message.body
    return paths[0]


def html_part(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def sign_in(client, *, email: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})
