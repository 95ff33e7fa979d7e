"""Partner network membership, the catalogue of benefit packages, and what a member bought.

The catalogue (products, download links, packages and their grants) is data that operators
edit in the admin. A purchase copies what its package grants into `Benefit` rows, so that
editing the catalogue later never changes what a member already has.

Just over 400 lines, kept as one module on purpose: the models are one chain (membership →
purchase → benefit → assignment, each constrained by the one before) that reads top to
bottom; split it as agreements/models/ is split when a new sub-domain joins.
"""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django.core.exceptions import ValidationError

    from portal.tenancy.context import Actor


class OrganizationScopedQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor"):
        """Rows of the actor's current organization only."""
        if actor.organization is None:
            return self.none()
        return self.filter(organization=actor.organization)


class PartnerMembershipQuerySet(OrganizationScopedQuerySet):
    def current(self, today=None) -> "PartnerMembershipQuerySet":
        today = today or timezone.localdate()
        return self.filter(
            status=PartnerMembership.Status.ACTIVE, starts_on__lte=today, ends_on__gte=today
        )


class PartnerMembership(models.Model):
    """A partner organization's membership of the partner network, for one term (a year)."""

    class Level(models.TextChoices):
        NETWORK = "network", _("Network member")
        ACTION_PACK = "action_pack", _("Action Pack subscriber")
        SILVER = "silver", _("Silver")
        GOLD = "gold", _("Gold")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="partner_memberships"
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PartnerMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="%(app_label)s_%(class)s_term"
            ),
            models.UniqueConstraint(
                fields=["organization", "starts_on"],
                condition=Q(status="active"),
                name="%(app_label)s_%(class)s_one_term_per_start",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.organization} — {self.get_level_display()} ({self.starts_on} to {self.ends_on})"
        )

    @property
    def rank(self) -> int:
        return LEVEL_ORDER.index(self.level)


# Lowest to highest: an upgrade moves right.
LEVEL_ORDER = [level.value for level in PartnerMembership.Level]


class Kind(models.TextChoices):
    SOFTWARE = "software", _("Software")
    CLOUD_USAGE = "cloud_usage", _("Cloud subscription, usage-based")
    CLOUD_LICENCE = "cloud_licence", _("Cloud subscription, licence-based")
    VISUAL_STUDIO = "visual_studio", _("Visual Studio subscription")
    SUPPORT = "support", _("Support")


class Tab(models.TextChoices):
    """The tabs of the Benefits page, each listing some kinds of benefit."""

    SOFTWARE = "software", _("Software")
    CLOUD = "cloud", _("Cloud")
    VISUAL_STUDIO = "visual-studio", _("Visual Studio subscriptions")
    SUPPORT = "support", _("Support")


TAB_KINDS = {
    Tab.SOFTWARE: [Kind.SOFTWARE],
    Tab.CLOUD: [Kind.CLOUD_USAGE, Kind.CLOUD_LICENCE],
    Tab.VISUAL_STUDIO: [Kind.VISUAL_STUDIO],
    Tab.SUPPORT: [Kind.SUPPORT],
}
KINDS_WITH_KEYS = frozenset({Kind.SOFTWARE, Kind.CLOUD_LICENCE})
ASSIGNABLE_KINDS = frozenset({Kind.CLOUD_USAGE, Kind.VISUAL_STUDIO, Kind.SUPPORT})


class Unit(models.TextChoices):
    LICENCES = "licences", _("licences")
    AZURE_CREDIT = "azure_credit", _("USD of Azure credit a month")
    SEATS = "seats", _("subscriptions")
    INCIDENTS = "incidents", _("support incidents")
    HOURS = "hours", _("hours of support")


class Language(models.TextChoices):
    """The languages a product can be downloaded in."""

    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    GERMAN = "de", _("German")
    SPANISH = "es", _("Spanish")


class OperatingSystem(models.TextChoices):
    WINDOWS_64 = "windows-64", _("Windows (64-bit)")
    WINDOWS_32 = "windows-32", _("Windows (32-bit)")
    MACOS = "macos", _("macOS")


