"""Every read of the command center, scoped by the one access rule
(`Agreement.objects.visible_to`): a partner sees its linked agreements, a customer's
administrators their own. Each list is a fixed number of queries however many rows."""

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
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
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, Greatest

from agreements.access import AgreementAccess, access_of_grants, agreements_with_grants
from agreements.models import (
    Agreement,
    AgreementLine,
    Subscription,
    UsageSnapshot,
)
from agreements.translation import level_name_localized
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


@dataclass(frozen=True, slots=True)
class LevelLine:
    """A level of an agreement in the table: its seats and the peak of the usage year."""

    level_name: str
    seats_purchased: int
    seats_assigned: int
    year_peak: int

    # The same property as the model's, over the same two fields.
    seats_available = AgreementLine.seats_available


@dataclass(frozen=True, slots=True)
class CommandCenterRow:
    """One agreement of the table with its numbers, read as plain values (model instances
    for the agreement, its lines and their levels cost more than the rest of the page)."""

    pk: int
    public_id: uuid.UUID
    customer_name: str
    authorization_number: str
    license_number: str
    status: str
    ends_on: date
    last_change: datetime | None
    never_activated: int
    last_seen: datetime | None
    days_left: int
    # What the actor may do with it: the access rule's answer (`access_of_grants`).
    access: AgreementAccess | None
    lines: tuple[LevelLine, ...]
    # The names of the actor's organization's tags on the agreement, sorted.
    tags: tuple[str, ...]

    @property
    def purchased(self) -> int:
        return sum(line.seats_purchased for line in self.lines)

    @property
    def assigned(self) -> int:
        return sum(line.seats_assigned for line in self.lines)

    @property
    def free(self) -> int:
        return self.purchased - self.assigned

    @property
    def free_percent(self) -> int:
        """Whole percent of the purchased seats still free: what `_with_free` works out in
        SQL for the filter and the order, from the same lines."""
        return self.free * 100 // max(self.purchased, 1)

    @property
    def scope_label(self) -> str:
        return str(self.access.label) if self.access else ""

    @property
    def status_label(self) -> str:
        return str(Agreement.Status(self.status).label)


# The row's fields read from the agreement's query; the others are worked out after.
_ROW_VALUES = tuple(
    field.name
    for field in fields(CommandCenterRow)
    if field.name not in {"days_left", "access", "lines", "tags"}
)
# What a row reads of the numbers (its seat totals are added up from its lines).
ROW_NUMBERS = ("last_change", "never_activated", "last_seen")


def command_center_rows(
    *, actor: Actor, filters: Filters, today: date
) -> Iterator[CommandCenterRow]:
    """Every row of the actor's table the filters keep, in its order (`command_center_page`
    shows one page of them): four queries every 500 rows."""
    ids = list(_chosen_ids(actor=actor, filters=filters, today=today))
    for start in range(0, len(ids), 500):
        yield from _rows_of(ids[start : start + 500], actor=actor, today=today)


def _chosen_ids(*, actor: Actor, filters: Filters, today: date) -> QuerySet[Any]:
    """The ids of the actor's agreements the filters keep, in the table's order, worked out
    with only the numbers the filter and order read."""
    names = _numbers_read_by(filters)
    rows: QuerySet[Any] = Agreement.objects.visible_to(actor).annotate(**_agreement_numbers(names))
    if "purchased" in names:
        rows = _with_free(rows)
    return _sorted(_filtered(rows, filters, today), filters).values_list("pk", flat=True)


def _rows_of(ids: list[int], *, actor: Actor, today: date) -> list[CommandCenterRow]:
    """The rows of agreements chosen through the access rule (`_chosen_ids`), in the order
    of `ids`: their numbers with the actor's grants, their levels and the actor's tags.
    Three queries."""
    # scoping: the ids came from the scoped, filtered rows; the rule is not compiled and run
    # a second time, only read for each row's access.
    chosen = Agreement.objects.filter(pk__in=ids).annotate(**_agreement_numbers(ROW_NUMBERS))
    numbers = agreements_with_grants(actor=actor, agreements=chosen).order_by()
    by_pk = {values["pk"]: values for values in numbers.values(*_ROW_VALUES, *_GRANTS)}
    lines = defaultdict(list)
    for agreement_id, *line in (
        _lines_with_year_peak(today)
        .filter(agreement__in=ids)
        .values_list("agreement_id", "level_name", "seats_purchased", "seats_assigned", "year_peak")
    ):
        lines[agreement_id].append(LevelLine(*line))
    tags = defaultdict(list)
    for agreement_id, name in (
        AgreementTag.objects.filter(  # scoping: the actor's tags on the scoped rows' ids
            tag__in=Tag.objects.visible_to(actor), agreement__in=ids
        )
        .order_by("tag__name")
        .values_list("agreement_id", "tag__name")
    ):
        tags[agreement_id].append(name)
    return [
        _row(by_pk[pk], actor=actor, today=today, lines=tuple(lines[pk]), tags=tuple(tags[pk]))
        for pk in ids
    ]


