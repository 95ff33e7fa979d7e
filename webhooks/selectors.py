from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from portal.tenancy.context import Actor

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

# Deliveries an endpoint's page lists, newest first.
LOG_LENGTH = 50


def webhook_endpoint_list(*, actor: Actor) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.visible_to(actor).annotate(
        failing=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED))
    )


def webhook_endpoint_get(*, actor: Actor, public_id) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.visible_to(actor), public_id=public_id)


def webhook_delivery_log(*, endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, each with its latest attempt (`last_attempt`)."""
    deliveries = list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .order_by("-created_at", "-id")[:LOG_LENGTH]
    )
    latest: dict[int, WebhookAttempt] = {}
    for attempt in WebhookAttempt.objects.filter(delivery__in=deliveries).order_by(
        "delivery_id", "-started_at", "-id"
    ):
        latest.setdefault(attempt.delivery_id, attempt)
    for delivery in deliveries:
        delivery.last_attempt = latest.get(delivery.pk)  # type: ignore[attr-defined]
    return deliveries


def webhook_delivery_get(*, actor: Actor, public_id) -> WebhookDelivery:
    return get_object_or_404(
        WebhookDelivery.objects.visible_to(actor).select_related("event", "endpoint"),
        public_id=public_id,
    )


def webhook_attempt_list(*, delivery: WebhookDelivery) -> QuerySet[WebhookAttempt]:
    return WebhookAttempt.objects.filter(delivery=delivery)
