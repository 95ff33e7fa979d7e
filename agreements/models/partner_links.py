"""Partner access to a customer's agreement, and the licensing center's contacts."""

import uuid
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .agreement import Agreement

if TYPE_CHECKING:
    pass


class LinkMethod(models.TextChoices):
    """The three ways a partner gets access to a customer's Open License."""

    NEW_LICENSE = "new_license", _("New Open License")
    LICENSING_CENTER = "licensing_center", _("Licensing service center")
    OLP_REGISTRATION = "olp_registration", _("OLP partner registration")
    CUSTOMER_INVITATION = "customer_invitation", _("Invited by the customer")


class PartnerLinkQuerySet(models.QuerySet["PartnerLink"]):
    def current(self) -> "PartnerLinkQuerySet":
        """Links that are waiting for the customer or in force: at most one per partner."""
        return self.filter(status__in=PartnerLink.CURRENT)

    def granting_access(self, on: date | None = None) -> "PartnerLinkQuerySet":
        """The links that give their partner access today (or `on` that day): active, and
        not past their end date, which ends access on its day even before the nightly task
        records it. The one definition every access check reads (agreements/access.py)."""
        today = on or timezone.localdate()
        return self.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gt=today), status=PartnerLink.Status.ACTIVE
        )

    def blocking(self) -> "PartnerLinkQuerySet":
        """Links whose end the customer decided (removed, declined, ended) and has not
        lifted: while one exists, no flow links that partner to that agreement again."""
        return self.filter(status__in=PartnerLink.BLOCKING, allowed_again_at__isnull=True)


class PartnerLink(models.Model):
    """Delegated access of a partner organization to a customer's agreement, in the state
    the customer gave it. The row stays for the record when access ends; a removal, a
    declined request and an end date stand until a customer super admin allows the partner
    again."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Has access")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Request expired")
        REMOVED = "removed", _("Removed")
        ENDED = "ended", _("Ended")

    class Scope(models.TextChoices):
        MANAGE = "manage", _("Manage subscriptions")
        READ_ONLY = "read_only", _("Read only")

    CURRENT = (Status.PENDING, Status.ACTIVE)
    BLOCKING = (Status.REMOVED, Status.DECLINED, Status.ENDED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="partner_links")
    partner_organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="partner_links"
    )
    method = models.CharField(_("how"), max_length=32, choices=LinkMethod.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    scope = models.CharField(
        _("access"), max_length=16, choices=Scope.choices, default=Scope.MANAGE
    )
    # Access ends on this day, by itself; empty: until the customer removes it.
    ends_on = models.DateField(_("access ends on"), null=True, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)
    # A pending request that nobody approves or declines by then expires.
    request_expires_at = models.DateTimeField(null=True, blank=True)
    # Who approved or declined a pending request, and when.
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The end of access: removed, declined, expired or ended.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A super admin lifted the block that a removal, a decline or an end date put up.
    allowed_again_at = models.DateTimeField(null=True, blank=True)
    allowed_again_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PartnerLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-linked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "partner_organization"],
                condition=Q(status__in=["pending", "active"]),
                name="%(app_label)s_%(class)s_one_current_per_partner",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active"]) | Q(removed_at__isnull=False),
                name="%(app_label)s_%(class)s_ended_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_organization} → {self.agreement}"

    @property
    def is_active(self) -> bool:
        """In force today (the nightly task may not have recorded a passed end date yet)."""
        return self.status == self.Status.ACTIVE and (
            self.ends_on is None or self.ends_on > timezone.localdate()
        )

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_blocking(self) -> bool:
        return self.status in self.BLOCKING and self.allowed_again_at is None


class LicensingContact(models.Model):
    """A person a partner organization registered in the licensing service center: the
    email they sign in there with, and must sign in to the portal with to be linked."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="licensing_contacts"
    )
    email = models.EmailField(_("email address"))

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("email"), name="%(app_label)s_%(class)s_unique_email"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.organization})"
