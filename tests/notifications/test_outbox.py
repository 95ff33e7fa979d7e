import base64
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from agreements.models import PartnerLink
from notifications.models import Notification
from notifications.rendering import email_render
from notifications.services import (
    NotificationDraft,
    notification_enqueue,
    notification_enqueue_many,
)
from notifications.tasks import notification_send, notifications_send, notifications_sweep
from portal.tenancy.models import Role

from ..factories import InvitationFactory, MembershipFactory, PartnerLinkFactory, UserFactory

pytestmark = pytest.mark.django_db

PROVIDER_DOWN = "tests.notifications.backends.ProviderDownBackend"


def _enqueue(user, key="event:1", **overrides):
    return notification_enqueue(
        kind="email_verification",
        recipient=user.email,
        language=user.preferred_language,
        dedupe_key=key,
        context={"user_id": user.pk, "full_name": user.full_name},
        **overrides,
    )


def test_a_service_that_fails_after_writing_its_notification_sends_nothing(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _enqueue(user)
        raise RuntimeError("the business change failed")

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_the_same_event_recorded_twice_is_one_email(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = _enqueue(user, key="verification:42")
        second = _enqueue(user, key="verification:42")

    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def _drafts(users, key="bulk") -> list[NotificationDraft]:
    return [
        NotificationDraft(
            kind="email_verification",
            recipient=user.email,
            language=user.preferred_language,
            dedupe_key=f"{key}:{user.pk}",
            context={"user_id": user.pk, "full_name": user.full_name},
        )
        for user in users
    ]


def test_many_emails_recorded_at_once_go_once_each_even_if_recorded_again(
    django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    users = UserFactory.create_batch(30)
    _enqueue(users[0], key=f"bulk:{users[0].pk}")  # recorded earlier, one by one
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        # The known keys, the insert, and the savepoint around it (two statements).
        django_assert_max_num_queries(4),
    ):
        created = notification_enqueue_many(drafts=_drafts(users) + _drafts(users[:5]))

    assert created == 29
    assert len(callbacks) == 1, "one dispatch after the commit for them all"
    assert Notification.objects.count() == 30
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users[1:])


def test_a_batch_delivered_again_sends_only_what_was_not_sent():
    users = UserFactory.create_batch(3)
    notification_enqueue_many(drafts=_drafts(users))  # not committed: nothing sent yet
    ids = list(Notification.objects.order_by("pk").values_list("pk", flat=True))
    notification_send(ids[0])

    assert notifications_send(ids) == 2, "the broker delivers the batch after a crash"
    assert notifications_send(ids) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)


def test_many_emails_recorded_in_a_failed_change_send_nothing(django_capture_on_commit_callbacks):
    users = UserFactory.create_batch(3)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notification_enqueue_many(drafts=_drafts(users))
        raise RuntimeError("the import failed")

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_sent_notification_is_never_sent_again(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = _enqueue(user)

    assert notification_send(notification.pk) == "skipped"
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.provider_message_id, "anymail's message id is recorded"


def test_every_attempt_at_one_notification_carries_the_same_message_id(
    django_capture_on_commit_callbacks,
):
    """A resend after a crash between the server's answer and our commit is recognisably the
    same message, which mailbox providers collapse."""
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = _enqueue(user)
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.PENDING, next_attempt_at=timezone.now()
    )
    notification_send(notification.pk)

    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert first.extra_headers["Message-ID"] == f"<{notification.public_id}@portal.test>"


def test_emails_are_rendered_in_the_recipients_language_with_both_parts():
    english = email_render(kind="invitation", language="en", context={}, preview=True)
    french = email_render(kind="invitation", language="fr", context={}, preview=True)

    assert 'lang="en"' in english.html and 'lang="fr"' in french.html
    assert english.subject != french.subject
    assert "Fabrikam Ltd" in english.text and "Fabrikam Ltd" in french.html
    assert "Administrateur" in french.text, "labels are translated at render time"


@override_settings(EMAIL_BACKEND=PROVIDER_DOWN, NOTIFICATION_MAX_ATTEMPTS=3)
def test_a_provider_error_retries_with_backoff_then_marks_failed():
    notification = _enqueue(UserFactory())

    results = []
    for _attempt in range(3):
        before = timezone.now()
        results.append(notification_send(notification.pk))
        notification.refresh_from_db()
        if notification.status == Notification.Status.PENDING:
            wait = notification.next_attempt_at - before
            assert timedelta(seconds=29) < wait, "the next attempt waits"
            Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())

    assert results == ["retry", "retry", "failed"]
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 3
    assert "provider unavailable" in notification.error
    assert mail.outbox == []


def test_backoff_doubles_between_attempts(settings):
    settings.EMAIL_BACKEND = PROVIDER_DOWN
    notification = _enqueue(UserFactory())
    waits = []
    for _attempt in range(3):
        # Each attempt once it is due, as the sweeper queues it; a task arriving earlier waits.
        Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())
        notification_send(notification.pk)
        notification.refresh_from_db()
        waits.append((notification.next_attempt_at - timezone.now()).total_seconds())

    assert 25 < waits[0] < 31
    assert 55 < waits[1] < 61
    assert 115 < waits[2] < 121