class BenefitProduct(models.Model):
    """Something a package can grant: a software product, a cloud subscription, a Visual
    Studio subscription level or a support plan."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    instructions = models.TextField(
        _("special instructions"),
        blank=True,
        help_text=_("Shown with the product keys, or how to activate the benefit."),
    )
    manage_url = models.URLField(
        _("where to manage it"), blank=True, help_text=_("The Azure portal, for instance.")
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DownloadLink(models.Model):
    """Where to download one product in one language for one operating system."""

    product = models.ForeignKey(
        BenefitProduct, on_delete=models.CASCADE, related_name="download_links"
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    operating_system = models.CharField(
        _("operating system"), max_length=16, choices=OperatingSystem.choices
    )
    label = models.CharField(_("file"), max_length=200)
    url = models.URLField(_("download link"))

    class Meta:
        ordering = ["product", "language", "operating_system", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "language", "operating_system", "label"],
                name="%(app_label)s_%(class)s_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.language} · {self.operating_system} · {self.label}"


class BenefitPackageQuerySet(models.QuerySet):
    def on_sale(self) -> "BenefitPackageQuerySet":
        return self.filter(on_sale=True)


class BenefitPackage(models.Model):
    """A package a member can buy: the Action Pack, a competency package, ..."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_action_pack = models.BooleanField(
        _("Action Pack"), default=False, help_text=_("At most one a membership year.")
    )
    minimum_level = models.CharField(
        _("minimum membership level"),
        max_length=16,
        choices=PartnerMembership.Level.choices,
        blank=True,
    )
    on_sale = models.BooleanField(_("on sale"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    # Set by selectors.package_offer_list: why the organization cannot buy it now, or None.
    refusal: "ValidationError | None"

    objects = BenefitPackageQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class PackageGrant(models.Model):
    """One thing a package grants, and how much of it."""

    package = models.ForeignKey(BenefitPackage, on_delete=models.CASCADE, related_name="grants")
    product = models.ForeignKey(BenefitProduct, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    key_count = models.PositiveSmallIntegerField(
        _("product keys"), default=0, help_text=_("Software and licence-based cloud only.")
    )

    class Meta:
        ordering = ["package", "product__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["package", "product"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="%(app_label)s_%(class)s_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.package}: {self.quantity} {self.get_unit_display()} of {self.product}"


class PackagePurchase(models.Model):
    """A package bought by a member for one membership year."""

    class Status(models.TextChoices):
        PROVISIONING = "provisioning", _("Provisioning")
        AVAILABLE = "available", pgettext_lazy("package status", "Available")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="package_purchases"
    )
    membership = models.ForeignKey(
        PartnerMembership, on_delete=models.PROTECT, related_name="purchases"
    )
    package = models.ForeignKey(BenefitPackage, on_delete=models.PROTECT, related_name="+")
    # Copied from the package, so that the database can hold the one-a-year rule.
    is_action_pack = models.BooleanField(default=False, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROVISIONING
    )
    purchased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    purchased_at = models.DateTimeField(default=timezone.now, editable=False)
    available_at = models.DateTimeField(null=True, blank=True)

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-purchased_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(is_action_pack=True) & ~Q(status="cancelled"),
                name="%(app_label)s_%(class)s_one_action_pack_per_year",
            ),
        ]

    def __str__(self) -> str:
        # No words of any language: the History keeps this text, and people read it in theirs.
        return f"{self.package} · {self.organization}"


class Benefit(models.Model):
    """What a purchase gives, ready to use: one product and its quantity."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="benefits"
    )
    purchase = models.ForeignKey(PackagePurchase, on_delete=models.PROTECT, related_name="benefits")
    product = models.ForeignKey(BenefitProduct, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["product__name", "created_at"]

    def __str__(self) -> str:
        return f"{self.product} ({self.quantity} {self.get_unit_display()})"

    @property
    def seats(self) -> int:
        """How many people it can be assigned to at once."""
        if self.kind == Kind.VISUAL_STUDIO:
            return self.quantity
        return 1 if self.kind in ASSIGNABLE_KINDS else 0

    @property
    def has_keys(self) -> bool:
        return self.kind in KINDS_WITH_KEYS


class ProductKey(models.Model):
    """A product key, encrypted (see crypto.py): the clear key is never stored."""

    benefit = models.ForeignKey(Benefit, on_delete=models.CASCADE, related_name="keys")
    ciphertext = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["benefit", "id"]

    def __str__(self) -> str:
        return f"Product key {self.pk} of {self.benefit}"


class BenefitAssignmentQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor") -> "BenefitAssignmentQuerySet":
        if actor.organization is None:
            return self.none()
        return self.filter(benefit__organization=actor.organization)

    def held(self) -> "BenefitAssignmentQuerySet":
        return self.exclude(status=BenefitAssignment.Status.REMOVED)


class BenefitAssignment(models.Model):
    """One seat of a benefit held by one user of the organization."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Activation pending")
        ACTIVE = "active", _("Active")
        REMOVED = "removed", _("Removed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="assignments")
    seat = models.PositiveSmallIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="benefit_assignments"
    )
    # Support only: where the support instructions go besides the portal account's address.
    alternate_email = models.EmailField(_("alternate email address"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    activate_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = BenefitAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["benefit", "seat"]
        constraints = [
            models.UniqueConstraint(
                fields=["benefit", "seat"],
                condition=~Q(status="removed"),
                name="%(app_label)s_%(class)s_one_holder_per_seat",
            ),
            models.UniqueConstraint(
                fields=["benefit", "user"],
                condition=~Q(status="removed"),
                name="%(app_label)s_%(class)s_one_seat_per_user",
            ),
            models.CheckConstraint(condition=Q(seat__gte=1), name="%(app_label)s_%(class)s_seat"),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(activate_at__isnull=False),
                name="%(app_label)s_%(class)s_pending_has_activation_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.benefit} · seat {self.seat} · {self.user}"
