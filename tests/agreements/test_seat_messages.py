"""Seats are counted before they are asked for: the Add subscriber panel says how many each
level has left, and a workbook that needs more than are free says how many it needs."""

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import AgreementLine, Subscription, SubscriptionLevel
from agreements.subscribers.services.assignments import (
    BulkAssignError,
    SubscriberDetails,
    subscriptions_assign_bulk,
)

from ..conftest import actor_of
from ..factories import AgreementLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_levels(agreement):
    """Fabrikam's 20 Enterprise seats (3 assigned), and 2 Professional seats, both taken."""
    enterprise = agreement.lines.get()
    AgreementLine.objects.filter(pk=enterprise.pk).update(seats_assigned=3)
    professional = AgreementLineFactory(
        agreement=agreement,
        level=SubscriptionLevel.objects.exclude(pk=enterprise.level_id).first(),
        seats_purchased=2,
        seats_assigned=2,
    )
    return enterprise, professional


def test_each_level_says_its_free_seats_and_a_full_level_cannot_be_chosen(
    agreement, two_levels, customer_client
):
    enterprise, professional = two_levels

    page = customer_client.get(
        reverse("agreements:subscriber_add", args=[agreement.public_id])
    ).content.decode()

    assert f"{enterprise.level.name}: 17 of 20 seats free" in page
    assert f"{professional.level.name}: full, all 2 seats assigned" in page
    full_option = page[page.index(f'value="{professional.level.code}"') :].split(">", 1)[0]
    assert "disabled" in full_option
    assert "A full level cannot be chosen" in page


def test_the_level_a_subscriber_holds_stays_choosable_when_it_is_full(
    agreement, two_levels, customer_client
):
    _enterprise, professional = two_levels
    held = Subscription.objects.create(
        agreement=agreement,
        line=professional,
        first_name="Léa",
        last_name="Bernard",
        sign_in_email="lea.bernard@fabrikam.example",
        assigned_at=timezone.now(),
    )

    page = customer_client.get(
        reverse("agreements:subscriber_edit", args=[agreement.public_id, held.guid])
    ).content.decode()

    option = page[page.index(f'value="{professional.level.code}"') :].split(">", 1)[0]
    assert "disabled" not in option


def test_a_workbook_that_needs_more_seats_than_are_free_names_both_numbers(
    agreement, organization, super_admin
):
    line = agreement.lines.get()
    AgreementLine.objects.filter(pk=line.pk).update(seats_purchased=25, seats_assigned=16)
    rows = [
        (
            line.level,
            SubscriberDetails(
                first_name=f"Person{n}", last_name="Row", sign_in_email=f"p{n}@fabrikam.example"
            ),
        )
        for n in range(30)
    ]

    with pytest.raises(BulkAssignError) as refused:
        subscriptions_assign_bulk(
            actor=actor_of(super_admin, organization), agreement=agreement, rows=rows
        )

    errors = refused.value.errors
    assert sorted(errors) == list(range(9, 30)), "the rows past the 9 free seats"
    assert errors[9] == (
        f"This workbook asks for 30 {line.level.name} seats and 9 of the 25 bought are free: "
        "remove 21 rows of this level or buy more seats."
    )
    assert Subscription.objects.count() == 0, "all or nothing"
