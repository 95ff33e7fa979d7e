from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from portal.tenancy.context import Actor


class AppendOnlyError(Exception):
    """Audit entries are never changed or deleted."""


class Action(models.TextChoices):
    ORGANIZATION_CREATED = "organization.created", _("Organization created")
    MEMBER_JOINED = "member.joined", _("Member joined")
    MEMBER_REMOVED = "member.removed", _("Member removed")
    INVITATION_SENT = "invitation.sent", _("Invitation sent")
    INVITATION_REVOKED = "invitation.revoked", _("Invitation revoked")
    AGREEMENT_ORDERED = "agreement.ordered", _("Open License ordered")
    AGREEMENT_ADMIN_INVITED = "agreement.admin_invited", _("Administrator invited")
    AGREEMENT_ADMIN_ADDED = "agreement.admin_added", _("Administrator added")
    AGREEMENT_ONBOARDED = "agreement.onboarded", _("Customer onboarded")
    PARTNER_LINKED = "partner.linked", _("Partner added")
    PARTNER_REMOVED = "partner.removed", _("Partner access removed")
    PARTNER_LINK_REQUESTED = "partner.requested", _("Partner asked for access")
    PARTNER_APPROVED = "partner.approved", _("Partner approved")
    PARTNER_DECLINED = "partner.declined", _("Partner declined")
    PARTNER_SCOPE_CHANGED = "partner.scope_changed", _("Partner access changed")
    PARTNER_END_DATE_CHANGED = "partner.end_date_changed", _("Partner end date changed")
    PARTNER_ALLOWED_AGAIN = "partner.allowed_again", _("Partner allowed again")
    PARTNER_REQUEST_EXPIRED = "partner.request_expired", _("Partner request expired")
    PARTNER_ACCESS_ENDED = "partner.access_ended", _("Partner access ended")
    PARTNER_LINK_LOCKED_OUT = "partner.link_locked_out", _("Too many failed link attempts")
    AGREEMENT_ADMIN_REMOVED = "agreement.admin_removed", _("Administrator removed")
    AGREEMENT_PREFERENCES_CHANGED = "agreement.preferences_changed", _("Preferences changed")
    SUBSCRIPTION_ASSIGNED = "subscription.assigned", _("Subscription assigned")
    SUBSCRIPTION_UPDATED = "subscription.updated", _("Subscription changed")
    SUBSCRIPTION_REMOVED = "subscription.removed", _("Subscription removed")
    SUBSCRIPTION_RESENT = "subscription.resent", _("Subscription email sent again")
    SUBSCRIPTIONS_IMPORTED = "subscription.imported", _("Subscriptions added from a workbook")
    SUBSCRIPTIONS_BULK_EDITED = (
        "subscription.bulk_edited",
        _("Subscriptions changed from a workbook"),
    )
    MEMBER_PERMISSIONS_CHANGED = "member.permissions_changed", _("Permissions changed")
    PARTNER_NETWORK_JOINED = "partner_network.joined", _("Joined the partner network")
    PARTNER_NETWORK_RENEWED = "partner_network.renewed", _("Partner network membership renewed")
    PARTNER_NETWORK_UPGRADED = "partner_network.upgraded", _("Partner network membership upgraded")
    BENEFIT_PACKAGE_PURCHASED = "benefit.package_purchased", _("Benefit package bought")
    BENEFIT_PACKAGE_AVAILABLE = "benefit.package_available", _("Benefit package available")
    BENEFIT_KEYS_REVEALED = "benefit.keys_revealed", _("Product keys shown")
    BENEFIT_ASSIGNED = "benefit.assigned", _("Benefit assigned")
    BENEFIT_UNASSIGNED = "benefit.unassigned", _("Benefit assignment removed")
    BENEFIT_ACTIVATED = "benefit.activated", _("Benefit activated")
    RATE_LIMIT_REACHED = "security.rate_limit_reached", _("Too many requests: paused")
    WEBHOOK_ENDPOINT_ADDED = "webhook.endpoint_added", _("Webhook endpoint added")
    WEBHOOK_ENDPOINT_CHANGED = "webhook.endpoint_changed", _("Webhook endpoint changed")
    WEBHOOK_ENDPOINT_REMOVED = "webhook.endpoint_removed", _("Webhook endpoint removed")
    WEBHOOK_SECRET_ROLLED = "webhook.secret_rolled", _("Webhook signing secret replaced")
    WEBHOOK_REDELIVERED = "webhook.redelivered", _("Webhook event sent again")
    SUBSCRIPTION_RECLAIM_WARNED = (
        "subscription.reclaim_warned",
        _("Subscriber warned the subscription will be removed"),
    )
    ALERT_RULES_CHANGED = "alert.rules_changed", _("Alert settings changed")


class AuditEntryQuerySet(models.QuerySet):
    def visible_to(self, actor: "Actor") -> "AuditEntryQuerySet":
        """The history of the actor's current organization."""
        if actor.organization is None:
            return self.none()
        return self.filter(organization=actor.organization)

    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """One thing someone did, in the history of the organization it concerns. Append-only:
    the app refuses to change or delete a row, and on PostgreSQL a trigger refuses too."""

    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as written at the time, so the history reads the same after a user changes address.
    actor_email = models.EmailField(blank=True)
    # Whose history this is: the organization the actor was acting for. Empty only for a
    # person acting for no organization yet (a lockout before their partner registration).
    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    # Set for events about an agreement: its History page lists them, whoever acted.
    agreement = models.ForeignKey(
        "agreements.Agreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    action = models.CharField(max_length=64, choices=Action.choices)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(
                fields=["organization", "-created_at"], name="audit_entry_org_created_idx"
            ),
            models.Index(fields=["agreement", "-created_at"], name="audit_entry_agr_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    @property
    def concerning(self) -> str:
        """Whom or what the entry is about, as the History shows it: a bulk change says
        how many subscribers and which workbook."""
        details = self.details or {}
        if "count" in details:
            count = ngettext("%(count)s subscriber", "%(count)s subscribers", details["count"]) % {
                "count": number_format(details["count"], force_grouping=True)
            }
            return f"{count} · {details['file']}" if details.get("file") else count
        return details.get("partner") or details.get("email") or self.target_repr
