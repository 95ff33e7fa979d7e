"""Reads of agreements themselves: lists, the menu, search, one agreement with the visitor's
access, and its history.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from agreements.access import (
    AgreementAccess,
    agreements_with_grants,
    granted_access,
)
from agreements.models import Agreement, AgreementLine
from notifications.models import Notification
from portal.audit.models import AuditEntry
from portal.tenancy.context import Actor


def _with_lines(agreements: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """With their lines and levels, which most agreement pages count or list."""
    lines = AgreementLine.objects.select_related("level")
    return agreements.prefetch_related(Prefetch("lines", queryset=lines))


def agreement_list(*, actor: Actor) -> QuerySet[Agreement]:
    return _with_lines(Agreement.objects.visible_to(actor)).order_by(
        "customer_name", "authorization_number"
    )


# The agreements dropdown names this many; a partner with hundreds of customers finds the
# others on the home page, which searches them.
AGREEMENT_MENU_SIZE = 10


@dataclass(frozen=True)
class AgreementMenu:
    agreements: list[Agreement]
    has_more: bool


def agreement_menu(*, actor: Actor) -> AgreementMenu:
    """The agreements dropdown: one light query, however many agreements there are."""
    first = list(
        Agreement.objects.visible_to(actor)
        .only("public_id", "authorization_number", "customer_name")
        .order_by("customer_name", "authorization_number")[: AGREEMENT_MENU_SIZE + 1]
    )
    return AgreementMenu(
        agreements=first[:AGREEMENT_MENU_SIZE], has_more=len(first) > AGREEMENT_MENU_SIZE
    )


def agreement_search(*, actor: Actor, query: str) -> QuerySet[Agreement]:
    """The actor's agreements whose customer or numbers contain `query`."""
    agreements = agreement_list(actor=actor)
    if query:
        agreements = agreements.filter(
            Q(customer_name__icontains=query)
            | Q(authorization_number__icontains=query)
            | Q(license_number__icontains=query)
        )
    return agreements


def agreement_get_with_access(
    *, actor: Actor, public_id, with_lines: bool = True
) -> tuple[Agreement, AgreementAccess]:
    """The agreement and the actor's access to it, for the agreement's pages; any agreement
    they may not see, or none, is the same 404. `with_lines=False` leaves out the lines
    and levels, for a caller that reads neither (one query less).

    The rule of `visible_to`, read with the one agreement (agreements/access.py): the
    grants as two small subqueries of the agreement's query, where `visible_to`'s filter
    costs more to compile (about 3 ms) and a query of their own costs a round trip.
    """
    # scoping: granted_access below is visible_to's rule, for this one agreement.
    # Without the customer and partner of record, which only the overview shows.
    agreements = _with_lines(Agreement.objects.all()) if with_lines else Agreement.objects.all()
    agreement = get_object_or_404(
        agreements_with_grants(actor=actor, agreements=agreements), public_id=public_id
    )
    access = granted_access(actor=actor, agreement=agreement)
    if access is None:
        raise Http404
    return agreement, access


def agreement_matching(
    *, authorization_number: str, license_number: str, customer_email: str
) -> Agreement | None:
    """The agreement these three values name together, or None.

    Deliberately not scoped to an actor: proving these values is how a partner gets access.
    Only the partner-link services call it, under the attempt limit.
    """
    return (
        Agreement.objects.filter(
            authorization_number=authorization_number.strip(),
            license_number=license_number.strip(),
            customer_email__iexact=customer_email.strip(),
        )
        .select_related("partner_of_record", "customer_organization")
        .first()
    )


def agreement_history(*, agreement: Agreement) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(agreement=agreement).select_related("actor", "organization")


def agreement_email_list(*, agreement: Agreement) -> QuerySet[Notification]:
    """The emails sent about the agreement's subscriptions, newest first, with their status."""
    # scoping: the agreement came through the access rule; its topic names its emails only.
    emails = Notification.objects.filter(topic=agreement.email_topic)
    return emails.only("public_id", "kind", "recipient", "status", "created_at", "sent_at")
