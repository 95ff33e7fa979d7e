"""The nightly review of partner links: requests that expire, access that reaches its end
date, and the reminder before it does.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from agreements.events import partner_link_event
from agreements.models import PartnerLink
from agreements.partner_links.services.decisions import partner_link_locked, partner_link_record
from agreements.partner_links.services.notify import (
    access_changed_notify,
    both_sides,
    link_context,
    side_organization,
)
from notifications.models import Notification
from notifications.services import notification_enqueue
from portal.audit.models import Action
from portal.tenancy.context import ANONYMOUS
from webhooks.events import EventType

# Reminders go to both sides this many days before a partner's access ends.
ENDING_REMINDER_DAYS = (30, 7, 1)


@dataclass(frozen=True)
class PartnerLinkReview:
    expired: int
    ended: int
    # Links whose reminder went out (to both sides) in this pass.
    reminded: int


def partner_links_review() -> PartnerLinkReview:
    """The daily pass (Celery beat): unanswered requests expire, access past its end date
    ends, and both sides are reminded 30, 7 and 1 days before an end date, each reminder
    once (its dedupe key names the date and the day count)."""
    now, today = timezone.now(), timezone.localdate()
    expired = ended = reminded = 0
    stale = PartnerLink.objects.filter(
        status=PartnerLink.Status.PENDING, request_expires_at__lte=now
    )
    for link_id in stale.values_list("pk", flat=True):
        expired += _link_close(link_id=link_id, status=PartnerLink.Status.EXPIRED)
    passed = PartnerLink.objects.filter(status=PartnerLink.Status.ACTIVE, ends_on__lte=today)
    for link_id in passed.values_list("pk", flat=True):
        ended += _link_close(link_id=link_id, status=PartnerLink.Status.ENDED)
    ending = PartnerLink.objects.granting_access().filter(
        ends_on__lte=today + timedelta(days=max(ENDING_REMINDER_DAYS))
    )
    for link in ending.select_related("agreement", "partner_organization", "linked_by"):
        with transaction.atomic():
            reminded += _ending_remind(link=link, today=today)
    return PartnerLinkReview(expired=expired, ended=ended, reminded=reminded)


@transaction.atomic
def _link_close(*, link_id: int, status: str) -> int:
    link = partner_link_locked(PartnerLink(pk=link_id))
    due = (
        link.is_pending
        and link.request_expires_at is not None
        and link.request_expires_at <= timezone.now()
        if status == PartnerLink.Status.EXPIRED
        else link.status == PartnerLink.Status.ACTIVE and not link.is_active
    )
    if not due:
        return 0
    link.status = status
    link.removed_at = timezone.now()
    link.save(update_fields=["status", "removed_at"])
    expired = status == PartnerLink.Status.EXPIRED
    partner_link_record(
        actor=ANONYMOUS,
        link=link,
        action=Action.PARTNER_REQUEST_EXPIRED if expired else Action.PARTNER_ACCESS_ENDED,
    )
    partner_link_event(link=link, type=EventType.PARTNER_LINK_REMOVED)
    access_changed_notify(link=link, change="request_expired" if expired else "ended", by=None)
    return 1


def _ending_remind(*, link: PartnerLink, today: date) -> int:
    """Queue the reminder this link is due, once: 1 if it went out now, 0 if it had already.
    Most nights most links are reminded already, so that is asked first, in one query,
    before the recipients are looked up; the outbox's dedupe key keeps it once regardless."""
    assert link.ends_on is not None  # only links with an end are reminded
    days_left = (link.ends_on - today).days
    threshold = min(days for days in ENDING_REMINDER_DAYS if days >= days_left)
    prefix = f"partner-ending:{link.public_id}:{link.ends_on.isoformat()}:{threshold}:"
    if Notification.objects.filter(dedupe_key__startswith=prefix).exists():
        return 0
    for email, language, side in both_sides(link):
        notification_enqueue(
            kind="partner_access_ending",
            recipient=email,
            language=language,
            dedupe_key=f"{prefix}{email.casefold()}",
            context={**link_context(link), "side": side, "days_left": days_left},
            organization=side_organization(link, side),
        )
    return 1
