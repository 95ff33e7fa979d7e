"""Every write of the command center.

Tags are the organization's own labels, seen by nobody else and changing nothing of an
agreement, so they write no audit entry and send no email."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.http import Http404

from agreements.access import agreement_writable
from agreements.models import Agreement, Subscription
from agreements.subscribers.services.assignments import subscriptions_remove
from notifications.services import NotificationDraft, notification_enqueue_many
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.context import Actor

from .emails import RECLAIM_WARNING_KIND
from .models import AgreementTag, Tag


def tag_create(*, actor: Actor, name: str) -> Tag:
    """The organization's tag of that name (case aside), created if new."""
    name = " ".join(name.split())
    existing = Tag.objects.visible_to(actor).filter(name__iexact=name).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Tag.objects.create(organization=actor.acting_organization, name=name)
    except IntegrityError:
        # Created meanwhile by a colleague: the unique constraint kept one.
        return Tag.objects.visible_to(actor).get(name__iexact=name)


@transaction.atomic
def agreement_tags_set(*, actor: Actor, agreement: Agreement, tags: list[Tag]) -> None:
    """The actor's organization's tags on the agreement become exactly `tags`."""
    if not Agreement.objects.visible_to(actor).filter(pk=agreement.pk).exists():
        raise Http404
    own = Tag.objects.visible_to(actor)
    wanted = {tag.pk for tag in tags if tag.organization_id == actor.acting_organization.pk}
    AgreementTag.objects.filter(agreement=agreement, tag__in=own).exclude(
        tag_id__in=wanted
    ).delete()
    AgreementTag.objects.bulk_create(
        [AgreementTag(agreement=agreement, tag_id=pk) for pk in wanted], ignore_conflicts=True
    )


# How long a warned subscriber has to sign in before the seat may be removed.
RECLAIM_WARNING_DAYS = 14


def reclaim_remove_on(today: date) -> date:
    return today + timedelta(days=RECLAIM_WARNING_DAYS)


@transaction.atomic
def reclaim_warn(*, actor: Actor, subscriptions: list[Subscription], remove_on: date) -> int:
    """Email each subscriber that their subscription will be removed on `remove_on` unless
    they sign in, and write it in the agreement's History. Seats of agreements the actor
    may not change (read only) are left out. Returns how many were warned; warning the same
    subscriber again for the same date sends nothing more."""
    drafts = []
    for agreement, seats in _writable_groups(actor, subscriptions):
        for subscription in seats:
            drafts.append(_warning_draft(subscription, agreement, remove_on))
            audit_record(
                actor=actor,
                organization=actor.organization,
                action=Action.SUBSCRIPTION_RECLAIM_WARNED,
                target=subscription,
                agreement=agreement,
                details={"email": subscription.contact_email, "remove_on": remove_on.isoformat()},
            )
    # One insert and one dedupe lookup for the whole page, not a query pair per seat.
    notification_enqueue_many(drafts=drafts)
    return len(drafts)


def _warning_draft(subscription: Subscription, agreement: Agreement, remove_on: date):
    assert subscription.assigned_at is not None  # candidates are assigned seats
    return NotificationDraft(
        kind=RECLAIM_WARNING_KIND,
        recipient=subscription.contact_email,
        language=subscription.language or agreement.default_language,
        dedupe_key=(
            f"reclaim-warning:{subscription.guid}:"
            f"{subscription.assigned_at.isoformat()}:{remove_on.isoformat()}"
        ),
        context={
            "subscription_id": subscription.pk,
            "sign_in_email": subscription.sign_in_email,
            "assigned_at": subscription.assigned_at.isoformat(),
            "first_name": subscription.first_name,
            "customer_name": agreement.customer_name,
            "level": subscription.line.level.name,
            "remove_on": remove_on.isoformat(),
        },
        organization=agreement.customer_organization,
    )


def reclaim_remove(*, actor: Actor, subscriptions: list[Subscription]) -> int:
    """Free these seats, agreement by agreement, through the subscriptions service (which
    writes History and keeps the 90-day rule). Read-only agreements are left out."""
    removed = 0
    with transaction.atomic():
        for agreement, seats in _writable_groups(actor, subscriptions):
            removed += subscriptions_remove(actor=actor, agreement=agreement, subscriptions=seats)
    return removed


def _writable_groups(actor: Actor, subscriptions: list[Subscription]):
    by_agreement: dict[int, list[Subscription]] = {}
    for subscription in subscriptions:
        by_agreement.setdefault(subscription.agreement_id, []).append(subscription)
    for seats in by_agreement.values():
        agreement = seats[0].agreement
        if agreement_writable(actor=actor, agreement=agreement):
            yield agreement, seats
