from datetime import date

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agreements.models import Subscription
from notifications.kinds import email_kind
from notifications.rendering import absolute_url


def subscription_still_theirs(context: dict) -> bool:
    """The seat is still assigned to the person the email was written for, since the same
    assignment (not removed, not given to someone else)."""
    if "assigned_at" not in context:
        return True  # queued before emails carried what they say
    subscription = (
        Subscription.objects.assigned()
        .filter(pk=context["subscription_id"], sign_in_email__iexact=context["sign_in_email"])
        .only("assigned_at")
        .first()
    )
    return (
        subscription is not None
        and subscription.assigned_at.isoformat() == (context["assigned_at"])
    )


@email_kind(
    "subscription_assigned",
    label=_("Visual Studio subscription assigned to a subscriber"),
    preview={
        "first_name": "Léa",
        "customer_name": "Fabrikam Ltd",
        "level": "Visual Studio Enterprise",
        "expires_on": date(2028, 12, 31),
        "downloads_enabled": True,
        "sign_in_email": "lea.bernard@fabrikam.example",
        "contact_email": "it@fabrikam.example",
        "subscriptions_url": absolute_url("/my-subscriptions/"),
    },
    still_holds=subscription_still_theirs,
    cancel_reason="The seat was removed or given to someone else before the email was sent.",
)
def subscription_assigned_context(context: dict) -> dict:
    subscriptions_url = absolute_url(reverse("my_subscriptions"))
    if "assigned_at" in context:
        # What the email says was written down when it was queued (agreements.services).
        expires_on = context["expires_on"]
        return {
            "expires_on": date.fromisoformat(expires_on) if expires_on else None,
            "subscriptions_url": subscriptions_url,
        }
    subscription = Subscription.objects.select_related("agreement", "line__level").get(
        pk=context["subscription_id"]
    )
    agreement = subscription.agreement
    return {
        "first_name": subscription.first_name,
        "customer_name": agreement.customer_name,
        "level": subscription.line.level.name,
        "expires_on": agreement.ends_on,
        "downloads_enabled": subscription.downloads_enabled,
        "sign_in_email": subscription.sign_in_email,
        "contact_email": agreement.subscriber_contact_email,
        "subscriptions_url": subscriptions_url,
    }
