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

from agreements.models import Subscription
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


def _fresh(seat: Subscription) -> Subscription:
    seat.refresh_from_db()
    return seat


def test_opening_my_subscriptions_activates_them_and_records_last_seen():
    user = UserFactory(email="ada@fabrikam.example")
    seat = _seat("ADA@fabrikam.example", timezone.now() - timedelta(days=3))
    client = Client()
    client.force_login(user)

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        opened = timezone.now()
        assert client.get(reverse("my_subscriptions")).status_code == 200
        assert _fresh(seat).activated_at == seat.last_seen_at == opened

        traveller.shift(timedelta(days=2))
        client.get(reverse("my_subscriptions"))

    assert _fresh(seat).activated_at == opened
    assert seat.last_seen_at == opened + timedelta(days=2)


def test_a_reload_within_the_precision_writes_nothing(django_assert_num_queries):
    user = UserFactory(email="ada@fabrikam.example")
    seat = _seat(user.email, timezone.now())
    subscriptions_seen(user=user, subscriptions=[seat])
    first = _fresh(seat).last_seen_at
    assert first is not None

    with django_assert_num_queries(0):
        subscriptions_seen(user=user, subscriptions=[seat], now=first + SEEN_PRECISION / 2)

    assert _fresh(seat).last_seen_at == first


def test_a_page_read_before_the_seat_went_to_someone_else_does_not_activate_it_for_them():
    ada = UserFactory(email="ada@fabrikam.example")
    seat = _seat(ada.email, timezone.now() - timedelta(days=200))
    adas_page = list(Subscription.objects.filter(pk=seat.pk))  # read, then the seat moves
    reassigned = timezone.now() - timedelta(days=10)
    Subscription.objects.filter(pk=seat.pk).update(
        sign_in_email="bob@fabrikam.example", assigned_at=reassigned, last_assigned_at=reassigned
    )

    subscriptions_seen(user=ada, subscriptions=adas_page)

    assert (_fresh(seat).activated_at, seat.last_seen_at) == (None, None)
    subscriptions_seen(user=UserFactory(email="bob@fabrikam.example"), subscriptions=[seat])
    assert _fresh(seat).activated_at is not None
    assert seat.activated_at > reassigned


def test_someone_else_s_subscription_is_not_activated_by_a_caller_passing_it():
    seat = _seat("ada@fabrikam.example", timezone.now())

    subscriptions_seen(user=UserFactory(email="eve@fabrikam.example"), subscriptions=[seat])

    assert (_fresh(seat).activated_at, seat.last_seen_at) == (None, None)


def test_a_second_tab_keeps_the_first_activation_and_moves_last_seen():
    user = UserFactory(email="ada@fabrikam.example")
    seat = _seat(user.email, timezone.now() - timedelta(days=1))
    first_tab = list(Subscription.objects.filter(pk=seat.pk))
    opened = timezone.now() - timedelta(hours=2)
    subscriptions_seen(user=user, subscriptions=[seat], now=opened)

    subscriptions_seen(user=user, subscriptions=first_tab, now=opened + timedelta(hours=1))

    assert _fresh(seat).activated_at == opened
    assert seat.last_seen_at == opened + timedelta(hours=1)


def test_the_first_opening_of_many_subscriptions_costs_as_many_queries_as_of_a_few():
    def first_opening(count: int) -> int:
        user = UserFactory()
        seats = [_seat(user.email, timezone.now()) for _ in range(count)]
        with CaptureQueriesContext(connection) as queries:
            subscriptions_seen(user=user, subscriptions=seats)
        opened = Subscription.objects.filter(pk__in=[seat.pk for seat in seats])
        assert opened.filter(activated_at__isnull=False).count() == count
        return len(queries)

    assert first_opening(3) == first_opening(60) == 1


def _activated(seat: Subscription) -> bool:
    """In the database: the seat's current subscriber has opened it (and was seen then)."""
    seat = _fresh(seat)
    assert (seat.activated_at is None) == (seat.last_seen_at is None)
    return seat.activated_at is not None


def test_activation_follows_assignments_openings_reassignments_and_removals():
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
        assert not _activated(seat)
        subscriptions_seen(user=ada, subscriptions=[seat])
        assert _activated(seat)

        traveller.shift(timedelta(days=100))  # past the 90-day rule: the seat may change hands
        seat = subscription_update(
            actor=actor,
            subscription=seat,
            level=line.level,
            details=SubscriberDetails(first_name="Bob", last_name="M", sign_in_email=bob.email),
        )
        assert not _activated(seat)
        # Ada's old page, opened again, activates nothing for Bob.
        subscriptions_seen(user=ada, subscriptions=[seat])
        assert not _activated(seat)
        subscriptions_seen(user=bob, subscriptions=[seat])
        assert _activated(seat)

        subscriptions_remove(actor=actor, agreement=agreement, subscriptions=[seat])
        assert not _activated(seat)

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
    assert not any(_activated(row) for row in created)
    assert not Subscription.objects.filter(activated_at__isnull=False).exists()
