from datetime import date

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agreements.subscribers.emails import subscription_still_theirs
from notifications.kinds import email_kind
from notifications.rendering import absolute_url

RECLAIM_WARNING_KIND = "subscription_reclaim_warning"


@email_kind(
    RECLAIM_WARNING_KIND,
    label=_("Subscription to be removed unless its subscriber signs in"),
    preview={
        "first_name": "Léa",
        "customer_name": "Fabrikam Ltd",
        "level": "Visual Studio Enterprise",
        "remove_on": date(2027, 1, 15),
        "sign_in_url": absolute_url("/my-subscriptions/"),
    },
    still_holds=subscription_still_theirs,
    cancel_reason="The seat was removed or given to someone else before the email was sent.",
)
def reclaim_warning_context(context: dict) -> dict:
    return {
        "remove_on": date.fromisoformat(context["remove_on"]),
        "sign_in_url": absolute_url(reverse("my_subscriptions")),
    }
