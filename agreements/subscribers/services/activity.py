"""Activation and last seen: a subscriber opening their subscriptions records both."""

from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from agreements.models import Subscription

# Last seen is kept to this precision, so a subscriber reloading their page writes nothing.
SEEN_PRECISION = timedelta(minutes=15)


def subscriptions_seen(
    *, user, subscriptions: list[Subscription], now: datetime | None = None
) -> None:
    """The user opened these subscriptions of theirs (as `my_subscription_list` gave them):
    each is activated if it was not for its current assignment, and seen now. One query at
    most, however many subscriptions."""
    now = now or timezone.now()
    stale = [
        subscription
        for subscription in subscriptions
        if subscription.assigned_at is not None
        and subscription.sign_in_email.casefold() == user.email.casefold()
        and (subscription.last_seen_at is None or now - subscription.last_seen_at >= SEEN_PRECISION)
    ]
    if not stale:
        return
    # Each seat as it was read: one given to someone else meanwhile (its assigned_at moved) is
    # not theirs to activate. A second tab's activation stays: its time is as good as ours.
    same_assignment = reduce(or_, (Q(pk=seat.pk, assigned_at=seat.assigned_at) for seat in stale))
    Subscription.objects.filter(same_assignment).update(  # scoping: the user's own seats
        activated_at=Coalesce("activated_at", Value(now)), last_seen_at=now
    )