def test_retry_command_delivers_a_failed_notification(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = PROVIDER_DOWN
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    notification = _enqueue(UserFactory())
    notification_send(notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED

    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notifications_retry")

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1


def test_staff_retry_failed_emails_from_the_admin(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = PROVIDER_DOWN
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    notification = _enqueue(UserFactory())
    notification_send(notification.pk)
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)

    listing = client.get(reverse("admin:notifications_notification_changelist") + "?status=failed")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:notifications_notification_changelist"),
            {"action": "retry", "_selected_action": [notification.pk]},
        )

    assert notification.recipient in listing.content.decode()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1


def test_the_sweeper_queues_due_pending_rows_and_only_those():
    user = UserFactory()
    due = _enqueue(user, key="due")
    Notification.objects.filter(pk=due.pk).update(next_attempt_at=timezone.now())
    not_yet = _enqueue(user, key="not-yet")

    queued = notifications_sweep()

    assert queued == 1
    assert Notification.objects.get(pk=due.pk).status == Notification.Status.SENT
    assert Notification.objects.get(pk=not_yet.pk).status == Notification.Status.PENDING
    assert len(mail.outbox) == 1


def _postmark_delivery(message_id: str) -> str:
    return json.dumps(
        {
            "RecordType": "Delivery",
            "MessageID": message_id,
            "Recipient": "someone@example.com",
            "DeliveredAt": "2026-11-23T10:00:00Z",
            "Details": "",
            "Tag": "",
            "ServerID": 1,
            "Metadata": {},
        }
    )


def _auth(secret: str) -> str:
    return "Basic " + base64.b64encode(secret.encode()).decode()


def test_a_tracking_webhook_with_a_bad_secret_is_refused_and_changes_nothing(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = _enqueue(UserFactory())
    notification.refresh_from_db()
    url = reverse("anymail:postmark_tracking_webhook")

    refused = Client().post(
        url,
        _postmark_delivery(notification.provider_message_id),
        content_type="application/json",
        HTTP_AUTHORIZATION=_auth("webhook-user:wrong"),
    )
    notification.refresh_from_db()
    assert refused.status_code in (400, 403)
    assert notification.status == Notification.Status.SENT

    accepted = Client().post(
        url,
        _postmark_delivery(notification.provider_message_id),
        content_type="application/json",
        HTTP_AUTHORIZATION=_auth("webhook-user:webhook-test-secret"),
    )
    notification.refresh_from_db()
    assert accepted.status_code == 200
    assert notification.status == Notification.Status.DELIVERED


def test_staff_preview_every_email_in_both_languages():
    staff = UserFactory(is_staff=True)
    client = Client()
    client.force_login(staff)

    index = client.get(reverse("notifications:preview_index")).content.decode()
    for kind in ("invitation", "email_verification", "password_reset"):
        for language in ("en", "fr"):
            url = reverse("notifications:preview", args=[kind, language])
            assert url in index
            assert client.get(url).status_code == 200


def test_email_previews_are_for_staff_only(owner_client):
    response = owner_client.get(reverse("notifications:preview_index"))
    assert response.status_code == 302


def test_admins_see_the_emails_sent_about_their_organization_only(
    owner_client, organization, other_organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ours = _enqueue(UserFactory(email="ours@example.com"), key="a", organization=organization)
        _enqueue(UserFactory(email="theirs@example.com"), key="b", organization=other_organization)
    member = MembershipFactory(organization=organization, role=Role.MEMBER).user
    member_client = Client()
    member_client.force_login(member)

    page = owner_client.get(reverse("notifications:organization_list")).content.decode()

    assert ours.recipient in page
    assert "Email address confirmation" in page
    assert "theirs@example.com" not in page
    assert member_client.get(reverse("notifications:organization_list")).status_code == 404


def test_a_notification_about_a_deleted_object_fails_without_retrying():
    invitation = InvitationFactory()
    notification = notification_enqueue(
        kind="invitation",
        recipient=invitation.email,
        language="en",
        dedupe_key="gone",
        context={"invitation_id": invitation.pk + 1000, "role_code": "member"},
    )

    assert notification_send(notification.pk) == "failed"
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 1


def test_partner_added_is_cancelled_when_the_link_was_removed_before_it_was_sent(
    django_capture_on_commit_callbacks,
):
    link = PartnerLinkFactory()
    context = {
        "agreement_id": link.agreement_id,
        "partner_name": "Contoso Partners",
        "authorization_number": "V482019301",
        "linked_by": "Bruno Petit",
    }
    with django_capture_on_commit_callbacks() as callbacks:
        removed = notification_enqueue(
            kind="partner_added",
            recipient="it@fabrikam.example",
            language="en",
            dedupe_key="partner-added:removed",
            context={**context, "link_id": link.pk},
        )
        without_link_id = notification_enqueue(
            kind="partner_added",
            recipient="it@fabrikam.example",
            language="en",
            dedupe_key="partner-added:older-row",
            context=context,
        )
    link.status, link.removed_at = PartnerLink.Status.REMOVED, timezone.now()
    link.save(update_fields=["status", "removed_at"])
    for callback in callbacks:
        callback()

    removed.refresh_from_db()
    without_link_id.refresh_from_db()
    assert removed.status == Notification.Status.CANCELLED
    assert "access was removed" in removed.cancel_reason
    assert without_link_id.status == Notification.Status.SENT, "no link id: sent as it is"
    assert len(mail.outbox) == 1
