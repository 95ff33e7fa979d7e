"""Webhook deliveries to a real HTTPS receiver: signed, retried until it answers, never sent
again once it has."""

import json
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.services import webhook_deliver, webhooks_due_dispatch

from .conftest import endpoint_for
from .world import world_make

pytestmark = pytest.mark.django_db


def _sweep_later(seconds: float = 3600) -> None:
    """Run the sweeper as it would run once the retry is due."""
    with time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=True):
        webhooks_due_dispatch()


def test_an_assignment_reaches_the_receiver_signed_with_the_endpoint_secret(
    receiver, django_capture_on_commit_callbacks
):
    world = world_make()
    endpoint = endpoint_for(world.boss, world.customer, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        world.assign("ana.martin@contoso.example")

    [request] = receiver.received
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "subscription.assigned"
    assert payload["organization"] == str(world.customer.public_id)
    assert payload["data"]["agreement"]["id"] == str(world.agreement.public_id)
    assert [s["sign_in_email"] for s in payload["data"]["subscribers"]] == [
        "ana.martin@contoso.example"
    ]
    assert request.headers["webhook-id"] == payload["id"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempt_log.get().status_code == 200


def test_a_tampered_body_or_another_secret_fails_verification(
    receiver, django_capture_on_commit_callbacks
):
    from standardwebhooks.webhooks import WebhookVerificationError

    world = world_make()
    endpoint = endpoint_for(world.boss, world.customer, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        world.assign("ana.martin@contoso.example")
    [request] = receiver.received
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(request.body.replace(b"ana", b"eve"), request.headers)
    other = endpoint_for(world.boss, world.customer, receiver.url + "/other")
    with pytest.raises(WebhookVerificationError):
        Webhook(other.secret).verify(request.body, request.headers)


def test_a_change_that_rolls_back_sends_nothing(receiver, django_capture_on_commit_callbacks):
    world = world_make()
    endpoint_for(world.boss, world.customer, receiver.url)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        world.assign("ana.martin@contoso.example")
        raise RuntimeError("the request failed after the assignment")
    assert not WebhookEvent.objects.exists()
    assert receiver.received == []


def test_a_receiver_answering_500_is_tried_again_and_delivered_once_it_answers(
    receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500, 503]
    receiver.body = b'{"error": "database down"}'
    world = world_make()
    endpoint_for(world.boss, world.customer, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        world.assign("ana.martin@contoso.example")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.last_status_code == 500
    assert delivery.next_attempt_at > timezone.now()
    assert "database down" in delivery.attempt_log.get().response_excerpt

    webhooks_due_dispatch()  # not due yet: nothing is sent
    assert len(receiver.received) == 1
    _sweep_later()
    _sweep_later(2 * 3600)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert [item.status for item in receiver.received] == [500, 503, 200]
    assert len({item.headers["webhook-id"] for item in receiver.received}) == 1

    _sweep_later(4 * 3600)  # delivered: never sent again
    assert len(receiver.received) == 3
    assert receiver.accepted_ids() == [delivery.event.webhook_id]


def test_a_receiver_that_is_down_gets_the_event_when_it_is_back(
    receiver_server, django_capture_on_commit_callbacks
):
    receiver = receiver_server.receiver
    world = world_make()
    endpoint_for(world.boss, world.customer, receiver.url)
    receiver_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        world.assign("ana.martin@contoso.example")
    delivery = WebhookDelivery.objects.get()
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None and attempt.error
    assert delivery.status == WebhookDelivery.Status.PENDING

    receiver_server.start()  # the same port
    _sweep_later()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert receiver.accepted_ids() == [delivery.event.webhook_id]


def test_a_slow_receiver_times_out_and_is_delivered_to_once_it_is_quick(
    receiver, django_capture_on_commit_callbacks
):
    receiver.answers = ["slow"]
    receiver.slow_seconds = 2.5
    receiver.sender_timeout = 1.0  # WEBHOOKS_READ_TIMEOUT in the test settings
    world = world_make()
    endpoint_for(world.boss, world.customer, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        world.assign("ana.martin@contoso.example")
    delivery = WebhookDelivery.objects.get()
    first = delivery.attempt_log.get()
    assert first.status_code is None
    assert "timed out" in first.error.lower() or "timeout" in first.error.lower()

    _sweep_later()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    # The late 200 reached no one: the portal counted the first try failed and sent again.
    # Receivers see one accepted delivery per event id (and can dedupe on webhook-id).
    assert receiver.accepted_ids() == [delivery.event.webhook_id]


def test_two_workers_on_one_delivery_send_it_once(receiver):
    """Both tasks run at once (a redelivered broker message, or the sweeper racing the
    first task): the claim lets one through."""
    receiver.answers = ["slow"]
    receiver.slow_seconds = 0.5
    world = world_make()
    endpoint_for(world.boss, world.customer, receiver.url)
    world.assign("ana.martin@contoso.example")  # in the test's transaction: not sent yet
    delivery = WebhookDelivery.objects.get()
    assert receiver.received == []
    outcomes = [webhook_deliver(delivery_id=delivery.pk), webhook_deliver(delivery_id=delivery.pk)]
    assert outcomes == ["delivered", "skipped"]
    assert len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_in_threads_send_once(receiver):
    receiver.answers = ["slow"]
    receiver.slow_seconds = 0.5
    world = world_make()
    endpoint_for(world.boss, world.customer, receiver.url)
    world.assign("ana.martin@contoso.example")
    # Committed: on_commit sent it in-process already; make it due again, as if lost.
    WebhookDelivery.objects.update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(), claimed_at=None
    )
    received_before = len(receiver.received)
    delivery = WebhookDelivery.objects.get()
    outcomes = []

    def attempt():
        from django.db import connection

        outcomes.append(webhook_deliver(delivery_id=delivery.pk))
        connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["delivered", "skipped", "skipped", "skipped"]
    assert len(receiver.received) == received_before + 1


def test_a_large_answer_is_read_up_to_the_cap_and_kept_short(
    receiver, django_capture_on_commit_callbacks
):
    receiver.body = b"x" * (2 * 1024 * 1024)
    world = world_make()
    endpoint_for(world.boss, world.customer, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        world.assign("ana.martin@contoso.example")
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 200
    assert len(attempt.response_excerpt) == 2000


def test_after_the_last_retry_the_delivery_is_failed_and_redeliver_sends_it_again(
    receiver, settings, django_capture_on_commit_callbacks
):
    from webhooks.services import webhook_redeliver

    from ..conftest import actor_of

    settings.WEBHOOKS_RETRY_DELAYS = [1, 1]
    receiver.then = 500
    world = world_make()
    endpoint_for(world.boss, world.customer, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        world.assign("ana.martin@contoso.example")
    _sweep_later(10)
    _sweep_later(20)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == 3
    _sweep_later(3600)
    assert len(receiver.received) == 3

    receiver.then = 200
    with django_capture_on_commit_callbacks(execute=True):
        webhook_redeliver(actor=actor_of(world.boss, world.customer), delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert WebhookAttempt.objects.filter(delivery=delivery, manual=True).count() == 1
    assert len({item.headers["webhook-id"] for item in receiver.received}) == 1
    body = json.loads(receiver.received[-1].body)
    assert body["id"] == delivery.event.webhook_id
