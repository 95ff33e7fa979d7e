"""Every read of the command center, scoped by the one access rule
(`Agreement.objects.visible_to`): a partner sees its linked agreements, a customer's
administrators their own. Each list is a fixed number of queries however many rows."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, Greatest

from agreements.models import (
    Agreement,
    AgreementAdmin,
    AgreementLine,
    PartnerLink,
    Subscription,
    UsageSnapshot,
)
from agreements.usage.selectors import LevelUsage, usage_across, usage_window
from portal.audit.models import AuditEntry
from portal.tenancy.context import Actor

from .models import AgreementTag, Tag

# Sort keys of the table: the name in the URL and the columns it orders by.
SORTS = {
    "customer": ("customer_name", "authorization_number"),
    "ends": ("ends_on", "customer_name"),
    "free": ("free_percent", "customer_name"),
    "changed": ("last_change", "customer_name"),
    "status": ("status", "customer_name"),
    "never": ("never_activated", "customer_name"),
    "seen": ("last_seen", "customer_name"),
}
DEFAULT_SORT = "customer"


@dataclass(frozen=True)
class Filters:
    """What the table shows: a search, a tag, agreements ending within N days, free seats
    above X % of those purchased, and the order."""

    q: str = ""
    tag: Tag | None = None
    ending_within: int | None = None
    free_above: int | None = None
    # Only agreements with seats whose subscriber never opened them.
    never_activated: bool = False
    sort: str = DEFAULT_SORT
    descending: bool = False


def tag_list(*, actor: Actor) -> QuerySet[Tag]:
    return Tag.objects.visible_to(actor)


def tag_get_or_none(*, actor: Actor, public_id) -> Tag | None:
    return Tag.objects.visible_to(actor).filter(public_id=public_id).first()


def _line_sum(field: str) -> Coalesce:
    total = (
        AgreementLine.objects.filter(agreement=OuterRef("pk"))  # scoping: the outer agreements
        .order_by()
        .values("agreement")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def command_center_rows(*, actor: Actor, filters: Filters, today: date) -> QuerySet[Agreement]:
    """The actor's agreements with their numbers, filtered and sorted: per level (lines, with
    `year_peak`), the totals, the last change, the partner's scope or the admin's role, and
    the actor's tags (`actor_tags`), the seats never activated and when a subscriber was last
    seen. Four queries for a page, whatever its length."""
    rows = _with_numbers(Agreement.objects.visible_to(actor), actor=actor, today=today)
    return _sorted(_filtered(rows, filters, today), filters)


def _with_numbers(agreements: QuerySet[Agreement], *, actor: Actor, today: date) -> QuerySet[Any]:
    tags = AgreementTag.objects.filter(tag__in=Tag.objects.visible_to(actor)).select_related("tag")
    return _with_free(agreements.annotate(**_agreement_numbers(actor))).prefetch_related(
        Prefetch("lines", queryset=_lines_with_year_peak(today)),
        Prefetch("command_center_tags", queryset=tags, to_attr="actor_tags"),
    )


def _lines_with_year_peak(today: date) -> QuerySet[AgreementLine]:
    """Agreement lines with `year_peak`: the most seats assigned at once in the usage year."""
    first, last = usage_window(today)
    # The highest in the window, read off the usage_line_peak index (not a Max over a year
    # of rows): the same number.
    recorded_peak = (
        UsageSnapshot.objects.filter(  # scoping: lines of the scoped agreements
            line=OuterRef("pk"), day__gte=first, day__lte=last
        )
        .order_by("-max_assigned", "-day")
        .values("max_assigned")[:1]
    )
    return (
        AgreementLine.objects.select_related("level")  # scoping: prefetched for scoped rows
        .annotate(
            year_peak=Greatest(
                Coalesce(Subquery(recorded_peak, output_field=IntegerField()), Value(0)),
                F("seats_assigned"),
                output_field=IntegerField(),
            )
        )
        .order_by("level__sort_order", "level__name")
    )


def _agreement_numbers(actor: Actor, names: frozenset[str] | None = None) -> dict:
    """The per-agreement annotations (those in `names`, or all): seat totals, last change,
    the actor's scope or role, the seats never activated and the last time a subscriber was
    seen."""
    last_change = (
        AuditEntry.objects.filter(agreement=OuterRef("pk"))  # scoping: the outer agreements
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    # Counted off the partial index subscription_never_activated: the never-activated seats
    # only, however many were activated.
    never_activated = (
        Subscription.objects.filter(  # scoping: the outer agreements
            agreement=OuterRef("pk"), assigned_at__isnull=False, activated_at__isnull=True
        )
        .order_by()
        .values("agreement")
        .annotate(count=Count("*"))  # not the pk: the index alone answers (index-only scan)
        .values("count")
    )
    # The first entry of the agreement's part of the subscription_last_seen index.
    last_seen = (
        Subscription.objects.filter(  # scoping: the outer agreements
            agreement=OuterRef("pk"), last_seen_at__isnull=False
        )
        .order_by("-last_seen_at")
        .values("last_seen_at")[:1]
    )
    scope = PartnerLink.objects.granting_access().filter(
        agreement=OuterRef("pk"), partner_organization=actor.organization
    )
    role = AgreementAdmin.objects.filter(agreement=OuterRef("pk"), user=actor.user)
    numbers = {
        "purchased": _line_sum("seats_purchased"),
        "assigned": _line_sum("seats_assigned"),
        "last_change": Subquery(last_change),
        "partner_scope": Subquery(scope.values("scope")[:1]),
        "admin_role": Subquery(role.values("role")[:1]),
        "never_activated": Coalesce(
            Subquery(never_activated, output_field=IntegerField()), Value(0)
        ),
        "last_seen": Subquery(last_seen),
    }
    return {name: value for name, value in numbers.items() if names is None or name in names}


# The numbers a filter or an order reads, so that the query choosing a page's rows computes
# those only (the rest are worked out for the page's rows alone).
SORT_NUMBERS = {
    "free": frozenset({"purchased", "assigned"}),
    "changed": frozenset({"last_change"}),
    "never": frozenset({"never_activated"}),
    "seen": frozenset({"last_seen"}),
}


def _numbers_read_by(filters: Filters) -> frozenset[str]:
    names = SORT_NUMBERS.get(filters.sort, frozenset())
    if filters.free_above is not None:
        names |= SORT_NUMBERS["free"]
    if filters.never_activated:
        names |= SORT_NUMBERS["never"]
    return names


def _with_free(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.annotate(
        free=ExpressionWrapper(F("purchased") - F("assigned"), output_field=IntegerField()),
        # Whole percent of the purchased seats still free; none purchased counts as 0.
        free_percent=ExpressionWrapper(
            (F("purchased") - F("assigned")) * 100 / Greatest(F("purchased"), Value(1)),
            output_field=IntegerField(),
        ),
    )


def _filtered(rows: QuerySet[Any], filters: Filters, today: date) -> QuerySet[Any]:
    # Any: the rows carry the annotations of command_center_rows, which the stubs cannot see.
    if filters.q:
        rows = rows.filter(
            Q(customer_name__icontains=filters.q)
            | Q(authorization_number__icontains=filters.q)
            | Q(license_number__icontains=filters.q)
            | Q(customer_email__icontains=filters.q)
        )
    if filters.tag is not None:
        rows = rows.filter(
            Exists(AgreementTag.objects.filter(tag=filters.tag, agreement=OuterRef("pk")))
        )
    if filters.ending_within is not None:
        rows = rows.filter(
            ends_on__gte=today, ends_on__lte=today + timedelta(days=filters.ending_within)
        )
    if filters.never_activated:
        rows = rows.filter(never_activated__gt=0)
    if filters.free_above is not None:
        rows = rows.filter(purchased__gt=0, free_percent__gt=filters.free_above)
    return rows


def _sorted(rows: QuerySet[Agreement], filters: Filters) -> QuerySet[Agreement]:
    columns = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    order: list[str | OrderBy]
    if filters.descending:
        order = [F(columns[0]).desc(nulls_last=True), *columns[1:]]
    else:
        order = [F(columns[0]).asc(nulls_first=True), *columns[1:]]
    return rows.order_by(*order, "pk")


# A person search answers at most this many (the page says when there are more).
PERSON_SEARCH_LIMIT = 100


def person_search(*, actor: Actor, query: str) -> QuerySet[Subscription]:
    """Subscribers of every agreement the actor sees whose name, email or reference contains
    `query`, each with its agreement and level. One query."""
    if not query:
        return Subscription.objects.none()
    words = query.split()
    matches = Q()
    for word in words:
        matches &= (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(sign_in_email__icontains=word)
            | Q(notification_email__icontains=word)
            | Q(reference__icontains=word)
        )
    return (
        Subscription.objects.visible_to(actor)
        .filter(matches)
        .select_related("agreement", "line__level")
        .order_by("last_name", "first_name", "sign_in_email", "pk")
    )


def agreement_tag_list(*, actor: Actor, agreement: Agreement) -> QuerySet[AgreementTag]:
    """The actor's organization's tags on an agreement the actor came to through a selector."""
    return (
        AgreementTag.objects.visible_to(actor)
        .filter(agreement=agreement)
        .select_related("tag")
        .order_by("tag__name")
    )


@dataclass(frozen=True)
class ReclaimFilters:
    """Seats whose subscriber never opened them this many days after the assignment, or
    has not been seen for this many days."""

    never_activated_days: int = 30
    unseen_days: int = 90


def reclaim_candidates(
    *, actor: Actor, filters: ReclaimFilters, now: datetime
) -> QuerySet[Subscription]:
    """Assigned seats of the actor's agreements never activated `never_activated_days`
    after their assignment, or whose subscriber was not seen for `unseen_days`; with
    their agreement and level. Two queries a page."""
    never_before = now - timedelta(days=filters.never_activated_days)
    unseen_before = now - timedelta(days=filters.unseen_days)
    return (
        Subscription.objects.visible_to(actor)
        .assigned()
        .filter(
            Q(activated_at__isnull=True, assigned_at__lte=never_before)
            | Q(last_seen_at__lte=unseen_before)
        )
        .select_related("agreement", "line__level")
        .order_by("agreement__customer_name", "agreement_id", "last_name", "first_name", "pk")
    )


def reclaim_selected(*, actor: Actor, guids: list) -> list[Subscription]:
    """The assigned seats of the actor's agreements among `guids` (others are ignored)."""
    return list(
        Subscription.objects.visible_to(actor)
        .assigned()
        .filter(guid__in=guids)
        .select_related("agreement", "line__level")
        .order_by("agreement__customer_name", "agreement_id", "last_name", "first_name", "pk")
    )


