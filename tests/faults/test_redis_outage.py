"""Redis stopped while people sign in, browse, assign subscriptions, invite and ask for
password resets: no page fails, the rate limits still hold (counted in PostgreSQL), and once
Redis is back, without restarting anything, every email goes out once."""

from collections import Counter

import pytest
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse

from agreements.models import Subscription
from notifications.models import Notification
from notifications.tasks import notifications_sweep
from portal.models import AttemptCount

from ..factories import PASSWORD, UserFactory
from ..workers import celery_worker, wait_until
from .conftest import worker_env

pytestmark = [pytest.mark.fault, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _subscriber(n: int) -> dict:
    return {
        "first_name": "Léa",
        "last_name": f"Bernard {n}",
        "sign_in_email": f"lea{n}@fabrikam.example",
        "notification_email": "",
        "level": "vs-enterprise",
        "downloads_enabled": "on",
        "reference": "",
        "country": "fr",
        "language": "fr",
    }


def test_redis_stopped_while_people_browse_and_assign_breaks_no_page_and_loses_no_email(
    fault_redis, smtp_server, agreement, super_admin, fault_figures, settings
):
    settings.NOTIFICATION_SWEEP_GRACE = 0
    colleague = UserFactory(email="marc.dupont@fabrikam.example")
    public_id = agreement.public_id
    pages = [
        reverse("home"),
        reverse("agreements:overview", args=[public_id]),
        reverse("agreements:subscribers", args=[public_id]),
        reverse("tenancy:members"),
        reverse("my_subscriptions"),
    ]
    responses = []

    def sign_in(email: str) -> Client:
        client = Client(raise_request_exception=False)
        responses.append(
            client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})
        )
        return client

    chloe = sign_in(super_admin.email)
    responses += [chloe.get(page) for page in pages]
    assert cache.get_or_set("probe", "up") == "up", "the cache works while Redis is up"

    fault_redis.stop()

    responses += [chloe.get(page) for page in pages]
    marc = sign_in(colleague.email)  # signing in needs no Redis either
    responses += [marc.get(reverse("home"))]
    add = reverse("agreements:subscriber_add", args=[public_id])
    assigned = [chloe.post(add, _subscriber(n)) for n in range(3)]
    invited = [
        chloe.post(
            reverse("tenancy:members"), {"email": f"new{n}@fabrikam.example", "role": "member"}
        )
        for n in range(2)
    ]
    # Past the limit (5 an hour per address), the page answers the same but sends nothing.
    resets = [
        Client(raise_request_exception=False).post(
            reverse("accounts:password_reset"), {"email": colleague.email}
        )
        for _attempt in range(7)
    ]
    responses += assigned + invited + resets
    responses += [chloe.get(page) for page in pages]
    during_outage = Counter(Notification.objects.values_list("kind", flat=True))

    fault_redis.start()  # back, and empty: nothing restarted on the portal's side

    assert cache.get("probe") is None and cache.get_or_set("probe", "back") == "back"
    caches["limits"].get("anything")  # the limits read Redis again, and say nothing is counted
    server_errors = sum(response.status_code >= 500 for response in responses)
    assert server_errors == 0
    assert [r.status_code for r in assigned + invited] == [302] * 5
    assert Subscription.objects.assigned().count() == 3, "every assignment was saved"
    assert during_outage == {"subscription_assigned": 3, "invitation": 2, "password_reset": 5}
    assert AttemptCount.objects.filter(count=7).exists(), "the limit was counted in PostgreSQL"

    pending = Notification.objects.filter(status=Notification.Status.PENDING)
    with celery_worker(queue=fault_redis.queue, extra_env=worker_env(fault_redis, smtp_server)):
        queued = notifications_sweep()  # what beat does every 30 s
        assert wait_until(lambda: not pending.exists(), timeout=60)
        assert notifications_sweep() == 0, "nothing is left to queue"

    received = smtp_server.inbox.received()
    expected = 10
    fault_figures(
        "Redis stopped while 2 people browse and assign",
        expected=expected,
        received=sum(received.values()),
        duplicated=sum(received.values()) - len(received),
        lost=expected - len(received),
        http_5xx=server_errors,
    )
    assert queued == expected
    assert sum(received.values()) == len(received) == expected
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == expected
