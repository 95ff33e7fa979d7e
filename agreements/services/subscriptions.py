"""Assigning an agreement's Visual Studio subscriptions to people.

The rules, for one subscriber or ten thousand:
- a line never has more people than seats: the line row is locked while seats are counted,
  and a database constraint (`assigned <= purchased`) is the last guard;
- each seat is a subscription with its own GUID; a seat that was assigned goes to a
  *different* person only 90 days after it was last assigned (the same person may have it
  back at any time).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Subquery
from django.db.models.functions import Greatest, Lower
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from notifications.services import NotificationDraft, notification_enqueue_many
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.dates import date_display
from portal.tenancy.context import Actor

from ..access import agreement_writable
from ..models import Agreement, AgreementLine, Subscription, SubscriptionLevel, UsageSnapshot

REASSIGN_AFTER = timedelta(days=90)


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


class BulkAssignError(Exception):
    """Some rows cannot be assigned; nothing was. `errors` maps a row's index to why."""

    def __init__(self, errors: dict[int, str]):
        super().__init__(f"{len(errors)} rows cannot be assigned")
        self.errors = errors


def _require_access(actor: Actor, agreement: Agreement) -> None:
    """Every write here needs access that writes: a read-only partner changes nothing."""
    if not agreement_writable(actor=actor, agreement=agreement):
        raise PermissionDenied