def command_center_page(*, actor: Actor, filters: Filters, today: date, number, size: int) -> Page:
    """One page of `command_center_rows`. The page's ids come first, sorted and filtered
    with only the numbers the filter and order read, so the per-row numbers (peaks, never
    activated, last seen...) are worked out for the rows shown only, not for every agreement
    before the sort. Six queries."""
    names = _numbers_read_by(filters)
    rows: QuerySet[Any] = Agreement.objects.visible_to(actor).annotate(
        **_agreement_numbers(actor, names)
    )
    if "purchased" in names:
        rows = _with_free(rows)
    rows = _sorted(_filtered(rows, filters, today), filters)
    page = Paginator(rows.values_list("pk", flat=True), size).get_page(number)
    ids = list(page.object_list)
    # scoping: the ids came from the scoped, filtered rows just above; the rule is not
    # compiled and run a second time for the page's rows.
    shown_rows = _with_numbers(Agreement.objects.filter(pk__in=ids), actor=actor, today=today)
    shown = {agreement.pk: agreement for agreement in shown_rows}
    page.object_list = [shown[pk] for pk in ids]  # ids in, rows out
    return page


def usage_across_customers(*, actor: Actor, today: date) -> tuple[int, list[LevelUsage]]:
    """How many agreements the actor manages (those of the command center's table), and per
    level their seats over the past year added together (`usage_across`). Four queries."""
    agreements = Agreement.objects.visible_to(actor)
    return agreements.count(), usage_across(agreements, today)
