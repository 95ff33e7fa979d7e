from collections import Counter
from dataclasses import fields
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.events import seats_running_out_event, subscriber_data, subscriptions_event
from agreements.models import Agreement, AgreementLine, Subscription, SubscriptionLevel
from agreements.subscribers.services.seats import (
    ACTIVITY_FIELDS,
    REASSIGN_AFTER,
    SeatPicker,
    SubscriberDetails,
    access_require,
    count_change,
    date_label,
    lines_lock,
    no_line_error,
    same_person,
    seat_occupy,
    seats_fill,
    seats_free,
)
from notifications.services import NotificationDraft, notification_enqueue_many
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.context import Actor
from webhooks.events import EventType


class BulkAssignError(Exception):
    """Some rows cannot be assigned; nothing was. `errors` maps a row's index to why."""

    def __init__(self, errors: dict[int, str]):
        super().__init__(f"{len(errors)} rows cannot be assigned")
        self.errors = errors


@transaction.atomic
def subscription_assign(
    *, actor: Actor, agreement: Agreement, level: SubscriptionLevel, details: SubscriberDetails
) -> Subscription:
    """Assign one seat of `level` to a person and email them, or say why not."""
    access_require(actor, agreement)
    now = timezone.now()
    line = lines_lock(agreement, [level]).get(level.pk)
    if line is None:
        raise no_line_error(level)
    subscription = SeatPicker(line, now, [details.sign_in_email]).pick(details.sign_in_email)
    seats_fill(subscription, details)
    seat_occupy(subscription, now)
    subscription.save()
    count_change({line.pk: 1})
    subscriptions_event(
        agreement=agreement,
        type=EventType.SUBSCRIPTION_ASSIGNED,
        subscribers=lambda: [subscriber_data(subscription, level.code)],
    )
    seats_running_out_event(agreement=agreement, line_deltas={line.pk: 1})
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
    access_require(actor, agreement)
    now = timezone.now()
    with transaction.atomic():
        lines = lines_lock(agreement, {level for level, _details in rows})
        emails = [details.sign_in_email for _level, details in rows]
        needed = Counter(level.pk for level, _details in rows)
        pickers = {
            level_id: SeatPicker(line, now, emails, needed=needed[level_id])
            for level_id, line in lines.items()
        }
        errors: dict[int, str] = {}
        chosen: list[Subscription] = []
        for index, (level, details) in enumerate(rows):
            picker = pickers.get(level.pk)
            try:
                if picker is None:
                    raise no_line_error(level)
                subscription = picker.pick(details.sign_in_email)
            except ValidationError as error:
                errors[index] = error.messages[0]
                continue
            seats_fill(subscription, details)
            seat_occupy(subscription, now)
            chosen.append(subscription)
        if errors:
            raise BulkAssignError(errors)
        new = [subscription for subscription in chosen if subscription.pk is None]
        reused = [subscription for subscription in chosen if subscription.pk is not None]
        Subscription.objects.bulk_create(new, batch_size=1000)
        Subscription.objects.bulk_update(
            reused,
            [field.name for field in fields(SubscriberDetails)]
            + ["assigned_at", "last_assigned_at", "last_assignee_email", *ACTIVITY_FIELDS],
            batch_size=1000,
        )
        deltas: dict[int, int] = {}
        for subscription in chosen:
            deltas[subscription.line_id] = deltas.get(subscription.line_id, 0) + 1
        count_change(deltas)
        codes = {line.pk: line.level.code for line in lines.values()}
        subscriptions_event(
            agreement=agreement,
            type=EventType.SUBSCRIPTION_ASSIGNED,
            subscribers=lambda: [subscriber_data(row, codes[row.line_id]) for row in chosen],
        )
        seats_running_out_event(agreement=agreement, line_deltas=deltas)
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
    access_require(actor, agreement)
    now = timezone.now()
    lines = lines_lock(agreement, {subscription.line.level, level})
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if not subscription.is_assigned:
        raise ValidationError(_("This subscription was removed meanwhile."), code="removed")
    before = {field.name: getattr(subscription, field.name) for field in fields(SubscriberDetails)}
    level_changed = level.pk != subscription.line.level_id
    new_person = not same_person(subscription.sign_in_email, details.sign_in_email)
    if level_changed:
        if level.pk not in lines:
            raise no_line_error(level)
        picker = SeatPicker(lines[level.pk], now, [details.sign_in_email])
        moved = picker.pick(details.sign_in_email)
        seats_free(subscription)
        subscription.save()
        count_change({subscription.line_id: -1, lines[level.pk].pk: 1})
        subscription = moved
        new_person = True  # a new seat for them: they hear about it
    elif new_person:
        _reassign_check(subscription, details, now)
    seats_fill(subscription, details)
    if new_person:
        seat_occupy(subscription, now)
    subscription.save()
    changed = sorted(name for name, value in before.items() if value != getattr(details, name))
    if level_changed:
        changed = sorted([*changed, "level"])
        seats_running_out_event(agreement=agreement, line_deltas={lines[level.pk].pk: 1})
    subscriptions_event(
        agreement=agreement,
        type=EventType.SUBSCRIPTION_CHANGED,
        subscribers=lambda: [{**subscriber_data(subscription, level.code), "changed": changed}],
    )
    audit_record(
        actor=actor,
        organization=actor.organization,
        agreement=agreement,
        action=Action.SUBSCRIPTION_UPDATED,
        target=subscription,
        details={"email": subscription.sign_in_email, "changed": changed},
    )
    if new_person:
        _subscribers_notify(
            [subscription], agreement=agreement, event=f"assigned:{now.isoformat()}"
        )
    return subscription


