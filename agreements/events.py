"""What the agreements app tells webhook endpoints, and whom it tells.

Each event goes to the organizations that see the agreement at that moment: its customer and
every partner whose link grants access, the same rule as the pages (a removed partner hears
nothing more, except the removal of its own link). Call these inside the service's
transaction: the events are written in it, and delivered once it commits.
"""

import math
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q, QuerySet

from portal.tenancy.models import Organization
from webhooks.events import EventType
from webhooks.services import webhook_event_record

from .models import Agreement, AgreementLine, PartnerLink, Subscription

# A level is running out when this share of its seats, or fewer, is left (at least one seat).
RUNNING_OUT_SHARE = 0.1


def agreement_audience(agreement: Agreement) -> QuerySet[Organization]:
    """The organizations that see the agreement now: its customer, and the partners whose
    link grants access (agreements/access.py's rows). A query, evaluated by the caller."""
    # scoping: the access rule's links, for an agreement the calling service already scoped
    partners = PartnerLink.objects.granting_access().filter(agreement=agreement)
    # scoping: the customer and those partners of the agreement the service already scoped
    return Organization.objects.filter(
        Q(pk=agreement.customer_organization_id) | Q(pk__in=partners.values("partner_organization"))
    )


def agreement_data(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": agreement.public_id,
        "authorization_number": agreement.authorization_number,
        "license_number": agreement.license_number,
        "customer_name": agreement.customer_name,
    }


def subscriber_data(subscription: Subscription, level_code: str) -> dict[str, Any]:
    """A subscriber as the API's subscriber resource shows them."""
    return {
        "id": subscription.guid,
        "first_name": subscription.first_name,
        "last_name": subscription.last_name,
        "sign_in_email": subscription.sign_in_email,
        "notification_email": subscription.notification_email,
        "level": level_code,
        "downloads_enabled": subscription.downloads_enabled,
        "reference": subscription.reference,
        "country": subscription.country,
        "language": subscription.language,
        "assigned_at": subscription.assigned_at,
    }


def subscriptions_event(
    *,
    agreement: Agreement,
    type: EventType,
    subscribers: Callable[[], list[dict[str, Any]]],
) -> int:
    """`subscribers` builds the event's subscribers when an endpoint wants them (before the
    caller clears a removed seat: it is called at once, inside this function)."""
    return webhook_event_record(
        organizations=agreement_audience(agreement),
        type=type,
        data=lambda: {"agreement": agreement_data(agreement), "subscribers": subscribers()},
    )


def _threshold(purchased: int) -> int:
    return max(1, math.ceil(purchased * RUNNING_OUT_SHARE))


def seats_running_out_event(*, agreement: Agreement, line_deltas: dict[int, int]) -> int:
    """After seats were taken: an event for each level whose free seats fell to its threshold
    or below with this change (once per crossing, not on every later assignment)."""
    taken = {line_id: delta for line_id, delta in line_deltas.items() if delta > 0}
    if not taken:
        return 0
    # scoping: the lines of the agreement the calling service already scoped and locked
    lines = AgreementLine.objects.filter(pk__in=taken).select_related("level")
    levels = []
    for line in lines:
        available = line.seats_purchased - line.seats_assigned
        threshold = _threshold(line.seats_purchased)
        if available <= threshold < available + taken[line.pk]:
            levels.append(
                {
                    "code": line.level.code,
                    "name": line.level.name,
                    "purchased": line.seats_purchased,
                    "assigned": line.seats_assigned,
                    "available": max(available, 0),
                }
            )
    if not levels:
        return 0
    return webhook_event_record(
        organizations=agreement_audience(agreement),
        type=EventType.SEATS_RUNNING_OUT,
        data=lambda: {"agreement": agreement_data(agreement), "levels": levels},
    )


def partner_link_event(*, link: PartnerLink, type: EventType) -> int:
    """To the customer and to the link's partner (who hears of its own link's end too)."""
    agreement = link.agreement
    audience: Iterable[Organization] = [
        organization
        for organization in (agreement.customer_organization, link.partner_organization)
        if organization is not None
    ]
    return webhook_event_record(
        organizations=audience,
        type=type,
        data=lambda: {
            "agreement": agreement_data(agreement),
            "partner_link": {
                "id": link.public_id,
                "partner": link.partner_organization.name,
                "partner_id": link.partner_organization.public_id,
                "status": link.status,
                "scope": link.scope,
                "ends_on": link.ends_on,
            },
        },
    )


def bulk_upload_event(*, agreement: Agreement, data: dict[str, Any]) -> int:
    return webhook_event_record(
        organizations=agreement_audience(agreement),
        type=EventType.BULK_UPLOAD_FINISHED,
        data=lambda: {"agreement": agreement_data(agreement), "upload": data},
    )
