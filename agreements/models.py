import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.tenancy.models import EmailInvitation, PendingQuerySet

if TYPE_CHECKING:
    from portal.tenancy.context import Actor


class SubscriptionLevel(models.Model):
    """A kind of Visual Studio subscription (Enterprise, Professional, ...): data, not code."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor") -> "AgreementQuerySet":
        """The agreements the actor may see while acting for their current organization; the
        rule is agreements/access.py's, which the one-agreement check shares."""
        from .access import agreement_access_filter

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


class AdminRole(models.TextChoices):
    """Ranked: a super admin names admins and readers and decides about partners; an admin
    manages subscriptions; a reader (an auditor, finance) sees what an admin sees and
    changes nothing."""

    SUPER_ADMIN = "super_admin", _("Super admin")
    ADMIN = "admin", _("Admin")
    READER = "reader", _("Reader")


class AgreementAdmin(models.Model):
    """A customer user who administers an agreement's subscriptions. Super admins also name
    other admins and decide which partners have access."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="admins")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agreement_roles"
    )
    role = models.CharField(_("role"), max_length=16, choices=AdminRole.choices)
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["role", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "user"], name="%(app_label)s_%(class)s_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on {self.agreement}"


class AgreementInvitation(EmailInvitation):
    """An emailed offer to administer an agreement: the customer's first super admin after an
    order, then the admins a super admin names."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=16, choices=AdminRole.choices)
    # Empty for orders an operator imported.
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = PendingQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                "agreement",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="%(app_label)s_%(class)s_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.agreement}"


class LinkMethod(models.TextChoices):
    """The three ways a partner gets access to a customer's Open License."""

    NEW_LICENSE = "new_license", _("New Open License")
    LICENSING_CENTER = "licensing_center", _("Licensing service center")
    OLP_REGISTRATION = "olp_registration", _("OLP partner registration")
    CUSTOMER_INVITATION = "customer_invitation", _("Invited by the customer")


class PartnerLinkQuerySet(models.QuerySet):
    def current(self) -> "PartnerLinkQuerySet":
        """Links that are waiting for the customer or in force: at most one per partner."""
        return self.filter(status__in=PartnerLink.CURRENT)

    def granting_access(self) -> "PartnerLinkQuerySet":
        """The links that give their partner access today: active, and not past their end
        date, which ends access on its day even before the nightly task records it. The
        one definition every access check reads (agreements/access.py)."""
        today = timezone.localdate()
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


class SubscriptionQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor") -> "SubscriptionQuerySet":
        """Subscriptions of the agreements the actor may manage."""
        return self.filter(agreement__in=Agreement.objects.visible_to(actor).values("pk"))

    def assigned(self) -> "SubscriptionQuerySet":
        return self.filter(assigned_at__isnull=False)


# The Subscribers grid (agreements/grid.py) reads any first page straight from one of these:
# one per sortable column, on the agreement's assigned seats, ending with the grid's
# tie-breakers. Descending order on a column of few values needs an index of its own, as the
# tie-breakers stay ascending. Its filter uses a trigram index that only PostgreSQL has,
# made by migration 0005 alone. EXPLAIN figures: bench/README.md.
_ASSIGNED = Q(assigned_at__isnull=False)
_TIE_BREAKERS = (Lower("last_name"), Lower("first_name"), F("id"))
SUBSCRIBER_GRID_INDEXES = [
    models.Index(F("agreement"), *_TIE_BREAKERS, condition=_ASSIGNED, name="sub_grid_last"),
    models.Index(
        F("agreement"),
        Lower("first_name"),
        Lower("last_name"),
        F("id"),
        condition=_ASSIGNED,
        name="sub_grid_first",
    ),
    models.Index(
        F("agreement"), Lower("sign_in_email"), condition=_ASSIGNED, name="sub_grid_email"
    ),
    *(
        models.Index(F("agreement"), column, *_TIE_BREAKERS, condition=_ASSIGNED, name=name)
        for column, name in (
            (Lower("notification_email"), "sub_grid_notify"),
            (Lower("reference"), "sub_grid_reference"),
            (Lower("reference").desc(), "sub_grid_reference_desc"),
            (F("downloads_enabled"), "sub_grid_downloads"),
            (F("downloads_enabled").desc(), "sub_grid_downloads_desc"),
            (F("country"), "sub_grid_country"),
            (F("country").desc(), "sub_grid_country_desc"),
            (F("language"), "sub_grid_language"),
            (F("language").desc(), "sub_grid_language_desc"),
        )
    ),
]


class Subscription(models.Model):
    """One seat of an agreement line: a Visual Studio subscription with its own GUID, assigned
    to a person or free. A freed seat keeps who had it last and when, for the 90-day rule.

    Rows are made when first assigned, so a line has at most `seats_purchased` of them.
    """

    guid = models.UUIDField(_("subscription GUID"), default=uuid.uuid4, unique=True, editable=False)
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="subscriptions")
    line = models.ForeignKey(AgreementLine, on_delete=models.CASCADE, related_name="subscriptions")
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    sign_in_email = models.EmailField(_("sign-in email"), blank=True)
    notification_email = models.EmailField(_("notification email"), blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    downloads_enabled = models.BooleanField(_("downloads"), default=True)
    country = models.CharField(_("country/region"), max_length=2, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    # Empty while the seat is free.
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    last_assignee_email = models.EmailField(blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "line",
                Lower("sign_in_email"),
                condition=Q(assigned_at__isnull=False),
                name="%(app_label)s_%(class)s_one_per_person_and_level",
            ),
            models.CheckConstraint(
                condition=Q(assigned_at__isnull=True) | ~Q(sign_in_email=""),
                name="%(app_label)s_%(class)s_assigned_has_email",
            ),
        ]
        indexes = [
            models.Index(fields=["agreement", "assigned_at"], name="subscription_agr_assigned"),
            models.Index(Lower("sign_in_email"), name="subscription_sign_in_lower"),
            *SUBSCRIBER_GRID_INDEXES,
        ]

    def __str__(self) -> str:
        return f"{self.guid} ({self.sign_in_email or 'free'})"

    @property
    def is_assigned(self) -> bool:
        return self.assigned_at is not None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def contact_email(self) -> str:
        """Where the subscriber's emails go."""
        return self.notification_email or self.sign_in_email


class UsageSnapshot(models.Model):
    """The most seats of a line assigned at once on one day: kept up to date by every
    assignment, and written for every line by a daily beat task even on quiet days.

    Write it only with the line locked (select_for_update), as both writers do: otherwise two
    writers inserting the day's row at once deadlock on the deferred foreign key.
    """

    line = models.ForeignKey(AgreementLine, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    max_assigned = models.PositiveIntegerField()

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["line", "day"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.line} on {self.day}: {self.max_assigned}"


class BulkImportQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor") -> "BulkImportQuerySet":
        return self.filter(agreement__in=Agreement.objects.visible_to(actor).values("pk"))


class BulkImport(models.Model):
    """An uploaded workbook of subscribers to add or edit, kept in the database so that any
    worker can read it, with its progress and, on failure, the workbook with its errors."""

    class Kind(models.TextChoices):
        ADD = "add", _("Bulk add")
        EDIT = "edit", _("Bulk edit")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Processing")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Has errors")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The organization the uploader acted for: the worker acts for it too.
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # The uploaded workbook with each bad row's error in its Error message column.
    result = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BulkImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
