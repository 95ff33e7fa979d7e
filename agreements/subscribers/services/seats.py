"""Seat bookkeeping shared by every assignment: who a subscription is for, picking a free
seat of a level with its lines locked, and the counts and usage snapshot kept in step.
"""

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Subquery
from django.db.models.functions import Greatest, Lower
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agreements.access import agreement_writable
from agreements.models import (
    Agreement,
    AgreementLine,
    Subscription,
    SubscriptionLevel,
    UsageSnapshot,
)
from portal.dates import date_display
from portal.tenancy.context import Actor


@dataclass(frozen=True)
class SubscriberDetails:
    """Who a subscription is for, as an admin enters it (already validated by a form)."""

    first_name: str
    last_name: str
    sign_in_email: str
    notification_email: str = ""
    reference: str = ""
    downloads_enabled: bool = True
    country: str = ""
    language: str = "en"


def date_label(moment: datetime) -> str:
    return date_display(moment)


def number_label(count: int) -> str:
    return formats.number_format(count, force_grouping=True)


def usage_record(*, line_id: int, day: date) -> None:
    """Raise the line's snapshot for `day` to its current assigned count if that is higher.
    Call it with the line locked (as assignments do), so two updates cannot interleave."""
    assigned = AgreementLine.objects.filter(pk=line_id).values("seats_assigned")
    raised = UsageSnapshot.objects.filter(line_id=line_id, day=day).update(
        max_assigned=Greatest(F("max_assigned"), Subquery(assigned))
    )
    if not raised:
        UsageSnapshot.objects.create(
            line_id=line_id, day=day, max_assigned=assigned.get()["seats_assigned"]
        )


REASSIGN_AFTER = timedelta(days=90)


def access_require(actor: Actor, agreement: Agreement) -> None:
    """Every write here needs access that writes: a read-only partner changes nothing."""
    if not agreement_writable(actor=actor, agreement=agreement):
        raise PermissionDenied


def same_person(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


class SeatPicker:
    """Hands out the seats of one locked line, in memory, so that one subscriber and a
    ten-thousand-row workbook follow the same rules with a handful of queries."""

    def __init__(self, line: AgreementLine, now: datetime, emails: Iterable[str], needed: int = 1):
        self.line = line
        self.now = now
        # How many seats of this line the caller asks for at once: a workbook's rows.
        self.needed = needed
        self.free_at_start = line.seats_purchased - line.seats_assigned
        keys = {email.strip().casefold() for email in emails}
        # Three queries whatever the size of the line: who of these people has a seat of
        # this level already, the free seats, and how many seats were ever made.
        self.taken = set(
            Subscription.objects.assigned()
            .filter(line=line)
            .annotate(email_key=Lower("sign_in_email"))
            .filter(email_key__in=keys)
            .values_list("email_key", flat=True)
        )
        self.free = list(
            Subscription.objects.filter(line=line, assigned_at__isnull=True).order_by(
                F("last_assigned_at").asc(nulls_first=True), "pk"
            )
        )
        self.rows_made = Subscription.objects.filter(line=line).count()
        self.assigned = line.seats_assigned

    def pick(self, email: str) -> Subscription:
        """The seat `email` gets (not saved), or ValidationError saying why there is none."""
        level = self.line.level.name
        key = email.strip().casefold()
        if key in self.taken:
            raise ValidationError(
                _("%(email)s already has the %(level)s subscription on this agreement.")
                % {"email": email, "level": level},
                code="duplicate",
            )
        if self.assigned >= self.line.seats_purchased and self.needed > 1:
            raise ValidationError(
                _(
                    "This workbook asks for %(needed)s %(level)s seats and %(free)s of the "
                    "%(purchased)s bought are free: remove %(over)s rows of this level or buy "
                    "more seats."
                )
                % {
                    "needed": number_label(self.needed),
                    "level": level,
                    "free": number_label(self.free_at_start),
                    "purchased": number_label(self.line.seats_purchased),
                    "over": number_label(self.needed - self.free_at_start),
                },
                code="no_seat",
            )
        if self.assigned >= self.line.seats_purchased:
            raise ValidationError(
                _(
                    "No %(level)s seat is left on this agreement: all %(count)s are assigned. "
                    "Remove a subscriber or buy more seats."
                )
                % {"level": level, "count": self.line.seats_purchased},
                code="no_seat",
            )
        seat = self._reusable(key)
        if seat is None and self.rows_made < self.line.seats_purchased:
            seat = Subscription(agreement_id=self.line.agreement_id, line=self.line)
            self.rows_made += 1
        if seat is None:
            # Every free seat here was assigned before (a never-assigned one is reusable).
            last_assigned = self.free[0].last_assigned_at
            assert last_assigned is not None
            soonest = last_assigned + REASSIGN_AFTER
            raise ValidationError(
                _(
                    "Every free %(level)s seat was assigned to someone else in the last 90 days. "
                    "A seat can go to a new person on %(date)s."
                )
                % {"level": level, "date": date_label(soonest)},
                code="reassign_too_soon",
            )
        self.taken.add(key)
        self.assigned += 1
        return seat

    def _reusable(self, key: str) -> Subscription | None:
        for seat in self.free:  # this person's own former seat first
            if seat.last_assignee_email.casefold() == key:
                self.free.remove(seat)
                return seat
        for seat in self.free:  # oldest first
            if seat.last_assigned_at is None or seat.last_assigned_at <= self.now - REASSIGN_AFTER:
                self.free.remove(seat)
                return seat
        return None

    def release(self, subscription: Subscription) -> None:
        self.taken.discard(subscription.sign_in_email.casefold())
        self.assigned -= 1


def lines_lock(
    agreement: Agreement, levels: Iterable[SubscriptionLevel]
) -> dict[int, AgreementLine]:
    """The agreement's lines for `levels`, locked in a fixed order (no deadlocks)."""
    lines = {
        line.level_id: line
        for line in AgreementLine.objects.select_for_update(of=("self",))
        .filter(agreement=agreement, level__in=list(levels))
        .select_related("level")
        .order_by("pk")
    }
    return lines


def no_line_error(level: SubscriptionLevel) -> ValidationError:
    return ValidationError(
        _("This agreement has no %(level)s subscriptions.") % {"level": level.name},
        code="no_line",
    )


def seats_fill(subscription: Subscription, details: SubscriberDetails) -> None:
    for field in fields(SubscriberDetails):
        setattr(subscription, field.name, getattr(details, field.name))


# Cleared by seat_occupy and seats_free: the fields to save with theirs.
ACTIVITY_FIELDS = ("activated_at", "last_seen_at")


def seat_occupy(subscription: Subscription, now: datetime) -> None:
    subscription.assigned_at = now
    subscription.last_assigned_at = now
    subscription.last_assignee_email = subscription.sign_in_email
    # The new subscriber has not opened it yet.
    subscription.activated_at = subscription.last_seen_at = None


def count_change(line_deltas: dict[int, int]) -> None:
    """Move the lines' assigned counts, and today's high-water mark with them."""
    today = timezone.localdate()
    for line_id, delta in line_deltas.items():
        if not delta:
            continue
        AgreementLine.objects.filter(pk=line_id).update(seats_assigned=F("seats_assigned") + delta)
        if delta > 0:
            usage_record(line_id=line_id, day=today)


def seats_free(subscription: Subscription) -> None:
    """Clear the person from the seat; who had it last and when stay, for the 90-day rule."""
    seats_fill(
        subscription, SubscriberDetails(first_name="", last_name="", sign_in_email="", language="")
    )
    subscription.assigned_at = None
    subscription.activated_at = subscription.last_seen_at = None
