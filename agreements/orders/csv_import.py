"""Operators load Open License orders in bulk from a CSV file.

The whole file is checked before anything is written: one bad row and nothing is imported,
with every problem reported by the line number a spreadsheet shows (the header is line 1).
A valid file places its orders through `order_place`, all in one transaction, so each order
gets the same checks, audit entry and invitation email as one placed in the portal.
"""

import csv
import io
import re
import uuid
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from agreements.fields import COUNTRY_CODE
from agreements.models import Agreement, SubscriptionLevel
from agreements.orders.services import MAX_SEATS_PER_ORDER, order_place
from portal.spreadsheets import FORMULA_TRIGGERS
from portal.tenancy.context import Actor
from portal.tenancy.models import Organization

MAX_FILE_BYTES = 2 * 1024 * 1024


MAX_ORDERS = 5_000


DEFAULT_LANGUAGE = "en"


PARTNER = "partner"


CUSTOMER_NAME = "customer_name"


CUSTOMER_EMAIL = "customer_email"


LANGUAGE = "language"


COUNTRY = "country"


REQUIRED_COLUMNS = (PARTNER, CUSTOMER_NAME, CUSTOMER_EMAIL)


ORDER_COLUMNS = (*REQUIRED_COLUMNS, LANGUAGE, COUNTRY)


CUSTOMER_NAME_MAX_LENGTH = Agreement._meta.get_field("customer_name").max_length


