from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from agreements.models import Agreement, Subscription


def subscriber_list(*, agreement: Agreement) -> QuerySet[Subscription]:
    """The agreement's assigned subscriptions with their level: one query for any page."""
    return Subscription.objects.assigned().filter(agreement=agreement).select_related("line__level")


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