# Read with each row for the access rule's answer (`agreements_with_grants`).
_GRANTS = ("customer_organization_id", "granted_role", "granted_scope")


def _row(
    values: dict, *, actor: Actor, today: date, lines: tuple[LevelLine, ...], tags: tuple[str, ...]
) -> CommandCenterRow:
    access = access_of_grants(
        actor=actor,
        customer_organization_id=values.pop("customer_organization_id"),
        role=values.pop("granted_role"),
        scope=values.pop("granted_scope"),
    )
    return CommandCenterRow(
        **values,
        days_left=(values["ends_on"] - today).days,
        access=access,
        lines=lines,
        tags=tags,
    )


def _lines_with_year_peak(today: date) -> QuerySet[Any]:
    """Agreement lines with `level_name` (in the reader's language) and `year_peak`: the most
    seats assigned at once in the usage year. Any: the stubs cannot see the annotations."""
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
    return AgreementLine.objects.annotate(  # scoping: read for the scoped rows' ids
        level_name=level_name_localized("level__name"),
        year_peak=Greatest(
            Coalesce(Subquery(recorded_peak, output_field=IntegerField()), Value(0)),
            F("seats_assigned"),
            output_field=IntegerField(),
        ),
    ).order_by("level__sort_order", "level_name")


def _last_change() -> Subquery:
    return Subquery(
        AuditEntry.objects.filter(agreement=OuterRef("pk"))  # scoping: the outer agreements
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def _never_activated() -> Coalesce:
    # Counted off the partial index subscription_never_activated: the never-activated seats
    # only, however many were activated.
    count = (
        Subscription.objects.filter(  # scoping: the outer agreements
            agreement=OuterRef("pk"), assigned_at__isnull=False, activated_at__isnull=True
        )
        .order_by()
        .values("agreement")
        .annotate(count=Count("*"))  # not the pk: the index alone answers (index-only scan)
        .values("count")
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0))


def _last_seen() -> Subquery:
    # The first entry of the agreement's part of the subscription_last_seen index.
    return Subquery(
        Subscription.objects.filter(  # scoping: the outer agreements
            agreement=OuterRef("pk"), last_seen_at__isnull=False
        )
        .order_by("-last_seen_at")
        .values("last_seen_at")[:1]
    )


# The per-agreement numbers, each built only when asked for (building one costs the ORM
# about half a millisecond): seat totals, last change, seats never activated, last seen.
NUMBERS: dict[str, Callable[[], Any]] = {
    "purchased": lambda: _line_sum("seats_purchased"),
    "assigned": lambda: _line_sum("seats_assigned"),
    "last_change": _last_change,
    "never_activated": _never_activated,
    "last_seen": _last_seen,
}


def _agreement_numbers(names: Iterable[str]) -> dict:
    """The annotations of the numbers in `names`."""
    return {name: NUMBERS[name]() for name in names}


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
    """One page of `command_center_rows`. The ids of every row the filters keep come first,
    in one query with only the numbers the filter and order read (a partner's few thousand
    ids at most: cheaper than a COUNT and a slice, each compiling the access rule again);
    the per-row numbers (peaks, never activated, last seen...) are then worked out for the
    rows shown only. Four queries."""
    ids = list(_chosen_ids(actor=actor, filters=filters, today=today))
    page = Paginator(ids, size).get_page(number)
    page.object_list = _rows_of(list(page.object_list), actor=actor, today=today)
    return page


def usage_across_customers(*, actor: Actor, today: date) -> tuple[int, list[LevelUsage]]:
    """How many agreements the actor manages (those of the command center's table), and per
    level their seats over the past year added together (`usage_across`). Four queries."""
    agreements = Agreement.objects.visible_to(actor)
    return agreements.count(), usage_across(agreements, today)