CUSTOMER_EMAIL_MAX_LENGTH = Agreement._meta.get_field("customer_email").max_length


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
class OrderRow:
    """One checked row: an order ready for `order_place`."""

    line: int
    partner: Organization
    customer_name: str
    customer_email: str
    language: str
    country: str
    seats: dict[SubscriptionLevel, int]


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
                    % {"count": _number(len(rows)), "max": _number(MAX_ORDERS)}
                    + " "
                    + _("Split it into smaller files."),
                )
            ]
        )
    partners = _PartnerLookup([_cell(cells, columns[PARTNER]) for _line, cells in rows])
    errors: list[RowError] = []
    orders: list[OrderRow] = []
    seen: dict[tuple[int, str], int] = {}
    for line, cells in rows:
        row_errors, order = _row_check(line, cells, columns, levels, partners)
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
                    % {"size": _number(MAX_FILE_BYTES // (1024 * 1024))},
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


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def _cell(cells: list[str], index: int) -> str:
    """A row may stop before the header does: the missing cells are empty."""
    return cells[index] if index < len(cells) else ""


class _PartnerLookup:
    """Finds the partners a file names, by public id or exact name, in one query."""

    def __init__(self, references: list[str]) -> None:
        ids, names = set(), set()
        for reference in references:
            public_id = _uuid_or_none(reference)
            if public_id is None:
                names.add(reference)
            else:
                ids.add(public_id)
        # Operators act across tenants: an import names any organization.
        # scoping: operators import for any organization
        found = list(Organization.objects.filter(Q(public_id__in=ids) | Q(name__in=names)))
        self.by_id = {organization.public_id: organization for organization in found}
        self.by_name: dict[str, list[Organization]] = {}
        for organization in found:
            self.by_name.setdefault(organization.name, []).append(organization)

    def find(self, reference: str) -> tuple[Organization | None, str]:
        """The partner organization, or None and why not."""
        if not reference:
            return None, _("The partner is missing: give its id or its exact name.")
        public_id = _uuid_or_none(reference)
        if public_id is not None:
            organization = self.by_id.get(public_id)
            if organization is None:
                return None, _("No organization has the id %(id)s.") % {"id": reference}
            if not organization.is_partner:
                return None, _("%(name)s is not a partner organization.") % {
                    "name": organization.name
                }
            return organization, ""
        named = self.by_name.get(reference, [])
        partners = [organization for organization in named if organization.is_partner]
        if len(partners) == 1:
            return partners[0], ""
        if partners:
            return None, _(
                "Several partner organizations are named “%(name)s”: give the partner's id instead."
            ) % {"name": reference}
        if named:
            return None, _("%(name)s is not a partner organization.") % {"name": reference}
        return None, _("No organization is named “%(name)s”.") % {"name": reference}


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _row_check(
    line: int,
    cells: list[str],
    columns: dict[str, int],
    levels: dict[int, SubscriptionLevel],
    partners: _PartnerLookup,
) -> tuple[list[str], OrderRow | None]:
    """The row's problems, and its order when it has none."""

    def cell(name: str) -> str:
        return _cell(cells, columns[name]) if name in columns else ""

    errors = []
    named = set(columns.values()) | set(levels)
    strays = [index + 1 for index, value in enumerate(cells) if value and index not in named]
    if strays:
        errors.append(
            _("A value is in a column with no name (column %(number)d).") % {"number": strays[0]}
        )

    formulas = [name for name in REQUIRED_COLUMNS if cell(name).startswith(FORMULA_TRIGGERS)]
    if formulas:
        # A spreadsheet that opens the value (an export, a copy) would run it.
        errors.append(
            _("“%(value)s” starts like a formula, which is not accepted; type the value itself.")
            % {"value": cell(formulas[0])}
        )

    partner, problem = partners.find(cell(PARTNER))
    if problem:
        errors.append(problem)

    customer_name = cell(CUSTOMER_NAME)
    if not customer_name:
        errors.append(_("The customer name is missing."))
    elif len(customer_name) > CUSTOMER_NAME_MAX_LENGTH:
        errors.append(
            _("The customer name is longer than %(max)d characters.")
            % {"max": CUSTOMER_NAME_MAX_LENGTH}
        )

    customer_email = cell(CUSTOMER_EMAIL)
    if not customer_email:
        errors.append(_("The customer email is missing."))
    else:
        try:
            validate_email(customer_email)
        except ValidationError:
            errors.append(
                _("“%(email)s” is not a valid email address.") % {"email": customer_email}
            )
        else:
            if len(customer_email) > CUSTOMER_EMAIL_MAX_LENGTH:
                errors.append(
                    _("The customer email is longer than %(max)d characters.")
                    % {"max": CUSTOMER_EMAIL_MAX_LENGTH}
                )

    language = cell(LANGUAGE).lower() or DEFAULT_LANGUAGE
    codes = [code for code, _name in settings.LANGUAGES]
    if language not in codes:
        errors.append(
            _("Unknown language “%(language)s”: use %(codes)s.")
            % {"language": cell(LANGUAGE), "codes": " or ".join(codes)}
        )

    country = cell(COUNTRY).upper()
    if country and not COUNTRY_CODE.fullmatch(country):
        errors.append(
            _("The country must be a two-letter code such as FR or US, not “%(country)s”.")
            % {"country": cell(COUNTRY)}
        )

    seats: dict[SubscriptionLevel, int] = {}
    seats_valid = True
    for index, level in levels.items():
        value = _cell(cells, index)
        if not value:
            continue
        if not re.fullmatch(r"[+-]?\d+", value):
            errors.append(
                _("%(level)s: “%(value)s” is not a whole number of seats.")
                % {"level": level.code, "value": value}
            )
            seats_valid = False
            continue
        quantity = int(value)
        if quantity < 0:
            errors.append(_("%(level)s: seats cannot be negative.") % {"level": level.code})
            seats_valid = False
        elif quantity > MAX_SEATS_PER_ORDER:
            errors.append(
                _("%(level)s: at most %(max)s seats per order.")
                % {"level": level.code, "max": _number(MAX_SEATS_PER_ORDER)}
            )
            seats_valid = False
        elif quantity:
            seats[level] = quantity
    if seats_valid and not seats:
        errors.append(_("Order at least one subscription: every seats column is empty or 0."))

    if errors:
        return errors, None
    return errors, OrderRow(
        line=line,
        partner=partner,
        customer_name=customer_name,
        customer_email=customer_email,
        language=language,
        country=country,
        seats=seats,
    )
