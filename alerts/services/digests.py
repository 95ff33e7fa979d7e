"""Each person's digest of their alerts, daily or weekly, through the outbox: one email per
person and period (its dedupe key), listing the alerts raised in the period that are still
open and that they have not dismissed, of the kinds they chose, in every organization of
theirs."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from notifications.services import NotificationDraft, notification_enqueue_many
from portal.accounts.models import User
from portal.tenancy.context import Actor
from portal.tenancy.models import Membership

from ..emails import DIGEST_KIND
from ..models import Alert, AlertPreference, Digest
from ..selectors import alert_preferences, alerts_for_digest


@dataclass(frozen=True)
class Period:
    """The days a digest covers, first to last, and its name in the dedupe key."""

    label: str
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))


def digest_period(*, frequency: str, today: date) -> Period | None:
    """The last whole period before `today`: yesterday, or last week (Monday to Sunday)."""
    if frequency == Digest.DAILY:
        day = today - timedelta(days=1)
        return Period(label=f"day:{day.isoformat()}", first=day, last=day)
    if frequency == Digest.WEEKLY:
        monday = today - timedelta(days=today.weekday()) - timedelta(days=7)
        week = monday.isocalendar()
        return Period(
            label=f"week:{week.year}-W{week.week:02}",
            first=monday,
            last=monday + timedelta(days=6),
        )
    return None


def alert_digests_send(*, today: date) -> int:
    """Queue the digests due on `today`; returns how many were new (running it again the
    same day, or later in the same week for a weekly one, queues nothing more)."""
    recipients = _recipients(today)
    preferences = alert_preferences(users=list(recipients))
    drafts = [
        draft
        for user, memberships in recipients.items()
        if (draft := _digest_draft(user, memberships, preferences[user.pk], today)) is not None
    ]
    return notification_enqueue_many(drafts=drafts)


def _recipients(today: date) -> dict[User, list[Membership]]:
    """The members of organizations with alerts raised since the longest period began."""
    longest = digest_period(frequency=Digest.WEEKLY, today=today)
    assert longest is not None
    organizations = (
        Alert.objects.open().filter(created_at__gte=longest.start).values("organization")
    )
    found: dict[User, list[Membership]] = defaultdict(list)
    memberships = Membership.objects.filter(organization__in=organizations).select_related(
        "user", "organization"
    )
    for membership in memberships.order_by("user_id", "organization__name"):
        if membership.user.is_active:
            found[membership.user].append(membership)
    return found


def _digest_draft(
    user: User, memberships: list[Membership], preference: AlertPreference, today: date
) -> NotificationDraft | None:
    period = digest_period(frequency=preference.digest, today=today)
    if period is None or not preference.email_kinds:
        return None
    groups = []
    for membership in memberships:
        actor = Actor(user=user, membership=membership, memberships=tuple(memberships))
        alerts = alerts_for_digest(
            actor=actor, kinds=preference.email_kinds, start=period.start, end=period.end
        )
        if alerts:
            groups.append(
                {
                    "organization": membership.organization.name,
                    "alerts": [
                        {"kind": a.kind, "severity": a.severity, "args": a.args} for a in alerts
                    ],
                }
            )
    if not groups:
        return None
    return NotificationDraft(
        kind=DIGEST_KIND,
        recipient=user.email,
        language=user.preferred_language,
        dedupe_key=f"alerts-digest:{user.pk}:{period.label}",
        context={
            "frequency": preference.digest,
            "first": period.first.isoformat(),
            "last": period.last.isoformat(),
            "groups": groups,
        },
    )