def _reassign_check(subscription: Subscription, details: SubscriberDetails, now: datetime) -> None:
    """May this seat go to the person `details` names now? The 90-day rule, and nobody holds
    the level twice."""
    if subscription.last_assigned_at is not None:
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
                    "assigned": date_label(subscription.last_assigned_at),
                    "date": date_label(ready),
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


@transaction.atomic
def subscriptions_remove(
    *, actor: Actor, agreement: Agreement, subscriptions: list[Subscription]
) -> int:
    """Free the seats of these subscribers (all of `agreement`). Returns how many."""
    access_require(actor, agreement)
    line_ids = sorted({subscription.line_id for subscription in subscriptions})
    list(AgreementLine.objects.select_for_update().filter(pk__in=line_ids).order_by("pk"))
    rows = list(
        Subscription.objects.select_for_update()
        .assigned()
        .filter(agreement=agreement, pk__in=[subscription.pk for subscription in subscriptions])
    )
    deltas: dict[int, int] = {}

    def removed() -> list[dict]:
        codes = dict(AgreementLine.objects.filter(pk__in=line_ids).values_list("pk", "level__code"))
        return [subscriber_data(row, codes[row.line_id]) for row in rows]

    # Before the seats are cleared below: the event names who had them.
    subscriptions_event(
        agreement=agreement, type=EventType.SUBSCRIPTION_REMOVED, subscribers=removed
    )
    for subscription in rows:
        audit_record(
            actor=actor,
            organization=actor.organization,
            agreement=agreement,
            action=Action.SUBSCRIPTION_REMOVED,
            target=subscription,
            details={"email": subscription.sign_in_email},
        )
        seats_free(subscription)
        deltas[subscription.line_id] = deltas.get(subscription.line_id, 0) - 1
    Subscription.objects.bulk_update(
        rows,
        [field.name for field in fields(SubscriberDetails)] + ["assigned_at", *ACTIVITY_FIELDS],
    )
    count_change(deltas)
    return len(rows)


@transaction.atomic
def subscriptions_resend(
    *, actor: Actor, agreement: Agreement, subscriptions: list[Subscription]
) -> int:
    """Email these subscribers their subscription again."""
    access_require(actor, agreement)
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
                    "assigned_at": subscription.assigned_at.isoformat()
                    if subscription.assigned_at
                    else None,
                    "first_name": subscription.first_name,
                    "sign_in_email": subscription.sign_in_email,
                    "customer_name": agreement.customer_name,
                    "level": levels[subscription.line_id],
                    "expires_on": agreement.ends_on.isoformat(),
                    "downloads_enabled": subscription.downloads_enabled,
                    "contact_email": agreement.subscriber_contact_email,
                },
                organization=agreement.customer_organization,
                topic=agreement.email_topic,
            )
            for subscription in subscriptions
        ]
    )
