"""Activation and last seen: a subscriber opening their subscriptions records both."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from agreements.models import Subscription, SubscriptionActivity

# Last seen is kept to this precision, so a subscriber reloading their page writes nothing.
SEEN_PRECISION = timedelta(minutes=15)


def subscriptions_seen(
    *, user, subscriptions: list[Subscription], now: datetime | None = None
) -> None:
    """The user opened these subscriptions of theirs (as `my_subscription_list` gave them):
    each is activated if it was not for its current assignment, and seen now. At most four
    queries, however many subscriptions."""
    now = now or timezone.now()
    mine = [
        subscription
        for subscription in subscriptions
        if subscription.assigned_at is not None
        and subscription.sign_in_email.casefold() == user.email.casefold()
    ]
    if not mine:
        return
    known = {
        activity.subscription_id: activity
        for activity in SubscriptionActivity.objects.filter(  # scoping: the user's own seats
            subscription__in=[subscription.pk for subscription in mine]
        )
    }
    fresh, changed = [], []
    activated: list[int] = []  # the seats opened for the first time by their subscriber
    for subscription in mine:
        assigned_at = subscription.assigned_at
        assert assigned_at is not None  # `mine` holds assigned seats only
        activity = known.get(subscription.pk)
        if activity is None:
            activated.append(subscription.pk)
            fresh.append(
                SubscriptionActivity(
                    subscription=subscription,
                    assigned_at=assigned_at,
                    activated_at=now,
                    last_seen_at=now,
                )
            )
        elif activity.assigned_at != assigned_at:
            # The seat went to someone else since: this is the new subscriber's first time.
            activated.append(subscription.pk)
            activity.assigned_at = assigned_at
            activity.activated_at = activity.last_seen_at = now
            changed.append(activity)
        elif now - activity.last_seen_at >= SEEN_PRECISION:
            activity.last_seen_at = now
            changed.append(activity)
    if not (fresh or changed):
        return
    with transaction.atomic():
        # A second tab may have created the row meanwhile: its time is as good as ours.
        SubscriptionActivity.objects.bulk_create(fresh, ignore_conflicts=True)
        SubscriptionActivity.objects.bulk_update(
            changed, ["assigned_at", "activated_at", "last_seen_at"]
        )
        if activated:
            _seats_mark_activated(activated)


def _seats_mark_activated(subscription_ids: list[int]) -> None:
    """The seats' flag, for those whose activity row is about their current assignment: a
    seat given to someone else meanwhile stays not activated."""
    current = SubscriptionActivity.objects.filter(  # scoping: the user's own seats
        subscription=OuterRef("pk"), assigned_at=OuterRef("assigned_at")
    )
    Subscription.objects.filter(  # scoping: the user's own seats
        pk__in=subscription_ids, is_activated=False
    ).filter(Exists(current)).update(is_activated=True)
