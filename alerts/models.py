"""Alert rules (an organization's thresholds), the alerts the daily evaluation raises, who
dismissed which, and each person's email settings."""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from portal.tenancy.context import Actor


class Kind(models.TextChoices):
    AGREEMENT_ENDING = "agreement_ending", _("Agreement ending")
    FREE_SEATS = "free_seats", _("Seats left free")
    LEVEL_FULL = "level_full", _("Level full")
    NEVER_ACTIVATED = "never_activated", _("Subscriptions never activated")
    BULK_UPLOAD_FAILED = "bulk_upload_failed", _("Bulk upload with errors")
    PARTNER_ACCESS_ENDING = "partner_access_ending", _("Partner access ending")
    BENEFIT_ACTIVATION = "benefit_activation", _("Benefit activation near")


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class Digest(models.TextChoices):
    OFF = "off", _("No digest")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


def all_kinds() -> list[str]:
    return [kind.value for kind in Kind]


class AlertRuleQuerySet(models.QuerySet["AlertRule"]):
    def visible_to(self, actor: "Actor") -> "AlertRuleQuerySet":
        """An organization's rules are its own."""
        if actor.organization is None:
            return self.none()
        return self.filter(organization=actor.organization)


class AlertRule(models.Model):
    """An organization's setting for one kind of alert: on or off, and its thresholds. A
    kind without a row has the defaults of alerts/rules.py."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="alert_rules"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    enabled = models.BooleanField(_("on"), default=True)
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    percent = models.PositiveSmallIntegerField(_("percent"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = AlertRuleQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind"], name="%(app_label)s_%(class)s_one_per_kind"
            ),
            models.CheckConstraint(
                condition=Q(days__isnull=True) | Q(days__gte=1, days__lte=730),
                name="%(app_label)s_%(class)s_days_range",
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                name="%(app_label)s_%(class)s_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.kind}"


class AlertQuerySet(models.QuerySet["Alert"]):
    def visible_to(self, actor: "Actor") -> "AlertQuerySet":
        """Alerts of the actor's current organization, about agreements they may see (or
        about none, such as a benefit's)."""
        from agreements.models import Agreement

        if actor.organization is None or not actor.is_authenticated:
            return self.none()
        return self.filter(
            Q(agreement__isnull=True)
            | Q(agreement__in=Agreement.objects.visible_to(actor).values("pk")),
            organization=actor.organization,
        )

    def open(self) -> "AlertQuerySet":
        return self.filter(resolved_at__isnull=True)

    def undismissed_by(self, user) -> "AlertQuerySet":
        """Not dismissed by `user`; a critical alert is never dismissed."""
        dismissed = AlertDismissal.objects.filter(alert=OuterRef("pk"), user=user)
        return self.filter(Q(severity=Severity.CRITICAL) | ~Exists(dismissed))

    def most_severe_first(self) -> "AlertQuerySet":
        rank = Case(
            When(severity=Severity.CRITICAL, then=Value(0)),
            When(severity=Severity.WARNING, then=Value(1)),
            default=Value(2),
        )
        return self.order_by(rank, "-created_at", "-id")


class Alert(models.Model):
    """One occurrence of a condition: raised by the evaluation, kept up to date while the
    condition holds, and resolved when it clears. The same condition raised again later is
    a new alert (a new row, undismissed)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    agreement = models.ForeignKey(
        "agreements.Agreement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    # The condition and its subject ("level_full:line:42"): one open alert per key.
    key = models.CharField(max_length=200)
    # What the message needs (names, dates, numbers), rendered in the reader's language.
    args = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"],
                condition=Q(resolved_at__isnull=True),
                name="%(app_label)s_%(class)s_one_open_per_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "-created_at"],
                condition=Q(resolved_at__isnull=True),
                name="alert_open_org_created_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"

    @property
    def is_critical(self) -> bool:
        return self.severity == Severity.CRITICAL

    @property
    def link(self) -> str | None:
        """Where the alert is acted on: the seats to reclaim, the level's subscribers, or the
        agreement."""
        if self.kind == Kind.NEVER_ACTIVATED:
            return reverse("command_center:reclaim")
        if self.agreement_id is None:
            return None
        if self.kind in (Kind.LEVEL_FULL, Kind.FREE_SEATS):
            return reverse("agreements:subscribers", args=[self.agreement.public_id])
        return reverse("agreements:overview", args=[self.agreement.public_id])

    @property
    def message(self) -> str:
        """The alert's sentence in the active language."""
        from .messages import alert_message

        return alert_message(kind=self.kind, args=self.args)


class AlertDismissal(models.Model):
    """A person dismissed an alert: it leaves their bell, not their colleagues'."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="dismissals")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_dismissals"
    )
    dismissed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} by {self.user_id}"


class AlertPreference(models.Model):
    """A person's alert emails: the digest's rhythm and the kinds it lists. A person without
    a row gets the weekly digest of every kind."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference"
    )
    digest = models.CharField(
        _("digest"), max_length=8, choices=Digest.choices, default=Digest.WEEKLY
    )
    # The kinds (Kind values) the digest lists: a JSON list, so the SQLite demo runs too.
    email_kinds = models.JSONField(default=all_kinds, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(digest__in=[choice.value for choice in Digest]),
                name="%(app_label)s_%(class)s_digest_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.digest}"
