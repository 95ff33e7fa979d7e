"""The Subscribers grid's query: which subscribers match, in which order, how many a page.

Only whitelisted values leave `GridState.from_params`, so nothing a URL carries reaches
`order_by` or the page size unchecked.
"""

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.db.models.lookups import IsNull
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agreements.models import Agreement, Subscription
from agreements.models.subscriptions import ACTIVATED_ORDER, LAST_SEEN_ORDER
from agreements.subscribers.selectors import subscriber_list
from agreements.translation import level_name_localized

PAGE_SIZES = (25, 50, 100)


DEFAULT_PAGE_SIZE = 50


DEFAULT_SORT = "last_name"


MAX_QUERY_LENGTH = 100


# Each word must match some field; a handful of words is plenty for a name or an email.
MAX_TERMS = 5


SEARCH_FIELDS = ("first_name", "last_name", "sign_in_email", "notification_email", "reference")


@dataclass(frozen=True)
class GridColumn:
    key: str
    label: str | Promise
    # What the rows are ordered by for this column: names compare case-insensitively.
    order: tuple[F | Lower | IsNull, ...]


COLUMNS = (
    GridColumn("first_name", _("First name"), (Lower("first_name"),)),
    GridColumn("last_name", _("Last name"), (Lower("last_name"),)),
    GridColumn("sign_in_email", _("Sign-in email"), (Lower("sign_in_email"),)),
    GridColumn("notification_email", _("Notification email"), (Lower("notification_email"),)),
    GridColumn("level", _("Level"), (F("line__level__sort_order"),)),
    GridColumn("assigned", pgettext_lazy("date column", "Assigned"), (F("assigned_at"),)),
    GridColumn("activated", pgettext_lazy("date column", "Activated"), ACTIVATED_ORDER),
    GridColumn("last_seen", pgettext_lazy("date column", "Last seen"), LAST_SEEN_ORDER),
    # Every subscription ends with its agreement, so on one agreement's grid the
    # tie-breakers alone decide this order.
    GridColumn("reference", _("Reference"), (Lower("reference"),)),
    GridColumn("downloads", _("Downloads"), (F("downloads_enabled"),)),
    GridColumn("country", _("Country/region"), (F("country"),)),
    GridColumn("language", _("Language"), (F("language"),)),
)


COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}


# Rows that tie on the sorted column keep one order from page to page.
TIE_BREAKERS = (Lower("last_name").asc(), Lower("first_name").asc(), F("pk").asc())


@dataclass(frozen=True)
class GridState:
    """What the grid shows, from its query parameters: q, sort (`-` for descending),
    page and size."""

    q: str = ""
    sort: str = DEFAULT_SORT
    descending: bool = False
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "GridState":
        q = " ".join(params.get("q", "").replace("\x00", "").split())[:MAX_QUERY_LENGTH]
        sort = params.get("sort", "")
        descending = sort.startswith("-")
        sort = sort.removeprefix("-")
        if sort not in COLUMNS_BY_KEY:
            sort, descending = DEFAULT_SORT, False
        return cls(
            q=q,
            sort=sort,
            descending=descending,
            page=_positive_int(params.get("page"), default=1),
            size=_choice_int(params.get("size"), PAGE_SIZES, default=DEFAULT_PAGE_SIZE),
        )

    @property
    def sort_param(self) -> str:
        return f"-{self.sort}" if self.descending else self.sort

    def params(self, **changes) -> dict[str, str]:
        """The query parameters of this state with `changes`, defaults left out."""
        state = replace(self, **changes)
        params = {
            "q": (state.q, ""),
            "sort": (state.sort_param, DEFAULT_SORT),
            "page": (state.page, 1),
            "size": (state.size, DEFAULT_PAGE_SIZE),
        }
        return {name: str(value) for name, (value, default) in params.items() if value != default}

    def querystring(self, **changes) -> str:
        """`?` and the parameters, or nothing for the grid as it first opens."""
        params = self.params(**changes)
        return f"?{urlencode(params)}" if params else ""

    def headers(self) -> list[dict]:
        """Each column's label, the query that sorts by it (the other way round if it is
        the sorted column, from the first page) and its aria-sort."""
        headers = []
        for column in COLUMNS:
            current = column.key == self.sort
            aria_sort = None
            if current:
                aria_sort = "descending" if self.descending else "ascending"
            query = self.querystring(
                sort=column.key, descending=current and not self.descending, page=1
            )
            # A break opportunity after a slash ("Country/region"): a narrow column.
            label = str(column.label).replace("/", "/\u200b")
            headers.append(
                {"key": column.key, "label": label, "query": query, "aria_sort": aria_sort}
            )
        return headers


def _positive_int(value: str | None, *, default: int) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if number >= 1 else default


def _choice_int(value: str | None, choices: tuple[int, ...], *, default: int) -> int:
    number = _positive_int(value, default=default)
    return number if number in choices else default


def subscriber_search(queryset: QuerySet[Subscription], q: str) -> QuerySet[Subscription]:
    """Rows where every word of `q` is in a name, an email or the reference, whatever the
    case: "Ana Mar" finds Ana Martin."""
    for term in q.split()[:MAX_TERMS]:
        match = Q()
        for field in SEARCH_FIELDS:
            match |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(match)
    return queryset


def subscriber_grid_queryset(*, agreement: Agreement, state: GridState) -> QuerySet[Subscription]:
    """The agreement's subscribers matching the state's filter, in its order."""
    column = COLUMNS_BY_KEY[state.sort]
    order = [
        expression.desc() if state.descending else expression.asc() for expression in column.order
    ]
    rows = subscriber_list(agreement=agreement)
    rows = subscriber_search(rows, state.q)
    return rows.order_by(*order, *TIE_BREAKERS)


@dataclass(frozen=True, slots=True)
class GridRow:
    """What a row of the grid shows: read as plain values, not as three model instances a
    row (subscription, line, level), which cost more than the rest of the row's work."""

    guid: uuid.UUID
    first_name: str
    last_name: str
    sign_in_email: str
    notification_email: str
    level_name: str
    assigned_at: datetime.datetime
    # Of the current assignment; None: not yet activated, never seen.
    activated_at: datetime.datetime | None
    last_seen_at: datetime.datetime | None
    reference: str
    downloads_enabled: bool
    country: str
    language: str

    # The same property as the model's, over the same two fields.
    full_name = Subscription.full_name


# The row's fields read as they are; the level's name is read in the reader's language.
GRID_ROW_FIELDS = tuple(field.name for field in fields(GridRow) if field.name != "level_name")


def subscriber_page(*, agreement: Agreement, state: GridState) -> Page:
    """One page of the grid (`GridRow`s): a count and a slice, whatever the number of
    subscribers."""
    rows = subscriber_grid_queryset(agreement=agreement, state=state)
    values = rows.values(*GRID_ROW_FIELDS, level_name=level_name_localized("line__level__name"))
    paginator = Paginator(values, state.size)
    if not state.q:
        # Unfiltered, the lines already count the assigned seats (the services keep that
        # count under the line's lock): no COUNT(*) that grows with the subscribers.
        paginator.count = sum(line.seats_assigned for line in agreement.lines.all())
    page = paginator.get_page(state.page)
    page.object_list = [GridRow(**row) for row in page.object_list]
    return page


def page_links(*, state: GridState, page: Page) -> dict[str, str | None]:
    """The queries of the pages before and after `page`, if any, with the same filter,
    order and size."""
    return {
        "previous": state.querystring(page=page.previous_page_number())
        if page.has_previous()
        else None,
        "next": state.querystring(page=page.next_page_number()) if page.has_next() else None,
    }