def _same_person(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _date(moment: datetime) -> str:
    return date_display(moment)


def _number(count: int) -> str:
    return formats.number_format(count, force_grouping=True)


class _SeatPicker:
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
                    "needed": _number(self.needed),
                    "level": level,
                    "free": _number(self.free_at_start),
                    "purchased": _number(self.line.seats_purchased),
                    "over": _number(self.needed - self.free_at_start),
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
            soonest = self.free[0].last_assigned_at + REASSIGN_AFTER
            raise ValidationError(
                _(
                    "Every free %(level)s seat was assigned to someone else in the last 90 days. "
                    "A seat can go to a new person on %(date)s."
                )
                % {"level": level, "date": _date(soonest)},
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


def _lock_lines(
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


def _no_line_error(level: SubscriptionLevel) -> ValidationError:
    return ValidationError(
        _("This agreement has no %(level)s subscriptions.") % {"level": level.name},
        code="no_line",
    )


def _fill(subscription: Subscription, details: SubscriberDetails) -> None:
    for field in fields(SubscriberDetails):
        setattr(subscription, field.name, getattr(details, field.name))


def _occupy(subscription: Subscription, now: datetime) -> None:
    subscription.assigned_at = now
    subscription.last_assigned_at = now
    subscription.last_assignee_email = subscription.sign_in_email


def _count_change(line_deltas: dict[int, int]) -> None:
    """Move the lines' assigned counts, and today's high-water mark with them."""
    today = timezone.localdate()
    for line_id, delta in line_deltas.items():
        if not delta:
            continue
        AgreementLine.objects.filter(pk=line_id).update(seats_assigned=F("seats_assigned") + delta)
        if delta > 0:
            usage_record(line_id=line_id, day=today)


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


@transaction.atomic
def subscription_assign(
    *, actor: Actor, agreement: Agreement, level: SubscriptionLevel, details: SubscriberDetails
) -> Subscription:
    """Assign one seat of `level` to a person and email them, or say why not."""
    _require_access(actor, agreement)
    now = timezone.now()
    line = _lock_lines(agreement, [level]).get(level.pk)
    if line is None:
        raise _no_line_error(level)
    subscription = _SeatPicker(line, now, [details.sign_in_email]).pick(details.sign_in_email)
    _fill(subscription, details)
    _occupy(subscription, now)
    subscription.save()
    _count_change({line.pk: 1})
    audit_record(
        actor=actor,
        organization=actor.organization,
        agreement=agreement,
        action=Action.SUBSCRIPTION_ASSIGNED,
        target=subscription,
        details={"email": subscription.sign_in_email, "level": level.code},
    )
    _subscribers_notify([subscription], agreement=agreement, event=f"assigned:{now.isoformat()}")
    return subscription


def subscriptions_assign_bulk(
    *,
    actor: Actor,
    agreement: Agreement,
    rows: list[tuple[SubscriptionLevel, SubscriberDetails]],
    source: str = "",
) -> list[Subscription]:
    """Assign every row or none: BulkAssignError lists the rows that cannot be assigned.
    `source` names where the rows came from (the workbook's file) for the History."""
    _require_access(actor, agreement)
    now = timezone.now()
    with transaction.atomic():
        lines = _lock_lines(agreement, {level for level, _details in rows})
        emails = [details.sign_in_email for _level, details in rows]
        needed = Counter(level.pk for level, _details in rows)
        pickers = {
            level_id: _SeatPicker(line, now, emails, needed=needed[level_id])
            for level_id, line in lines.items()
        }
        errors: dict[int, str] = {}
        chosen: list[Subscription] = []
        for index, (level, details) in enumerate(rows):
            picker = pickers.get(level.pk)
            try:
                if picker is None:
                    raise _no_line_error(level)
                subscription = picker.pick(details.sign_in_email)
            except ValidationError as error:
                errors[index] = error.messages[0]
                continue
            _fill(subscription, details)
            _occupy(subscription, now)
            chosen.append(subscription)
        if errors:
            raise BulkAssignError(errors)
        new = [subscription for subscription in chosen if subscription.pk is None]
        reused = [subscription for subscription in chosen if subscription.pk is not None]
        Subscription.objects.bulk_create(new, batch_size=1000)
        Subscription.objects.bulk_update(
            reused,
            [field.name for field in fields(SubscriberDetails)]
            + ["assigned_at", "last_assigned_at", "last_assignee_email"],
            batch_size=1000,
        )
        deltas: dict[int, int] = {}
        for subscription in chosen:
            deltas[subscription.line_id] = deltas.get(subscription.line_id, 0) + 1
        _count_change(deltas)
        audit_record(
            actor=actor,
            organization=actor.organization,
            agreement=agreement,
            action=Action.SUBSCRIPTIONS_IMPORTED,
            details={"count": len(chosen), "file": source},
        )
        _subscribers_notify(chosen, agreement=agreement, event=f"assigned:{now.isoformat()}")
    return chosen


@transaction.atomic
def subscription_update(
    *,
    actor: Actor,
    subscription: Subscription,
    level: SubscriptionLevel,
    details: SubscriberDetails,
) -> Subscription:
    """Change a subscriber's details, level or person. Giving the seat to a different person
    follows the 90-day rule; a new level takes a seat of that level and frees this one."""
    agreement = subscription.agreement
    _require_access(actor, agreement)
    now = timezone.now()
    lines = _lock_lines(agreement, {subscription.line.level, level})
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if not subscription.is_assigned:
        raise ValidationError(_("This subscription was removed meanwhile."), code="removed")
    before = {field.name: getattr(subscription, field.name) for field in fields(SubscriberDetails)}
    level_changed = level.pk != subscription.line.level_id
    new_person = not _same_person(subscription.sign_in_email, details.sign_in_email)
    if level_changed:
        if level.pk not in lines:
            raise _no_line_error(level)
        picker = _SeatPicker(lines[level.pk], now, [details.sign_in_email])
        moved = picker.pick(details.sign_in_email)
        _free(subscription)
        subscription.save()
        _count_change({subscription.line_id: -1, lines[level.pk].pk: 1})
        subscription = moved
        new_person = True  # a new seat for them: they hear about it
    elif new_person:
        ready = subscription.last_assigned_at + REASSIGN_AFTER
        if ready > now:
            raise ValidationError(
                _(
                    "This seat was assigned to %(email)s on %(assigned)s. It can go to another "
                    "person on %(date)s. To give a subscription to %(new)s now, add them on "
                    "another free seat."
                )
                % {
                    "email": subscription.sign_in_email,
                    "assigned": _date(subscription.last_assigned_at),
                    "date": _date(ready),
                    "new": details.sign_in_email,
                },
                code="reassign_too_soon",
            )
        if (
            Subscription.objects.assigned()
            .filter(line=subscription.line, sign_in_email__iexact=details.sign_in_email)
            .exists()
        ):
            raise ValidationError(
                _("%(email)s already has the %(level)s subscription on this agreement.")
                % {"email": details.sign_in_email, "level": subscription.line.level.name},
                code="duplicate",
            )
    _fill(subscription, details)
    if new_person:
        _occupy(subscription, now)
    subscription.save()
    changed = {
        name: str(getattr(details, name))
        for name, value in before.items()
        if value != getattr(details, name)
    }
    if level_changed:
        changed["level"] = level.code
    audit_record(
        actor=actor,
        organization=actor.organization,
        agreement=agreement,
        action=Action.SUBSCRIPTION_UPDATED,
        target=subscription,
        details={"email": subscription.sign_in_email, "changed": sorted(changed)},
    )
    if new_person:
        _subscribers_notify(
            [subscription], agreement=agreement, event=f"assigned:{now.isoformat()}"
        )
    return subscription


def _free(subscription: Subscription) -> None:
    """Clear the person from the seat; who had it last and when stay, for the 90-day rule."""
    _fill(
        subscription, SubscriberDetails(first_name="", last_name="", sign_in_email="", language="")
    )
    subscription.assigned_at = None


@transaction.atomic
def subscriptions_remove(
    *, actor: Actor, agreement: Agreement, subscriptions: list[Subscription]
) -> int:
    """Free the seats of these subscribers (all of `agreement`). Returns how many."""
    _require_access(actor, agreement)
    line_ids = sorted({subscription.line_id for subscription in subscriptions})
    list(AgreementLine.objects.select_for_update().filter(pk__in=line_ids).order_by("pk"))
    rows = list(
        Subscription.objects.select_for_update()
        .assigned()
        .filter(agreement=agreement, pk__in=[subscription.pk for subscription in subscriptions])
    )
    deltas: dict[int, int] = {}
    for subscription in rows:
        audit_record(
            actor=actor,
            organization=actor.organization,
            agreement=agreement,
            action=Action.SUBSCRIPTION_REMOVED,
            target=subscription,
            details={"email": subscription.sign_in_email},
        )
        _free(subscription)
        deltas[subscription.line_id] = deltas.get(subscription.line_id, 0) - 1
    Subscription.objects.bulk_update(
        rows, [field.name for field in fields(SubscriberDetails)] + ["assigned_at"]
    )
    _count_change(deltas)
    return len(rows)


@transaction.atomic
def subscriptions_resend(
    *, actor: Actor, agreement: Agreement, subscriptions: list[Subscription]
) -> int:
    """Email these subscribers their subscription again."""
    _require_access(actor, agreement)
    now = timezone.now()
    rows = list(
        Subscription.objects.assigned().filter(
            agreement=agreement, pk__in=[subscription.pk for subscription in subscriptions]
        )
    )
    _subscribers_notify(rows, agreement=agreement, event=f"resent:{now.isoformat()}")
    if rows:
        audit_record(
            actor=actor,
            organization=actor.organization,
            agreement=agreement,
            action=Action.SUBSCRIPTION_RESENT,
            details={"count": len(rows)},
        )
    return len(rows)


def _level_names(subscriptions: list[Subscription]) -> dict[int, str]:
    """Each line's level name, from the lines already loaded and one query for the rest."""
    names, missing = {}, set()
    line_field = Subscription._meta.get_field("line")
    for subscription in subscriptions:
        if line_field.is_cached(subscription):
            names[subscription.line_id] = subscription.line.level.name
        else:
            missing.add(subscription.line_id)
    if missing - names.keys():
        names.update(
            AgreementLine.objects.filter(pk__in=missing - names.keys()).values_list(
                "pk", "level__name"
            )
        )
    return names


def _subscribers_notify(
    subscriptions: list[Subscription], *, agreement: Agreement, event: str
) -> None:
    """Email each subscriber their subscription (one outbox write for them all). Each email
    keeps what it says as of now; it is cancelled if the seat is no longer theirs when it is
    to be sent (agreements/emails.py)."""
    levels = _level_names(subscriptions)
    notification_enqueue_many(
        drafts=[
            NotificationDraft(
                kind="subscription_assigned",
                recipient=subscription.contact_email,
                language=subscription.language or agreement.default_language,
                dedupe_key=f"subscription:{subscription.guid}:{event}",
                context={
                    "subscription_id": subscription.pk,
                    "assigned_at": subscription.assigned_at.isoformat(),
                    "first_name": subscription.first_name,
                    "sign_in_email": subscription.sign_in_email,
                    "customer_name": agreement.customer_name,
                    "level": levels[subscription.line_id],
                    "expires_on": agreement.ends_on.isoformat(),
                    "downloads_enabled": subscription.downloads_enabled,
                    "contact_email": agreement.subscriber_contact_email,
                },
                organization=agreement.customer_organization,
            )
            for subscription in subscriptions
        ]
    )
