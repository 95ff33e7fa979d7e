"""Operators load Open License orders in bulk from a CSV file.

The whole file is checked before anything is written: one bad row and nothing is imported,
with every problem reported by the line number a spreadsheet shows (the header is line 1).
A valid file places its orders through `order_place`, all in one transaction, so each order
gets the same checks, audit entry and invitation email as one placed in the portal.
"""

import csv
import io
from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agreements.models import Agreement, SubscriptionLevel
from agreements.orders.csv_rows import (
    ORDER_COLUMNS,
    PARTNER,
    REQUIRED_COLUMNS,
    OrderRow,
    PartnerLookup,
    cell_at,
    number_label,
    row_check,
)
from agreements.orders.services import order_place
from portal.tenancy.context import Actor

MAX_FILE_BYTES = 2 * 1024 * 1024


MAX_ORDERS = 5_000


@dataclass(frozen=True)
class RowError:
    """One problem in the file: `line` as a spreadsheet numbers it, None for the whole file."""

    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


class OrderImportError(Exception):
    """The file cannot be imported; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


@dataclass(frozen=True)
class OrderImportResult:
    orders: list[OrderRow]
    # The agreements placed, in file order; empty on a dry run.
    agreements: list[Agreement]


def order_import(*, actor: Actor, file: BinaryIO, dry_run: bool = False) -> OrderImportResult:
    """Check the whole file, then place every order in one transaction, or none.

    Raises OrderImportError with every problem found; PermissionDenied unless the actor is
    an operator (a staff user). With `dry_run`, checks only.
    """
    if not actor.is_authenticated or not actor.user.is_staff:
        raise PermissionDenied
    orders = order_file_parse(file=file)
    if dry_run:
        return OrderImportResult(orders=orders, agreements=[])
    agreements = []
    with transaction.atomic():
        for order in orders:
            try:
                agreement = order_place(
                    actor=actor,
                    partner=order.partner,
                    customer_name=order.customer_name,
                    customer_email=order.customer_email,
                    seats=order.seats,
                    default_language=order.language,
                    country=order.country,
                )
            except PermissionDenied as error:
                # The organization stopped being a partner since the file was checked.
                message = _("%(partner)s is not a partner organization.") % {
                    "partner": order.partner.name
                }
                raise OrderImportError([RowError(order.line, message)]) from error
            except ValidationError as error:
                message = " ".join(error.messages)
                raise OrderImportError([RowError(order.line, message)]) from error
            agreements.append(agreement)
    return OrderImportResult(orders=orders, agreements=agreements)


def order_file_parse(*, file: BinaryIO) -> list[OrderRow]:
    """The orders of a CSV file, or OrderImportError listing every problem in it."""
    records = _records_read(_text_read(file))
    if not records or not any(cell.strip() for cell in records[0]):
        raise OrderImportError(
            [RowError(1, _("The file is empty: its first line must name the columns."))]
        )
    columns, levels = _header_read(records[0])
    rows = [
        (line, [cell.strip() for cell in record])
        for line, record in enumerate(records[1:], start=2)
        if any(cell.strip() for cell in record)
    ]
    if not rows:
        raise OrderImportError([RowError(None, _("The file has no orders below its header."))])
    if len(rows) > MAX_ORDERS:
        raise OrderImportError(
            [
                RowError(
                    None,
                    _("The file has %(count)s orders; at most %(max)s can be imported at once.")
                    % {"count": number_label(len(rows)), "max": number_label(MAX_ORDERS)}
                    + " "
                    + _("Split it into smaller files."),
                )
            ]
        )
    partners = PartnerLookup([cell_at(cells, columns[PARTNER]) for _line, cells in rows])
    errors: list[RowError] = []
    orders: list[OrderRow] = []
    seen: dict[tuple[int, str], int] = {}
    for line, cells in rows:
        row_errors, order = row_check(line, cells, columns, levels, partners)
        if order is not None:
            key = (order.partner.pk, order.customer_email.casefold())
            if key in seen:
                row_errors.append(
                    _(
                        "Same partner and customer email as line %(line)d: put all of a "
                        "customer's subscriptions on one row."
                    )
                    % {"line": seen[key]}
                )
            else:
                seen[key] = line
        errors.extend(RowError(line, message) for message in row_errors)
        if not row_errors:
            orders.append(order)
    if errors:
        raise OrderImportError(errors)
    return orders


def expected_columns() -> list[str]:
    """Every column a file may have, in the documented order."""
    return [*ORDER_COLUMNS, *SubscriptionLevel.objects.values_list("code", flat=True)]


def _text_read(file: BinaryIO) -> str:
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise OrderImportError(
            [
                RowError(
                    None,
                    _("The file is larger than %(size)s MB. Split it into smaller files.")
                    % {"size": number_label(MAX_FILE_BYTES // (1024 * 1024))},
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise OrderImportError(
            [
                RowError(
                    line,
                    _(
                        "The file is not UTF-8 text. Save it as “CSV UTF-8” from your "
                        "spreadsheet and import it again."
                    ),
                )
            ]
        ) from error
    if "\x00" in text:
        # No spreadsheet writes one into CSV text, and the database cannot store one.
        line = text[: text.index("\x00")].count("\n") + 1
        raise OrderImportError(
            [RowError(line, _("This line holds a null character: the file is not CSV text."))]
        )
    return text


def _records_read(text: str) -> list[list[str]]:
    """Every record, blank ones included, so that a record's index is its spreadsheet line."""
    header_line = text.partition("\n")[0]
    # Spreadsheets set to a language that writes decimal commas save with semicolons.
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as error:
        raise OrderImportError(
            [
                RowError(
                    reader.line_num,
                    _("This line cannot be read as CSV (%(error)s).") % {"error": error},
                )
            ]
        ) from error


def _header_read(header: list[str]) -> tuple[dict[str, int], dict[int, SubscriptionLevel]]:
    """The index of each order column, and the level of each seat column."""
    known_levels = {level.code.lower(): level for level in SubscriptionLevel.objects.all()}
    columns: dict[str, int] = {}
    levels: dict[int, SubscriptionLevel] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for index, cell in enumerate(header):
        name = cell.strip()
        key = name.lower()
        if not key:
            continue  # a trailing empty column some spreadsheets add; its cells must be empty
        if key in columns or any(level.code.lower() == key for level in levels.values()):
            repeated.append(name)
        elif key in ORDER_COLUMNS:
            columns[key] = index
        elif key in known_levels:
            levels[index] = known_levels[key]
        else:
            unknown.append(name)
    messages = []
    if unknown:
        messages.append(
            _("Unknown columns: %(columns)s. The columns are: %(expected)s.")
            % {"columns": _quoted(unknown), "expected": _quoted(expected_columns())}
        )
    if repeated:
        messages.append(
            _("These columns appear more than once: %(columns)s.") % {"columns": _quoted(repeated)}
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        messages.append(_("Missing columns: %(columns)s.") % {"columns": _quoted(missing)})
    if not levels and not unknown:
        messages.append(
            _("Add a seats column for at least one subscription level: %(codes)s.")
            % {"codes": _quoted(list(known_levels))}
        )
    if messages:
        raise OrderImportError([RowError(1, message) for message in messages])
    return columns, levels


def _quoted(names: list[str]) -> str:
    return ", ".join(f"“{name}”" for name in names)
