import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .context import Actor


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    MEMBER = "member", _("Member")

    @property
    def rank(self) -> int:
        """Owner > administrator > member: nobody acts on, or grants, a role ranked above
        their own."""
        return _ROLE_RANKS[self]


_ROLE_RANKS = {Role.OWNER: 3, Role.ADMIN: 2, Role.MEMBER: 1}


def role_rank(role: str | None) -> int:
    """The rank of `role`; 0 for no role at all, below every member."""
    return Role(role).rank if role else 0


MANAGING_ROLES = frozenset({Role.OWNER, Role.ADMIN})


class Permission(models.TextChoices):
    """What a member may do with the organization's partner benefits and users, on top of
    their role. Each is a boolean field of the same name, prefixed `can_`, on Membership and
    Invitation."""

    BUY_PACKAGES = "buy_packages", _("Buy benefit packages")
    REVEAL_KEYS = "reveal_keys", _("See product keys")
    ASSIGN_BENEFITS = "assign_benefits", _("Assign benefits")
    MANAGE_USERS = "manage_users", _("Manage users")


# Owners may do everything; administrators always manage users, as they did before
# permissions existed; anything else is granted one permission at a time.
ROLE_PERMISSIONS = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset({Permission.MANAGE_USERS}),
    Role.MEMBER: frozenset(),
}


class PermissionFields(models.Model):
    can_buy_packages = models.BooleanField(Permission.BUY_PACKAGES.label, default=False)
    can_reveal_keys = models.BooleanField(Permission.REVEAL_KEYS.label, default=False)
    can_assign_benefits = models.BooleanField(Permission.ASSIGN_BENEFITS.label, default=False)
    can_manage_users = models.BooleanField(Permission.MANAGE_USERS.label, default=False)

    # Each concrete model has its own role field (a membership's, an invitation's).
    role: str

    class Meta:
        abstract = True

    @property
    def granted_permissions(self) -> frozenset[str]:
        """The permissions granted one by one, whatever the role."""
        return frozenset(p for p in Permission if getattr(self, f"can_{p.value}"))

    @property
    def permissions(self) -> frozenset[str]:
        """Everything the role and the granted permissions allow together."""
        return ROLE_PERMISSIONS[Role(self.role)] | self.granted_permissions

    @property
    def permission_labels(self) -> list[str]:
        held = self.permissions
        return [str(p.label) for p in Permission if p in held]

    def permissions_set(self, permissions) -> None:
        wanted = set(permissions)
        for permission in Permission:
            setattr(self, f"can_{permission.value}", permission in wanted)


def permission_field_names() -> list[str]:
    return [f"can_{p.value}" for p in Permission]


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor") -> "OrganizationQuerySet":
        """The organizations the actor belongs to: the only ones they can see or switch to."""
        return self.filter(pk__in=actor.organization_ids)


class Organization(models.Model):
    """A company using the portal: a customer, a partner, or both."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    is_customer = models.BooleanField(_("customer"), default=False)
    is_partner = models.BooleanField(_("partner"), default=False)
    default_language = models.CharField(
        _("default language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    country = models.CharField(_("country/region"), max_length=2, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_customer=True) | Q(is_partner=True),
                name="%(app_label)s_%(class)s_customer_or_partner",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor") -> "MembershipQuerySet":
        """Memberships of the actor's current organization."""
        if actor.organization is None:
            return self.none()
        return self.filter(organization=actor.organization)


class Membership(PermissionFields):
    """A user's place in an organization, with the role that says what they may do there."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="%(app_label)s_%(class)s_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def can_manage(self) -> bool:
        return self.role in MANAGING_ROLES

    @property
    def rank(self) -> int:
        return role_rank(self.role)

    def has_permission(self, permission: str) -> bool:
        return permission in self.permissions


class PendingQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class EmailInvitation(models.Model):
    """What every emailed, single-use invitation has. No token is stored: links carry a
    signed token derived from this state (see tokens.py), so accepting, revoking or
    resending kills every older link."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"))
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Chosen by the inviter for an address without an account (someone with an account reads
    # their own language); empty for invitations sent before there was a choice.
    language = models.CharField(
        _("language of the email"), max_length=8, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        abstract = True

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class InvitationQuerySet(PendingQuerySet):
    def visible_to(self, actor: "Actor") -> "InvitationQuerySet":
        """Invitations sent on behalf of the actor's current organization."""
        if actor.organization is None:
            return self.none()
        return self.filter(organization=actor.organization)


class Invitation(EmailInvitation, PermissionFields):
    """An emailed offer to join an organization with a role and permissions."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="%(app_label)s_%(class)s_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    @property
    def rank(self) -> int:
        return role_rank(self.role)
