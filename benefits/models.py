from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from portal.tenancy.context import Actor


class PartnerMembershipQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor") -> "PartnerMembershipQuerySet":
        if actor.organization is None:
            return self.none()
        return self.filter(organization=actor.organization)

    def current(self) -> "PartnerMembershipQuerySet":
        today = timezone.localdate()
        return self.filter(
            status=PartnerMembership.Status.ACTIVE, starts_on__lte=today, ends_on__gte=today
        )


class PartnerMembership(models.Model):
    """A partner organization's membership of the partner network, for one term."""

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
        ]

    def __str__(self) -> str:
        return (
            f"{self.organization} — {self.get_level_display()} ({self.starts_on} to {self.ends_on})"
        )
