"""The rows of an order file, one at a time: the columns an order has, the partner a row
names, and every problem a row can have (each check returns its messages, so that a row
reports all of them at once)."""

import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from agreements.fields import COUNTRY_CODE
from agreements.models import Agreement, SubscriptionLevel
from agreements.orders.services import MAX_SEATS_PER_ORDER
from portal.spreadsheets import FORMULA_TRIGGERS
from portal.tenancy.models import Organization

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
class OrderRow:
    """One checked row: an order ready for `order_place`."""

    line: int
    partner: Organization
    customer_name: str
    customer_email: str
    language: str
    country: str
    seats: dict[SubscriptionLevel, int]


def number_label(value: int) -> str:
    return number_format(value, force_grouping=True)


def cell_at(cells: list[str], index: int) -> str:
    """A row may stop before the header does: the missing cells are empty."""
    return cells[index] if index < len(cells) else ""


class PartnerLookup:
    """Finds the partners a file names, by public id or exact name, in one query."""

    def __init__(self, references: list[str]) -> None:
        ids, names = set(), set()
        for reference in references:
            public_id = uuid_or_none(reference)
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
        public_id = uuid_or_none(reference)
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


def uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def row_check(
    line: int,
    cells: list[str],
    columns: dict[str, int],
    levels: dict[int, SubscriptionLevel],
    partners: PartnerLookup,
) -> tuple[list[str], OrderRow | None]:
    """The row's problems, and its order when it has none."""

    def cell(name: str) -> str:
        return cell_at(cells, columns[name]) if name in columns else ""

    errors = _layout_errors(cells, columns, levels, cell)
    partner, problem = partners.find(cell(PARTNER))
    if problem:
        errors.append(problem)
    errors += _customer_errors(cell(CUSTOMER_NAME), cell(CUSTOMER_EMAIL))
    language = cell(LANGUAGE).lower() or DEFAULT_LANGUAGE
    errors += _language_errors(language, cell(LANGUAGE))
    country = cell(COUNTRY).upper()
    errors += _country_errors(country, cell(COUNTRY))
    seats, seat_errors = _seats_read(cells, levels)
    errors += seat_errors
    if errors or partner is None:
        return errors, None
    return errors, OrderRow(
        line=line,
        partner=partner,
        customer_name=cell(CUSTOMER_NAME),
        customer_email=cell(CUSTOMER_EMAIL),
        language=language,
        country=country,
        seats=seats,
    )


def _layout_errors(cells, columns, levels, cell) -> list[str]:
    """A value under no column, and a value that a spreadsheet would run as a formula."""
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
    return errors


def _customer_errors(customer_name: str, customer_email: str) -> list[str]:
    errors = []
    if not customer_name:
        errors.append(_("The customer name is missing."))
    elif len(customer_name) > CUSTOMER_NAME_MAX_LENGTH:
        errors.append(
            _("The customer name is longer than %(max)d characters.")
            % {"max": CUSTOMER_NAME_MAX_LENGTH}
        )
    if not customer_email:
        errors.append(_("The customer email is missing."))
        return errors
    try:
        validate_email(customer_email)
    except ValidationError:
        errors.append(_("“%(email)s” is not a valid email address.") % {"email": customer_email})
    else:
        if len(customer_email) > CUSTOMER_EMAIL_MAX_LENGTH:
            errors.append(
                _("The customer email is longer than %(max)d characters.")
                % {"max": CUSTOMER_EMAIL_MAX_LENGTH}
            )
    return errors


def _language_errors(language: str, as_written: str) -> list[str]:
    codes = [code for code, _name in settings.LANGUAGES]
    if language in codes:
        return []
    return [
        _("Unknown language “%(language)s”: use %(codes)s.")
        % {"language": as_written, "codes": " or ".join(codes)}
    ]


def _country_errors(country: str, as_written: str) -> list[str]:
    if not country or COUNTRY_CODE.fullmatch(country):
        return []
    return [
        _("The country must be a two-letter code such as FR or US, not “%(country)s”.")
        % {"country": as_written}
    ]


def _seats_read(
    cells: list[str], levels: dict[int, SubscriptionLevel]
) -> tuple[dict[SubscriptionLevel, int], list[str]]:
    """The seats ordered per level, and the problems of the seat cells."""
    seats: dict[SubscriptionLevel, int] = {}
    errors = []
    for index, level in levels.items():
        value = cell_at(cells, index)
        if not value:
            continue
        problem = _seat_count_problem(level, value)
        if problem:
            errors.append(problem)
        elif int(value):
            seats[level] = int(value)
    if not errors and not seats:
        errors.append(_("Order at least one subscription: every seats column is empty or 0."))
    return seats, errors


def _seat_count_problem(level: SubscriptionLevel, value: str) -> str:
    if not re.fullmatch(r"[+-]?\d+", value):
        return _("%(level)s: “%(value)s” is not a whole number of seats.") % {
            "level": level.code,
            "value": value,
        }
    quantity = int(value)
    if quantity < 0:
        return _("%(level)s: seats cannot be negative.") % {"level": level.code}
    if quantity > MAX_SEATS_PER_ORDER:
        return _("%(level)s: at most %(max)s seats per order.") % {
            "level": level.code,
            "max": number_label(MAX_SEATS_PER_ORDER),
        }
    return ""
