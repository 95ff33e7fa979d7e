"""The events an organization may subscribe its endpoints to."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    SUBSCRIPTION_ASSIGNED = "subscription.assigned", _("Subscription assigned")
    SUBSCRIPTION_CHANGED = "subscription.changed", _("Subscription changed")
    SUBSCRIPTION_REMOVED = "subscription.removed", _("Subscription removed")
    PARTNER_LINK_ADDED = "partner_link.added", _("Partner access added")
    PARTNER_LINK_PENDING = "partner_link.pending", _("Partner access waiting for approval")
    PARTNER_LINK_REMOVED = "partner_link.removed", _("Partner access removed or ended")
    BULK_UPLOAD_FINISHED = "bulk_upload.finished", _("Workbook upload finished")
    SEATS_RUNNING_OUT = "seats.running_out", _("Seats running out")
    # Sent on request from the endpoint's page, to try a receiver; never subscribed to.
    PING = "ping", _("Test event")


SUBSCRIBABLE = [choice for choice in EventType if choice is not EventType.PING]
