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


def _flag_agrees_with_activity(seat: Subscription) -> bool:
    """The seat's is_activated flag says what its activity row says of the current
    assignment (the command center counts by the flag; the grid and reclaim read the row)."""
    seat.refresh_from_db()
    activity = SubscriptionActivity.objects.filter(subscription=seat).first()
    opened = (
        seat.assigned_at is not None
        and activity is not None
        and activity.assigned_at == seat.assigned_at
    )
    return seat.is_activated == opened


def test_the_activated_flag_follows_assignments_openings_reassignments_and_removals():
    from agreements.subscribers.services.assignments import (
        subscription_assign,
        subscription_update,
        subscriptions_assign_bulk,
        subscriptions_remove,
    )
    from agreements.subscribers.services.seats import SubscriberDetails

    from ..conftest import actor_of
    from ..factories import AgreementAdminFactory, MembershipFactory, OrganizationFactory

    customer = OrganizationFactory(is_customer=True)
    boss = UserFactory()
    MembershipFactory(organization=customer, user=boss, role="owner")
    line = AgreementLineFactory(agreement__customer_organization=customer, seats_purchased=5)
    agreement = line.agreement
    AgreementAdminFactory(agreement=agreement, user=boss)
    actor = actor_of(boss, customer)
    ada = UserFactory(email="ada@fabrikam.example")
    bob = UserFactory(email="bob@fabrikam.example")

    with time_machine.travel(timezone.now() - timedelta(days=120), tick=False) as traveller:
        seat = subscription_assign(
            actor=actor,
            agreement=agreement,
            level=line.level,
            details=SubscriberDetails(first_name="Ada", last_name="L", sign_in_email=ada.email),
        )
        assert not seat.is_activated and _flag_agrees_with_activity(seat)
        subscriptions_seen(user=ada, subscriptions=[seat])
        assert seat.is_activated is False  # the in-memory row; the database says:
        assert _flag_agrees_with_activity(seat) and seat.is_activated

        traveller.shift(timedelta(days=100))  # past the 90-day rule: the seat may change hands
        seat = subscription_update(
            actor=actor,
            subscription=seat,
            level=line.level,
            details=SubscriberDetails(first_name="Bob", last_name="M", sign_in_email=bob.email),
        )
        assert _flag_agrees_with_activity(seat) and not seat.is_activated
        # Ada's old page, opened again, activates nothing for Bob.
        subscriptions_seen(user=ada, subscriptions=[seat])
        assert _flag_agrees_with_activity(seat) and not seat.is_activated
        subscriptions_seen(user=bob, subscriptions=[seat])
        assert _flag_agrees_with_activity(seat) and seat.is_activated

        subscriptions_remove(actor=actor, agreement=agreement, subscriptions=[seat])
        assert _flag_agrees_with_activity(seat) and not seat.is_activated

        # An assignment is told apart from the last one by its time.
        traveller.shift(timedelta(seconds=1))
        created = subscriptions_assign_bulk(
            actor=actor,
            agreement=agreement,
            rows=[
                (line.level, SubscriberDetails(first_name="C", last_name="D", sign_in_email=e))
                for e in ("c@fabrikam.example", "bob@fabrikam.example")
            ],
        )
    assert all(_flag_agrees_with_activity(row) for row in created)
    assert not Subscription.objects.filter(is_activated=True).exists()
