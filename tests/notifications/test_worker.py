"""An email queued on the real Redis broker is sent by a real worker process over SMTP."""

from email.header import decode_header, make_header

import pytest
from django.db import transaction

from notifications.models import Notification
from notifications.services import (
    NotificationDraft,
    notification_enqueue,
    notification_enqueue_many,
)

from ..factories import InvitationFactory
from ..workers import celery_worker, wait_until


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_committed_notification_is_sent_once_by_a_real_worker(smtp_inbox, broker_queue):
    port, inbox = smtp_inbox
    invitation = InvitationFactory(email="worker.test@example.com")

    with celery_worker(queue=broker_queue, extra_env={"EMAIL_URL": f"smtp://127.0.0.1:{port}"}):
        with transaction.atomic():
            notification = notification_enqueue(
                kind="invitation",
                recipient=invitation.email,
                language="en",
                dedupe_key=f"test:{invitation.public_id}",
                context={
                    "invitation_id": invitation.pk,
                    "organization_name": invitation.organization.name,
                    "inviter_name": "Ana",
                    "role_code": "member",
                },
                organization=invitation.organization,
            )
        sent = wait_until(
            lambda: Notification.objects.get(pk=notification.pk).status == Notification.Status.SENT
        )

    assert sent, "the worker did not send the notification"
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "worker.test@example.com"
    assert invitation.organization.name in message["Subject"]
    parts = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html"} <= parts
    assert Notification.objects.get(pk=notification.pk).attempts == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("recorded", ["one by one", "all at once"])
def test_two_hundred_notifications_arrive_each_exactly_once_in_their_language(
    smtp_inbox, broker_queue, recorded
):
    port, inbox = smtp_inbox
    invitation = InvitationFactory()
    languages = {f"guest{n}@example.com": ("fr" if n % 2 else "en") for n in range(200)}
    expected_subjects = {
        "en": f"You are invited to join {invitation.organization.name} on the Partner Portal",
        "fr": f"Invitation à rejoindre {invitation.organization.name} sur le Portail partenaires",
    }

    with celery_worker(
        queue=broker_queue, concurrency=2, extra_env={"EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    ):
        drafts = [
            NotificationDraft(
                kind="invitation",
                recipient=recipient,
                language=language,
                dedupe_key=f"bulk:{recipient}",
                context={
                    "invitation_id": invitation.pk,
                    "organization_name": invitation.organization.name,
                    "inviter_name": "Ana Martin",
                    "role_code": "member",
                },
            )
            for recipient, language in languages.items()
        ]
        with transaction.atomic():
            if recorded == "all at once":  # as a bulk import does: a hundred to a task
                notification_enqueue_many(drafts=drafts)
            else:
                for draft in drafts:
                    notification_enqueue(**vars(draft))
        wait_until(
            lambda: not Notification.objects.filter(status=Notification.Status.PENDING).exists(),
            timeout=120,
        )
        # Anything sent twice would arrive after the rows are marked: give it a moment.
        wait_until(lambda: len(inbox.messages) > 200, timeout=2)

    recipients = [message["To"] for message in inbox.messages]
    assert sorted(recipients) == sorted(languages), "each email arrives exactly once"
    for message in inbox.messages:
        language = languages[message["To"]]
        assert str(make_header(decode_header(message["Subject"]))) == expected_subjects[language]
        parts = {part.get_content_type() for part in message.walk()}
        assert {"text/plain", "text/html"} <= parts
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 200
