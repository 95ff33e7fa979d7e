import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import email_kind_get

if TYPE_CHECKING:
    from portal.tenancy.context import Actor


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor") -> "NotificationQuerySet":
        """The emails sent about the actor's current organization and its agreements."""
        if actor.organization is None:
            return self.none()
        return self.filter(organization=actor.organization)

    def due(self) -> "NotificationQuerySet":
        """Pending rows whose task should have sent them by now: the sweeper queues them.
        A row claimed by a send is due again only once the claim's lease has run out."""
        return self.filter(status=Notification.Status.PENDING, next_attempt_at__lte=timezone.now())

    def retryable(self) -> "NotificationQuerySet":
        """Rows staff may send again: failed ones, and pending ones whose last attempt failed."""
        return self.filter(
            models.Q(status=Notification.Status.FAILED)
            | (models.Q(status=Notification.Status.PENDING) & ~models.Q(error=""))
        )


class Notification(models.Model):
    """One email in the outbox, written in the same transaction as the change it reports."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DELIVERED = "delivered", _("Delivered")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")
        # What it announced no longer held when it was to be sent (see `cancel_reason`).
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=64)
    # The event, the object and the recipient: recording the same event twice is one email.
    dedupe_key = models.CharField(max_length=255, unique=True)
    recipient = models.EmailField()
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    # Only what the template needs and may be kept; secrets (links with tokens) are derived
    # when the email is rendered, never stored here.
    context = models.JSONField(default=dict, blank=True)
    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # What the email is about, for the lists that show its status ("agreement:<public id>").
    topic = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the sweeper should queue this row again if it is still pending by then.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    error = models.TextField(blank=True)
    # The attempt under way: committed before the mail server is contacted, so that a worker
    # lost mid-send leaves a trace (the claim outlives its lease: the email is "maybe sent").
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=255, blank=True)
    # An attempt went out after one whose outcome was unknown: the recipient may hold two
    # copies, with the same Message-ID (which mail clients collapse into one).
    possible_duplicate = models.BooleanField(default=False)
    cancel_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_status_next_idx"),
            models.Index(
                fields=["organization", "-created_at"], name="notification_org_created_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.status})"

    @property
    def kind_label(self) -> str:
        try:
            return str(email_kind_get(self.kind).label)
        except KeyError:
            return self.kind
