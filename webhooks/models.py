"""Webhook endpoints of an organization, and the outbox of events delivered to them."""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .events import EventType

if TYPE_CHECKING:
    from portal.tenancy.context import Actor


class WebhookEndpointQuerySet(models.QuerySet["WebhookEndpoint"]):
    def visible_to(self, actor: "Actor") -> "WebhookEndpointQuerySet":
        """An organization's endpoints, to its administrators only."""
        if actor.organization is None or not actor.can_manage_organization:
            return self.none()
        return self.filter(organization=actor.organization)


class WebhookEndpoint(models.Model):
    """A URL of an organization's that is told, signed, of the events it chose."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    # Kept readable: each delivery is signed with it (Standard Webhooks, "whsec_" + base64).
    secret = models.CharField(max_length=64)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url

    def event_labels(self) -> list[str]:
        labels = dict(EventType.choices)
        return [str(labels.get(event, event)) for event in self.events]


class WebhookEvent(models.Model):
    """Something that happened, as one organization's endpoints are told it. Written in the
    transaction of the change, with the body as it is sent, so that every attempt (and a
    Redeliver) carries the same bytes and the same id."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="webhook_events"
    )
    type = models.CharField(max_length=64, choices=EventType.choices)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"

    @property
    def webhook_id(self) -> str:
        """The `webhook-id` header: receivers recognise a repeat by it."""
        return f"msg_{self.public_id.hex}"


class WebhookDeliveryQuerySet(models.QuerySet["WebhookDelivery"]):
    def visible_to(self, actor: "Actor") -> "WebhookDeliveryQuerySet":
        return self.filter(endpoint__in=WebhookEndpoint.objects.visible_to(actor))

    def due(self) -> "WebhookDeliveryQuerySet":
        return self.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        )


class WebhookDelivery(models.Model):
    """One event to one endpoint: tried until the endpoint answers 2xx, with backoff, and
    then never sent again unless someone asks (Redeliver)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When it is next due; while an attempt is under way, when that attempt's lease ends.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # The attempt under way, committed before the request is made.
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                "event", "endpoint", name="%(app_label)s_%(class)s_once_per_endpoint"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint} ({self.status})"

    @property
    def in_flight(self) -> bool:
        """An attempt holds it now (its lease has not run out)."""
        return self.claimed_at is not None and self.next_attempt_at > timezone.now()


class WebhookAttempt(models.Model):
    """One request to an endpoint and what it answered: the delivery log."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # The first bytes of the answer (the rest is read up to a cap and dropped).
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    # Asked for from the endpoint's page (Redeliver), not one of the automatic tries.
    manual = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
