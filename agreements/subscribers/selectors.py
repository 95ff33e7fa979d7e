from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from agreements.models import Agreement, Subscription, SubscriptionActivity


def subscriber_list(*, agreement: Agreement) -> QuerySet[Subscription]:
    """The agreement's assigned subscriptions with their level: one query for any page."""
    return Subscription.objects.assigned().filter(agreement=agreement).select_related("line__level")


def current_activity() -> QuerySet[SubscriptionActivity]:
    """The activity row of the outer subscription's current assignment, for `Exists`: a row
    about an earlier assignment of the seat says nothing about its current subscriber."""
    return SubscriptionActivity.objects.filter(  # scoping: rows of scoped subscriptions
        subscription=OuterRef("pk"), assigned_at=OuterRef("assigned_at")
    )


def subscriptions_with_activity(queryset: QuerySet[Subscription]) -> QuerySet[Subscription]:
    """Annotated with `activated_at` and `last_seen_at` of the current assignment (None:
    never activated), in the same query. Subqueries on the activity row's primary key rather
    than a join: PostgreSQL works them out for the rows of the page only, after the sort and
    the limit, where a join would be made for every subscriber of the agreement first."""
    activity = current_activity()
    return queryset.annotate(
        activated_at=Subquery(activity.values("activated_at")[:1]),
        last_seen_at=Subquery(activity.values("last_seen_at")[:1]),
    )


def subscription_get(*, agreement: Agreement, guid) -> Subscription:
    return get_object_or_404(
        subscriber_list(agreement=agreement).select_related("agreement"), guid=guid
    )


def my_subscription_list(*, user) -> QuerySet[Subscription]:
    """The subscriptions assigned to the user's (verified) sign-in email, on any agreement."""
    if not user.is_authenticated or not user.is_verified:
        return Subscription.objects.none()
    return (
        Subscription.objects.assigned()
        # LOWER() on both sides, not `iexact` (UPPER()), so the sign-in email index serves it.
        .alias(sign_in_lower=Lower("sign_in_email"))
        .filter(sign_in_lower=Lower(Value(user.email)))
        .select_related("agreement", "line__level")
        .order_by("agreement__customer_name", "line__level__sort_order")
    )
