"""The agreement, its catalogue of subscription levels and its purchased lines."""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from portal.tenancy.context import Actor
    from portal.tenancy.models import Organization


class SubscriptionLevel(models.Model):
    """A kind of Visual Studio subscription (Enterprise, Professional, ...): data, not code."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def visible_to(self, actor: "Actor") -> "AgreementQuerySet":
        """The agreements the actor may see while acting for their current organization; the
        rule is agreements/access.py's, which the one-agreement check shares."""
        from agreements.access import agreement_access_filter

        return self.filter(agreement_access_filter(actor))


class Agreement(models.Model):
    """An Open License agreement, known by its authorization and license numbers."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the customer")
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    authorization_number = models.CharField(_("authorization number"), max_length=32, unique=True)
    license_number = models.CharField(_("license number"), max_length=32, unique=True)
    customer_name = models.CharField(_("customer name"), max_length=200)
    # The work email the order was placed for: onboarding and partner links are checked
    # against it.
    customer_email = models.EmailField(_("customer email"))
    customer_organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer_agreements",
    )
    partner_of_record = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="agreements_sold"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    country = models.CharField(_("country/region"), max_length=2, blank=True)
    # Preferences (super admins): what a new subscriber gets unless the admin says otherwise.
    default_level = models.ForeignKey(
        SubscriptionLevel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default level"),
    )
    default_downloads = models.BooleanField(_("downloads on by default"), default=True)
    partner_approval_required = models.BooleanField(
        _("new partners need my approval"),
        default=False,
        help_text=_(
            "A partner who links this agreement by any of the three ways waits until a super "
            "admin approves it."
        ),
    )
    subscriber_contact_email = models.EmailField(
        _("contact email for subscribers"),
        blank=True,
        help_text=_("Shown to subscribers in their emails as the person to ask for help."),
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="%(app_label)s_%(class)s_term"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authorization_number} / {self.license_number}"

    @property
    def email_topic(self) -> str:
        """The outbox's name for emails about this agreement (its Emails list reads them)."""
        return f"agreement:{self.public_id}"

    @property
    def onboarded_customer(self) -> "Organization":
        """The customer organization, for code that has checked the customer took charge."""
        if self.customer_organization is None:
            raise ValueError(f"agreement {self.pk} has no customer organization yet")
        return self.customer_organization


class AgreementLine(models.Model):
    """Seats of one subscription level bought on an agreement."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="lines")
    level = models.ForeignKey(SubscriptionLevel, on_delete=models.PROTECT, related_name="+")
    seats_purchased = models.PositiveIntegerField()
    seats_assigned = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["level__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "level"], name="%(app_label)s_%(class)s_one_per_level"
            ),
            models.CheckConstraint(
                condition=Q(seats_assigned__gte=0) & Q(seats_assigned__lte=F("seats_purchased")),
                name="%(app_label)s_%(class)s_assigned_within_purchased",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level}: {self.seats_purchased} seats"

    @property
    def seats_available(self) -> int:
        return self.seats_purchased - self.seats_assigned
