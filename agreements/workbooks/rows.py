"""Checking each row of an upload by the rules of the Add subscriber panel (the same form)."""

import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import Agreement, BulkImport, Subscription, SubscriptionLevel
from agreements.subscribers.forms import SubscriberForm
from agreements.subscribers.selectors import subscriber_list
from agreements.subscribers.services.assignments import SubscriberDetails
from agreements.workbooks.cells import restored
from agreements.workbooks.columns import (
    ADD_EMPTY_MEANS_DEFAULT,
    COLUMNS,
    COLUMNS_BY_KEY,
    DOWNLOADS,
    EDIT_EMPTY_KEEPS,
    GUID,
    NO_WORDS,
    PROGRESS_EVERY,
    YES_WORDS,
    WorkbookColumn,
    cell_problem,
)
from agreements.workbooks.reading import CellProblem, Sheet, SheetRow, is_blank
from agreements.workbooks.writing import agreement_levels


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date() if value.time() == time() else value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return restored(str(value).strip())


def _yes_no(value: object) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    word = _text(value).casefold()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValidationError(_("Write Yes or No."))


def _cell(column: WorkbookColumn, value: object) -> object:
    if isinstance(value, CellProblem):
        raise ValidationError(value.message)
    if column is DOWNLOADS:
        return _yes_no(value)
    return _text(value)


class _LevelField(forms.Field):
    """A level of the agreement by its code or its name, from levels read once for the
    whole workbook (a ModelChoiceField would query the database for every row)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.levels: dict[str, SubscriptionLevel] = {}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        level = self.levels.get(str(value).strip().casefold())
        if level is None:
            names = sorted({level.name for level in self.levels.values()})
            raise ValidationError(
                _("“%(value)s” is not a level of this agreement; use %(levels)s.")
                % {"value": value, "levels": ", ".join(names)},
                code="invalid_choice",
            )
        return level


class _RowForm(SubscriberForm):
    """The Add subscriber panel's form, for one row of a workbook."""

    level = _LevelField(label=gettext_lazy("Subscription level"))

    def __init__(self, data, *, agreement: Agreement, levels: dict[str, SubscriptionLevel]):
        # SubscriberForm.__init__ only scopes the level queryset, which this form's level
        # field replaces, and sets the initial values of an unbound form: building that
        # queryset again for each of ten thousand rows cost more than checking the row.
        forms.Form.__init__(self, data)
        self.agreement = agreement
        self.fields["level"].levels = levels

    def problems(self) -> list[str]:
        return [
            cell_problem(COLUMNS_BY_KEY[name], message)
            for name, messages in self.errors.items()
            for message in messages
        ]


def _levels_by_name(agreement: Agreement) -> dict[str, SubscriptionLevel]:
    return {
        key.casefold(): level
        for level in agreement_levels(agreement)
        for key in (level.code, level.name)
    }


def _row_data(
    row: SheetRow, fallback: dict[str, object], empty_falls_back: set[str]
) -> tuple[dict[str, object], list[str]]:
    """The form data of a row, and the problems of cells the form cannot see (formulas,
    Downloads). A column the sheet lacks takes `fallback`, as do empty `empty_falls_back`
    cells."""
    data: dict[str, object] = {}
    problems: list[str] = []
    for column in COLUMNS:
        if column.key not in row.cells:
            data[column.key] = fallback.get(column.key, "")
            continue
        try:
            value = _cell(column, row.cells[column.key])
        except ValidationError as error:
            problems.append(cell_problem(column, error.messages[0]))
            value = None
        if value in (None, "") and column.key in empty_falls_back:
            value = fallback[column.key]
        data[column.key] = value
    return data, problems


@dataclass(frozen=True)
class CheckedRow:
    number: int
    level: SubscriptionLevel
    details: SubscriberDetails
    subscription: Subscription | None = None


class Progress:
    """Tells the page how many rows were checked, every PROGRESS_EVERY rows."""

    def __init__(self, bulk_import: BulkImport):
        self.bulk_import = bulk_import

    def step(self, done: int) -> None:
        if done % PROGRESS_EVERY == 0:
            # scoping: the upload already came through the scoping path
            BulkImport.objects.filter(pk=self.bulk_import.pk).update(processed_rows=done)


def row_check_add(
    agreement: Agreement, sheet: Sheet, progress: Progress
) -> tuple[dict[int, str], list[CheckedRow]]:
    levels = _levels_by_name(agreement)
    defaults = {
        "level": agreement.default_level.code if agreement.default_level else "",
        "downloads_enabled": agreement.default_downloads,
        "country": agreement.country,
        "language": agreement.default_language,
    }
    errors: dict[int, str] = {}
    checked: list[CheckedRow] = []
    for done, row in enumerate(sheet.rows, 1):
        data, problems = _row_data(row, defaults, ADD_EMPTY_MEANS_DEFAULT)
        form = _RowForm(data, agreement=agreement, levels=levels)
        problems += form.problems()
        if problems:
            errors[row.number] = " ".join(problems)
        else:
            checked.append(CheckedRow(row.number, form.cleaned_data["level"], form.details()))
        progress.step(done)
    return errors, checked


def _guid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(_text(_cell(GUID, value)))
    except ValueError as error:
        raise ValidationError(
            _("This is not a subscription GUID; copy the rows from an export.")
        ) from error


def row_check_edit(
    agreement: Agreement, sheet: Sheet, progress: Progress
) -> tuple[dict[int, str], list[CheckedRow], int]:
    """The rows that change a subscriber, the row errors, and how many rows change nothing."""
    levels = _levels_by_name(agreement)
    errors: dict[int, str] = {}
    guids: dict[int, uuid.UUID] = {}
    first_row: dict[uuid.UUID, int] = {}
    for row in sheet.rows:
        try:
            guid = _guid(row.cells[GUID.key])
        except ValidationError as error:
            errors[row.number] = cell_problem(GUID, error.messages[0])
            continue
        if guid in first_row:
            errors[row.number] = _(
                "%(column)s: this subscription is also on row %(row)s; keep one of the rows."
            ) % {"column": GUID.header, "row": first_row[guid]}
            continue
        first_row[guid] = row.number
        guids[row.number] = guid
    subscriptions = {
        subscription.guid: subscription
        for subscription in subscriber_list(agreement=agreement).filter(
            guid__in=list(guids.values())
        )
    }
    checked: list[CheckedRow] = []
    unchanged = 0
    for done, row in enumerate(sheet.rows, 1):
        progress.step(done)
        if row.number not in guids:
            continue
        subscription = subscriptions.get(guids[row.number])
        if subscription is None:
            errors[row.number] = _(
                "%(column)s: no subscriber of this agreement has this GUID; the subscription "
                "may have been removed."
            ) % {"column": GUID.header}
            continue
        subscription.agreement = agreement
        current = {
            field.name: getattr(subscription, field.name) for field in fields(SubscriberDetails)
        }
        current["level"] = subscription.line.level.code
        data, problems = _row_data(row, current, EDIT_EMPTY_KEEPS)
        form = _RowForm(data, agreement=agreement, levels=levels)
        problems += form.problems()
        if problems:
            errors[row.number] = " ".join(problems)
            continue
        level, details = form.cleaned_data["level"], form.details()
        if level.pk == subscription.line.level_id and details == SubscriberDetails(
            **{name: current[name] for name in current if name != "level"}
        ):
            unchanged += 1
            continue
        checked.append(CheckedRow(row.number, level, details, subscription))
    return errors, checked, unchanged
