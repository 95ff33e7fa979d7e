"""A real Celery worker delivers, retries on its own after a 500, and stops at the 2xx."""

import pytest

from webhooks.models import WebhookDelivery

from ..workers import celery_worker, wait_until
from .conftest import endpoint_for
from .world import world_make


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_retries_a_failing_receiver_and_delivers_once(receiver, ca_bundle, broker_queue):
    receiver.answers = [500, 500]
    world = world_make()
    endpoint_for(world.boss, world.customer, receiver.url)
    env = {
        "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
        "WEBHOOKS_CA_BUNDLE": ca_bundle,
        "WEBHOOKS_RETRY_DELAYS": "1,1,1",
    }
    with celery_worker(queue=broker_queue, extra_env=env):
        world.assign("ana.martin@contoso.example")
        delivery = WebhookDelivery.objects.get()
        assert wait_until(
            lambda: (
                WebhookDelivery.objects.get(pk=delivery.pk).status
                == WebhookDelivery.Status.DELIVERED
            ),
            timeout=60,
        )
    delivery.refresh_from_db()
    assert delivery.attempts == 3
    assert [item.status for item in receiver.received] == [500, 500, 200]
    assert receiver.accepted_ids() == [delivery.event.webhook_id]
