"""The customer's agreement administrators and their invitations."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.tenancy.models import EmailInvitation, PendingQuerySet

from .agreement import Agreement

if TYPE_CHECKING:
    pass


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
