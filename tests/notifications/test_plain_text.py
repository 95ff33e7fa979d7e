"""Plain text is not HTML: subjects and text parts say a name exactly as written, the HTML
part escapes it, and no name can add a header."""

import pytest
from django.core import mail

from notifications.rendering import email_render
from notifications.services import notification_enqueue

pytestmark = pytest.mark.django_db

NAME = "D'Arcy & Jo <b>"
INJECTION = "Fabrikam\r\nBcc: evil@example.com"


def _render(customer_name: str):
    return email_render(
        kind="partner_removed",
        language="en",
        context={
            "customer_name": customer_name,
            "partner_name": "Contoso & Sons",
            "authorization_number": "V1",
        },
    )


def test_subject_and_text_say_names_as_written_and_html_escapes_them():
    email = _render(NAME)

    assert email.subject == "D'Arcy & Jo <b> removed your access to Open License V1"
    assert "D'Arcy & Jo <b> removed the access of Contoso & Sons" in email.text
    assert "&#x27;" not in email.text and "&amp;" not in email.text
    assert "D&#x27;Arcy &amp; Jo &lt;b&gt;" in email.html
    assert "<b>" not in email.html


def test_a_name_cannot_add_a_header(django_capture_on_commit_callbacks):
    assert "\n" not in _render(INJECTION).subject

    with django_capture_on_commit_callbacks(execute=True):
        notification_enqueue(
            kind="partner_removed",
            recipient="bruno@contoso.example",
            language="en",
            dedupe_key="plain-text-injection",
            context={
                "customer_name": INJECTION,
                "partner_name": "Contoso",
                "authorization_number": "V1",
            },
        )

    [message] = mail.outbox
    assert message.bcc == []
    assert message.subject.startswith("Fabrikam Bcc: evil@example.com removed your access")
    headers = message.message().as_bytes().split(b"\n\n", 1)[0].splitlines()
    assert not any(line.startswith(b"Bcc:") for line in headers), "no header of the name's"
