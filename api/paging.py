"""Cursor paging: the cursor is the sort key of the last row a page gave, so a page costs
the same at any depth and rows added meanwhile are neither skipped nor repeated."""

import base64
import json
from collections.abc import Sequence

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .problems import Problem

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


def cursor_encode(values: Sequence) -> str:
    raw = json.dumps([str(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str, length: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        values = None
    if not isinstance(values, list) or len(values) != length:
        raise Problem(400, "invalid-cursor", _("This cursor is not one the API gave."))
    if not all(isinstance(value, str) for value in values):
        raise Problem(400, "invalid-cursor", _("This cursor is not one the API gave."))
    return values


def keyset_page(
    rows: QuerySet,
    *,
    keys: Sequence[str],
    cursor: str | None,
    limit: int,
    descending: bool = False,
) -> tuple[list, str | None]:
    """One page of `rows` ordered by the annotated `keys` (unique together, the last one is
    the primary key), after `cursor`; and the cursor of the next page, or None."""
    direction = "lt" if descending else "gt"
    if cursor:
        values = cursor_decode(cursor, len(keys))
        if not values[-1].isdigit():
            raise Problem(400, "invalid-cursor", _("This cursor is not one the API gave."))
        after = Q()
        for index, key in enumerate(keys):
            step = Q(**{f"{key}__{direction}": values[index]})
            for earlier in range(index):
                step &= Q(**{keys[earlier]: values[earlier]})
            after |= step
        rows = rows.filter(after)
    order = [f"-{key}" if descending else key for key in keys]
    page = list(rows.order_by(*order)[: limit + 1])
    if len(page) <= limit:
        return page, None
    page = page[:limit]
    last = page[-1]
    # Model instances or `.values()` dicts.
    values = (
        [last[key] for key in keys]
        if isinstance(last, dict)
        else [getattr(last, key) for key in keys]
    )
    return page, cursor_encode(values)


def newest_first_page(rows: QuerySet, *, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """A page of rows by creation time, newest first (history, emails): the keyset is the
    creation time and the primary key."""
    rows = rows.annotate(k_at=F("created_at"), k_id=F("pk"))
    return keyset_page(rows, keys=["k_at", "k_id"], cursor=cursor, limit=limit, descending=True)
