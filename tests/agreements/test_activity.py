"""Activation and last seen: a subscriber opening My subscriptions records both, for the
seat's current assignment only."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import Subscription, SubscriptionActivity
from agreements.subscribers.services.activity import SEEN_PRECISION, subscriptions_seen

from ..factories import AgreementLineFactory, UserFactory

pytestmark = pytest.mark.django_db


def _seat(email: str, assigned_at) -> Subscription:
    line = AgreementLineFactory(seats_purchased=5, seats_assigned=1)
    return Subscription.objects.create(
        agreement=line.agreement,
        line=line,
        first_name="Ada",
        sign_in_email=email,
        assigned_at=assigned_at,
        last_assigned_at=assigned_at,
        last_assignee_email=email,
    )


def test_opening_my_subscriptions_activates_them_and_records_last_seen():
    user = UserFactory(email="ada@fabrikam.example")
    seat = _seat("ADA@fabrikam.example", timezone.now() - timedelta(days=3))
    client = Client()
    client.force_login(user)

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        opened = timezone.now()
        assert client.get(reverse("my_subscriptions")).status_code == 200
        activity = SubscriptionActivity.objects.get(subscription=seat)
        assert activity.activated_at == activity.last_seen_at == opened

        traveller.shift(timedelta(days=2))
        client.get(reverse("my_subscriptions"))

    activity.refresh_from_db()
    assert activity.activated_at == opened
    assert activity.last_seen_at == opened + timedelta(days=2)


def test_a_reload_within_the_precision_writes_nothing(django_assert_num_queries):
    user = UserFactory(email="ada@fabrikam.example")
    seat = _seat(user.email, timezone.now())
    subscriptions_seen(user=user, subscriptions=[seat])
    first = SubscriptionActivity.objects.get().last_seen_at

    with django_assert_num_queries(1):  # the read; nothing written
        subscriptions_seen(user=user, subscriptions=[seat], now=first + SEEN_PRECISION / 2)

    assert SubscriptionActivity.objects.get().last_seen_at == first


def test_a_seat_given_to_someone_else_is_not_activated_for_them_until_they_open_it():
    ada = UserFactory(email="ada@fabrikam.example")
    seat = _seat(ada.email, timezone.now() - timedelta(days=200))
    subscriptions_seen(user=ada, subscriptions=[seat], now=timezone.now() - timedelta(days=150))

    reassigned = timezone.now() - timedelta(days=10)
    Subscription.objects.filter(pk=seat.pk).update(
        sign_in_email="bob@fabrikam.example", assigned_at=reassigned, last_assigned_at=reassigned
    )
    seat.refresh_from_db()
    activity = SubscriptionActivity.objects.get()
    assert activity.assigned_at != seat.assigned_at, "the old row says nothing about Bob"

    bob = UserFactory(email="bob@fabrikam.example")
    subscriptions_seen(user=bob, subscriptions=[seat])

    activity.refresh_from_db()
    assert activity.assigned_at == reassigned
    assert activity.activated_at > reassigned


def test_someone_else_s_subscription_is_not_activated_by_a_caller_passing_it():
    seat = _seat("ada@fabrikam.example", timezone.now())

    subscriptions_seen(user=UserFactory(email="eve@fabrikam.example"), subscriptions=[seat])

    assert not SubscriptionActivity.objects.exists()


def test_the_first_opening_of_many_subscriptions_costs_as_many_queries_as_of_a_few():
    def first_opening(count: int) -> int:
        user = UserFactory()
        seats = [_seat(user.email, timezone.now()) for _ in range(count)]
        with CaptureQueriesContext(connection) as queries:
            subscriptions_seen(user=user, subscriptions=seats)
        assert SubscriptionActivity.objects.filter(subscription__in=seats).count() == count
        return len(queries)

    assert first_opening(3) == first_opening(60)
