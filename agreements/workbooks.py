"""Subscribers in spreadsheets: the template, bulk add and bulk edit uploads, and exports.

An upload follows the rules of the Add subscriber panel row by row (the same form, the same
services) and is written all or nothing: if any row is wrong, nothing is saved and the
uploader gets their own workbook back with each bad row's problem in its Error message
column. Small workbooks are processed in the request; larger ones by a Celery worker, which
reads the file from the database and reports its progress there.

The file comes from anyone who can reach the page, so reading it is defensive:
- its size, the size it unpacks to (read from the zip directory, before any XML is parsed:
  zipfile never inflates a member past its declared size) and its rows are limited;
  macro-enabled workbooks are refused;
- only the values a spreadsheet last saved are read (openpyxl's `data_only`): no formula,
  macro or external link is evaluated or followed, and a formula without a saved value is a
  row error; openpyxl parses the XML with defusedxml.

Writing a workbook or a CSV file is defensive too: a text that a spreadsheet could take for
a formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe, and
in .xlsx is also written as a string cell. The string cell alone is never evaluated when the
file is opened, but a user who edits the cell would turn it into a live formula, and CSV has
no cell types at all. Uploads drop that apostrophe again, so an exported workbook comes back
unchanged.
"""

import csv
import io
import logging
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from pathlib import PurePath

from celery import shared_task
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser
from openpyxl.worksheet.datavalidation import DataValidation

from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.spreadsheets import FORMULA_TRIGGERS, neutralised
from portal.tenancy.context import Actor, actor_build

from . import selectors
from .access import agreement_writable
from .forms import SubscriberForm
from .models import Agreement, BulkImport, Subscription, SubscriptionLevel
from .services.subscriptions import (
    BulkAssignError,
    SubscriberDetails,
    subscription_update,
    subscriptions_assign_bulk,
)

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
MAX_ROWS = 10_000
# A workbook that unpacks to less than this (a couple of hundred rows) is processed in the
# request; a larger one by a worker while the page shows its progress.
IN_REQUEST_MAX_UNPACKED_BYTES = 256 * 1024
PROGRESS_EVERY = 250
# When the errors cannot be written into the workbook, the page lists this many.
ERRORS_LISTED = 20
SHEET_TITLE = "Subscribers"
LISTS_TITLE = "Lists"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Workbooks are shared between people who read the portal in different languages, and the
# upload matches columns by their header: headers and Yes/No stay in English.
YES, NO = "Yes", "No"
YES_WORDS = {"yes", "y", "true", "1", "oui"}
NO_WORDS = {"no", "n", "false", "0", "non"}


class WorkbookError(Exception):
    """The file as a whole cannot be used; nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Columns ------------------------------------------------------------------------------------


def _header_key(name: str) -> str:
    return " ".join(str(name).replace("_", " ").split()).casefold()


@dataclass(frozen=True)
class Column:
    key: str  # the SubscriberForm field, or "guid" / "error"
    header: str
    width: int
    other_names: tuple[str, ...] = ()

    def names(self) -> set[str]:
        return {_header_key(name) for name in (self.header, self.key, *self.other_names)}


GUID = Column("guid", "Subscription GUID", 38, ("GUID",))
FIRST_NAME = Column("first_name", "First name", 16)
LAST_NAME = Column("last_name", "Last name", 16)
SIGN_IN_EMAIL = Column("sign_in_email", "Sign-in email", 32, ("Sign in email",))
NOTIFICATION_EMAIL = Column("notification_email", "Notification email", 32)
LEVEL = Column("level", "Level", 30, ("Subscription level",))
DOWNLOADS = Column("downloads_enabled", "Downloads", 12, ("Software downloads",))
REFERENCE = Column("reference", "Reference", 20)
COUNTRY = Column("country", "Country/region", 15, ("Country", "Country/region code"))
LANGUAGE = Column("language", "Language", 11)
ERROR = Column("error", "Error message", 60)
# A subscriber's columns, in the order of the template and the exports.
COLUMNS = (
    FIRST_NAME,
    LAST_NAME,
    SIGN_IN_EMAIL,
    NOTIFICATION_EMAIL,
    LEVEL,
    DOWNLOADS,
    REFERENCE,
    COUNTRY,
    LANGUAGE,
)
TEMPLATE_COLUMNS = (*COLUMNS, ERROR)
EXPORT_COLUMNS = (GUID, *COLUMNS)
COLUMNS_BY_KEY = {column.key: column for column in (GUID, *COLUMNS, ERROR)}
COLUMNS_BY_NAME = {name: column for column in COLUMNS_BY_KEY.values() for name in column.names()}
REQUIRED = {
    BulkImport.Kind.ADD: (FIRST_NAME, LAST_NAME, SIGN_IN_EMAIL),
    BulkImport.Kind.EDIT: (GUID,),
}
# Cells that cannot be empty: an empty one means the agreement's default (bulk add) or the
# subscription's current value (bulk edit). Country/region also takes the default on add.
ADD_EMPTY_MEANS_DEFAULT = {"level", "downloads_enabled", "country", "language"}
EDIT_EMPTY_KEEPS = {"level", "downloads_enabled", "language"}


# Formula safety ----------------------------------------------------------------------------


def _restored(value: str) -> str:
    """An uploaded text without the apostrophe `neutralised` put in front of it."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def _set_text(cell, value: str) -> None:
    """Write `value` as a string cell, whatever it starts with."""
    cell.value = neutralised(ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"


def _text_cell(sheet, value: str, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet)
    _set_text(cell, value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


# Writing -----------------------------------------------------------------------------------


def _agreement_levels(agreement: Agreement) -> list[SubscriptionLevel]:
    return list(
        SubscriptionLevel.objects.filter(pk__in=agreement.lines.values("level_id")).order_by(
            "sort_order", "name"
        )
    )


def _subscribers(agreement: Agreement) -> Iterator[Subscription]:
    return selectors.subscriber_list(agreement=agreement).iterator(chunk_size=2000)


def _subscriber_values(subscription: Subscription) -> list[str]:
    """A subscriber's cells, in the order of EXPORT_COLUMNS."""
    return [
        str(subscription.guid),
        subscription.first_name,
        subscription.last_name,
        subscription.sign_in_email,
        subscription.notification_email,
        subscription.line.level.name,
        YES if subscription.downloads_enabled else NO,
        subscription.reference,
        subscription.country,
        subscription.language,
    ]


def _instructions(levels: list[SubscriptionLevel], edit: bool) -> list[str]:
    languages = ", ".join(f"{code} ({name})" for code, name in settings.LANGUAGES)
    lines = [
        _("How to fill in this workbook"),
        "",
        _(
            "One subscriber per row, below the header row. Keep the headers as they are; "
            "columns with other headers are ignored."
        ),
    ]
    if edit:
        lines += [
            _(
                "Subscription GUID: which subscription the row is. Do not change it. Rows "
                "whose values you did not change are left as they are."
            ),
            _("An empty Level, Downloads or Language cell keeps the subscriber's current value."),
        ]
    lines += [
        _("First name, Last name, Sign-in email: required."),
        _("Notification email: where emails go, if not to the sign-in address. Optional."),
        _("Level: one of the levels of this agreement: %(levels)s.")
        % {"levels": ", ".join(level.name for level in levels)},
        _("Downloads: Yes or No, whether the subscriber may download software."),
        _("Reference: optional, at most 100 characters."),
        _("Country/region: two letters, such as FR or US."),
        _("Language: the language of the subscriber's emails: %(languages)s.")
        % {"languages": languages},
    ]
    if not edit:
        lines.append(
            _(
                "An empty Level, Downloads, Country/region or Language cell takes the "
                "agreement's default."
            )
        )
    lines += [
        _(
            "Error message: leave it empty. If any row has a problem, nothing is saved and you "
            "get this workbook back with each problem in this column."
        ),
        _(
            "At most %(rows)s rows and %(size)s MB. Only values are read: formulas, macros and "
            "links to other files are never run; a formula without a value is refused."
        )
        % {
            "rows": number_format(MAX_ROWS, force_grouping=True),
            "size": MAX_FILE_BYTES // (1024 * 1024),
        },
    ]
    return lines


def _workbook(
    agreement: Agreement, columns: tuple[Column, ...], rows: Iterable[list[str]]
) -> bytes:
    """A workbook of `columns` and `rows`, with drop-down lists for Level, Downloads and
    Language and an instructions sheet. Written row by row (openpyxl's write-only mode)."""
    levels = _agreement_levels(agreement)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    instructions = workbook.create_sheet(_("Instructions"))
    lists = workbook.create_sheet(LISTS_TITLE)
    lists.sheet_state = "hidden"

    sheet.freeze_panes = "A2"
    letters = {column.key: get_column_letter(index) for index, column in enumerate(columns, 1)}
    for column in columns:
        dimension = sheet.column_dimensions[letters[column.key]]
        dimension.width = column.width
        # Typed values stay text: leading zeros, +33…, or a leading = are not reinterpreted.
        dimension.number_format = "@"
    last_row = MAX_ROWS + 1
    choices = {
        LEVEL.key: f"{LISTS_TITLE}!$A$1:$A${max(len(levels), 1)}",
        DOWNLOADS.key: f'"{YES},{NO}"',
        LANGUAGE.key: '"{}"'.format(",".join(code for code, _name in settings.LANGUAGES)),
    }
    for key, formula in choices.items():
        validation = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=COLUMNS_BY_KEY[key].header,
            error=_("Choose a value from the list."),
        )
        validation.add(f"{letters[key]}2:{letters[key]}{last_row}")
        sheet.data_validations.append(validation)

    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, column.header, font=bold) for column in columns])
    for values in rows:
        sheet.append([_text_cell(sheet, value) for value in values])

    instructions.column_dimensions["A"].width = 110
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, line in enumerate(_instructions(levels, GUID in columns)):
        style = {"alignment": wrap, **({"font": bold} if index == 0 else {})}
        instructions.append([_text_cell(instructions, line, **style)])
    for level in levels:
        lists.append([_text_cell(lists, level.name)])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook(agreement: Agreement) -> bytes:
    """An empty workbook to add subscribers from: the header row and its drop-down lists."""
    return _workbook(agreement, TEMPLATE_COLUMNS, [])


def export_workbook(agreement: Agreement) -> bytes:
    """The agreement's subscribers, GUID first, ready to edit and upload again."""
    rows = (_subscriber_values(subscription) for subscription in _subscribers(agreement))
    return _workbook(agreement, (*EXPORT_COLUMNS, ERROR), rows)


def export_csv(agreement: Agreement) -> str:
    """The agreement's subscribers as CSV, with a byte order mark so Excel reads UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in EXPORT_COLUMNS])
    for subscription in _subscribers(agreement):
        writer.writerow([neutralised(value) for value in _subscriber_values(subscription)])
    return buffer.getvalue()


def export_file_name(agreement: Agreement, extension: str) -> str:
    today = timezone.localdate().isoformat()
    return f"subscribers-{agreement.authorization_number}-{today}.{extension}"


# Reading -----------------------------------------------------------------------------------


class CellProblem:
    """A cell whose value cannot be used, and why."""

    def __init__(self, message: str):
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class SheetRow:
    number: int  # as the spreadsheet numbers it
    cells: dict[str, object]  # column key → value, for the columns the sheet has


@dataclass(frozen=True)
class Sheet:
    columns: dict[str, int]  # column key → column number
    rows: list[SheetRow]


def _unreadable() -> WorkbookError:
    return WorkbookError(
        _(
            "This file is not an Excel workbook that can be read. Save it from your "
            "spreadsheet as “Excel Workbook (.xlsx)” and upload it again."
        )
    )


def _too_large() -> WorkbookError:
    return WorkbookError(
        _("The file is larger than %(size)s MB. Split it into smaller workbooks.")
        % {"size": MAX_FILE_BYTES // (1024 * 1024)}
    )


def _with_macros() -> WorkbookError:
    return WorkbookError(
        _(
            "This workbook contains macros, which are not accepted. Save it as “Excel "
            "Workbook (.xlsx)” and upload it again."
        )
    )


def workbook_check(content: bytes) -> int:
    """The size the workbook unpacks to, once its limits are checked (WorkbookError
    otherwise). Only the zip directory and the content types are read, never a sheet."""
    if len(content) > MAX_FILE_BYTES:
        raise _too_large()
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _unreadable() from error
    with archive:
        members = archive.infolist()
        names = {member.filename.casefold() for member in members}
        if len(members) > MAX_ZIP_MEMBERS or "[content_types].xml" not in names:
            raise _unreadable()
        if any(PurePath(name).name == "vbaproject.bin" for name in names):
            raise _with_macros()
        unpacked = sum(member.file_size for member in members)
        if unpacked > MAX_UNPACKED_BYTES:
            raise WorkbookError(
                _(
                    "This workbook unpacks to more than %(size)s MB, more than a workbook of "
                    "%(rows)s subscribers needs. Remove what else it holds (other sheets, "
                    "pictures, formatted empty rows) or split it."
                )
                % {
                    "size": MAX_UNPACKED_BYTES // (1024 * 1024),
                    "rows": number_format(MAX_ROWS, force_grouping=True),
                }
            )
        try:
            content_types = archive.read(
                next(m for m in members if m.filename.casefold() == "[content_types].xml")
            )
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as error:
            raise _unreadable() from error
    if b"macroenabled" in content_types.lower():
        raise _with_macros()
    return unpacked


class _SavedValueParser(WorkSheetParser):
    """openpyxl's sheet parser (the one its read-only mode uses), reading saved values only.
    Plain `data_only` shows a formula without a saved value as an empty cell; here it is
    marked, so that it is reported rather than skipped. Error values are marked too."""

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        if cell["data_type"] == "e":
            cell["value"] = CellProblem(
                _("The cell shows the error %(error)s; type the value itself.")
                % {"error": cell["value"]}
            )
        elif (
            cell["value"] is None
            and cell["data_type"] != "s"  # a formula whose saved value is empty text
            and element.find(FORMULA_TAG) is not None
        ):
            cell["value"] = CellProblem(_("Formulas are not accepted; type the value itself."))
        return cell


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header(values: dict[int, object]) -> dict[str, int]:
    """Which column number holds each known column, from the header row's values."""
    columns: dict[str, int] = {}
    for number, value in values.items():
        column = COLUMNS_BY_NAME.get(_header_key(str(value)))
        if column is None:
            continue
        if column.key in columns:
            raise WorkbookError(
                _("The header row has two “%(column)s” columns. Keep one.")
                % {"column": column.header}
            )
        columns[column.key] = number
    if not columns:
        raise WorkbookError(
            _(
                "The first row must name the columns, as in the template: %(columns)s. "
                "Download the template and copy your rows into it."
            )
            % {"columns": ", ".join(column.header for column in TEMPLATE_COLUMNS)}
        )
    return columns


def _data_sheet(workbook):
    if SHEET_TITLE in workbook.sheetnames:
        return workbook[SHEET_TITLE]
    if not workbook.worksheets:
        raise _unreadable()
    return workbook.worksheets[0]


def workbook_read(content: bytes) -> Sheet:
    """The header and the non-empty rows of the workbook's Subscribers sheet (or its first
    sheet), within the limits; WorkbookError says what is wrong with the file."""
    workbook_check(content)
    try:
        workbook = load_workbook(
            io.BytesIO(content), read_only=True, data_only=True, keep_links=False
        )
    except Exception as error:  # openpyxl has many ways to say a file is damaged
        raise _unreadable() from error
    try:
        sheet = _data_sheet(workbook)
        if not isinstance(sheet, ReadOnlyWorksheet):
            raise _unreadable()
        return _sheet_read(workbook, sheet)
    except WorkbookError:
        raise
    except Exception as error:
        raise _unreadable() from error
    finally:
        workbook.close()


def _sheet_read(workbook, sheet: ReadOnlyWorksheet) -> Sheet:
    columns: dict[str, int] | None = None
    rows: list[SheetRow] = []
    # The read-only sheet's own source and shared strings, parsed row by row.
    with sheet._get_source() as source:
        parser = _SavedValueParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            values = {cell["column"]: cell["value"] for cell in cells}
            if columns is None:
                filled = {column: value for column, value in values.items() if not _blank(value)}
                if filled:
                    columns = _header(filled)
                continue
            row = {key: values.get(column) for key, column in columns.items() if key != ERROR.key}
            if all(_blank(value) for value in row.values()):
                continue
            if len(rows) == MAX_ROWS:
                raise WorkbookError(
                    _(
                        "The workbook has more than %(max)s subscribers; at most %(max)s can "
                        "be uploaded at once. Split it into smaller workbooks."
                    )
                    % {"max": number_format(MAX_ROWS, force_grouping=True)}
                )
            rows.append(SheetRow(number=number, cells=row))
    if columns is None:
        raise WorkbookError(_("The workbook is empty: its first row must name the columns."))
    return Sheet(columns=columns, rows=rows)


def errors_workbook(content: bytes, errors: dict[int, str]) -> bytes:
    """The uploaded workbook with `errors` (by row number) in its Error message column, and
    that column emptied on every other row. Macros and external links are dropped."""
    workbook = load_workbook(io.BytesIO(content), keep_vba=False, keep_links=False)
    sheet = _data_sheet(workbook)
    header_row, columns = 1, {}
    for row in sheet.iter_rows():
        filled = {cell.column: cell.value for cell in row if not _blank(cell.value)}
        if filled:
            header_row, columns = row[0].row, _header(filled)
            break
    error_column = columns.get(ERROR.key)
    if error_column is None:
        error_column = sheet.max_column + 1
        header = sheet.cell(row=header_row, column=error_column)
        _set_text(header, ERROR.header)
        header.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(error_column)].width = ERROR.width
    red = Font(color="C00000")
    for (cell,) in sheet.iter_rows(
        min_row=header_row + 1, min_col=error_column, max_col=error_column
    ):
        message = errors.get(cell.row)
        if message:
            _set_text(cell, message)
            cell.font = red
        elif cell.value is not None:
            cell.value = None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Checking rows -----------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date() if value.time() == time() else value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return _restored(str(value).strip())


def _yes_no(value: object) -> bool | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    word = _text(value).casefold()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValidationError(_("Write Yes or No."))


def _cell(column: Column, value: object) -> object:
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
            f"{COLUMNS_BY_KEY[name].header}: {message}"
            for name, messages in self.errors.items()
            for message in messages
        ]


def _levels_by_name(agreement: Agreement) -> dict[str, SubscriptionLevel]:
    return {
        key.casefold(): level
        for level in _agreement_levels(agreement)
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
            problems.append(f"{column.header}: {error.messages[0]}")
            value = None
        if value in (None, "") and column.key in empty_falls_back:
            value = fallback[column.key]
        data[column.key] = value
    return data, problems


@dataclass(frozen=True)
class _CheckedRow:
    number: int
    level: SubscriptionLevel
    details: SubscriberDetails
    subscription: Subscription | None = None


class _Progress:
    """Tells the page how many rows were checked, every PROGRESS_EVERY rows."""

    def __init__(self, bulk_import: BulkImport):
        self.bulk_import = bulk_import

    def step(self, done: int) -> None:
        if done % PROGRESS_EVERY == 0:
            # scoping: the upload already came through the scoping path
            BulkImport.objects.filter(pk=self.bulk_import.pk).update(processed_rows=done)


def _check_add(
    agreement: Agreement, sheet: Sheet, progress: _Progress
) -> tuple[dict[int, str], list[_CheckedRow]]:
    levels = _levels_by_name(agreement)
    defaults = {
        "level": agreement.default_level.code if agreement.default_level else "",
        "downloads_enabled": agreement.default_downloads,
        "country": agreement.country,
        "language": agreement.default_language,
    }
    errors: dict[int, str] = {}
    checked: list[_CheckedRow] = []
    for done, row in enumerate(sheet.rows, 1):
        data, problems = _row_data(row, defaults, ADD_EMPTY_MEANS_DEFAULT)
        form = _RowForm(data, agreement=agreement, levels=levels)
        problems += form.problems()
        if problems:
            errors[row.number] = " ".join(problems)
        else:
            checked.append(_CheckedRow(row.number, form.cleaned_data["level"], form.details()))
        progress.step(done)
    return errors, checked


def _guid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(_text(_cell(GUID, value)))
    except ValueError as error:
        raise ValidationError(
            _("This is not a subscription GUID; copy the rows from an export.")
        ) from error


def _check_edit(
    agreement: Agreement, sheet: Sheet, progress: _Progress
) -> tuple[dict[int, str], list[_CheckedRow], int]:
    """The rows that change a subscriber, the row errors, and how many rows change nothing."""
    levels = _levels_by_name(agreement)
    errors: dict[int, str] = {}
    guids: dict[int, uuid.UUID] = {}
    first_row: dict[uuid.UUID, int] = {}
    for row in sheet.rows:
        try:
            guid = _guid(row.cells[GUID.key])
        except ValidationError as error:
            errors[row.number] = f"{GUID.header}: {error.messages[0]}"
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
        for subscription in selectors.subscriber_list(agreement=agreement).filter(
            guid__in=list(guids.values())
        )
    }
    checked: list[_CheckedRow] = []
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
        checked.append(_CheckedRow(row.number, level, details, subscription))
    return errors, checked, unchanged


# Processing --------------------------------------------------------------------------------


def _count(number: int) -> str:
    return number_format(number, force_grouping=True)


def _finish(bulk_import: BulkImport, status: str, message: str, **changes) -> None:
    bulk_import.status = status
    bulk_import.message = message
    bulk_import.finished_at = timezone.now()
    for name, value in changes.items():
        setattr(bulk_import, name, value)
    bulk_import.save(update_fields=["status", "message", "finished_at", "processed_rows", *changes])


def _no_access(bulk_import: BulkImport) -> None:
    _finish(
        bulk_import,
        BulkImport.Status.FAILED,
        _("You no longer have access to this agreement, so nothing was saved."),
    )


def _write_add(
    actor: Actor, agreement: Agreement, checked: list[_CheckedRow], errors, file_name: str
) -> str:
    if checked:
        try:
            subscriptions_assign_bulk(
                actor=actor,
                agreement=agreement,
                rows=[(row.level, row.details) for row in checked],
                source=file_name,
            )
        except BulkAssignError as error:
            errors.update(
                {checked[index].number: message for index, message in error.errors.items()}
            )
    return ngettext(
        "%(count)s subscriber was added and is told by email.",
        "%(count)s subscribers were added; each is told by email.",
        len(checked),
    ) % {"count": _count(len(checked))}


def _write_edit(
    actor: Actor,
    agreement: Agreement,
    checked: list[_CheckedRow],
    errors,
    unchanged: int,
    file_name: str,
) -> str:
    for row in checked:
        try:
            subscription_update(
                actor=actor, subscription=row.subscription, level=row.level, details=row.details
            )
        except ValidationError as error:
            errors[row.number] = " ".join(error.messages)
    if checked:
        audit_record(
            actor=actor,
            organization=actor.organization,
            agreement=agreement,
            action=Action.SUBSCRIPTIONS_BULK_EDITED,
            details={"count": len(checked), "file": file_name},
        )
    message = ngettext(
        "%(count)s subscriber was changed.", "%(count)s subscribers were changed.", len(checked)
    ) % {"count": _count(len(checked))}
    if unchanged:
        message += " " + ngettext(
            "%(count)s row had no change.", "%(count)s rows had no change.", unchanged
        ) % {"count": _count(unchanged)}
    return message


def bulk_import_process(*, bulk_import: BulkImport, actor: Actor) -> None:
    """Check every row of the uploaded workbook, then write them all or none, and record
    the outcome on `bulk_import`: on row errors, the workbook with each row's error."""
    agreement = bulk_import.agreement
    if not agreement_writable(actor=actor, agreement=agreement):
        _no_access(bulk_import)
        return
    content = bytes(bulk_import.content)
    try:
        sheet = workbook_read(content)
        missing = [c.header for c in REQUIRED[bulk_import.kind] if c.key not in sheet.columns]
        if missing:
            raise WorkbookError(
                _("The workbook has no %(columns)s column; its header row must name it.")
                % {"columns": ", ".join(f"“{header}”" for header in missing)}
            )
        if bulk_import.kind == BulkImport.Kind.ADD and GUID.key in sheet.columns:
            raise WorkbookError(
                _(
                    "This workbook has a “%(column)s” column: it is an export, for editing "
                    "subscribers. Upload it with “Edit in a workbook”, or remove the column "
                    "to add these people."
                )
                % {"column": GUID.header}
            )
        if not sheet.rows:
            raise WorkbookError(_("The workbook has no subscribers below its header row."))
    except WorkbookError as error:
        _finish(bulk_import, BulkImport.Status.FAILED, error.message)
        return
    bulk_import.status = BulkImport.Status.PROCESSING
    bulk_import.total_rows = len(sheet.rows)
    bulk_import.save(update_fields=["status", "total_rows"])

    progress = _Progress(bulk_import)
    unchanged = 0
    if bulk_import.kind == BulkImport.Kind.ADD:
        errors, checked = _check_add(agreement, sheet, progress)
    else:
        errors, checked, unchanged = _check_edit(agreement, sheet, progress)
    bulk_import.processed_rows = bulk_import.total_rows
    try:
        with transaction.atomic():
            # Whoever locks the import first writes it: a redelivered task finds it done.
            # scoping: the upload already came through the scoping path
            locked = BulkImport.objects.select_for_update().get(pk=bulk_import.pk)
            if locked.status in (BulkImport.Status.SUCCEEDED, BulkImport.Status.FAILED):
                return
            if bulk_import.kind == BulkImport.Kind.ADD:
                message = _write_add(actor, agreement, checked, errors, bulk_import.file_name)
            else:
                message = _write_edit(
                    actor, agreement, checked, errors, unchanged, bulk_import.file_name
                )
            if errors:
                transaction.set_rollback(True)
            else:
                _finish(bulk_import, BulkImport.Status.SUCCEEDED, message)
    except PermissionDenied:
        _no_access(bulk_import)
        return
    if errors:
        _fail_with_row_errors(bulk_import, content, dict(sorted(errors.items())))


def _fail_with_row_errors(bulk_import: BulkImport, content: bytes, errors: dict[int, str]) -> None:
    try:
        result = errors_workbook(content, errors)
    except Exception:
        # Read-only mode read the values, but openpyxl cannot rewrite this file: list the
        # first errors on the page instead.
        logger.warning(
            "Cannot write the errors into bulk import %s.", bulk_import.pk, exc_info=True
        )
        result = None
        listed = "; ".join(
            _("row %(row)s: %(error)s") % {"row": row, "error": error}
            for row, error in list(errors.items())[:ERRORS_LISTED]
        )
        message = ngettext(
            "%(count)s row has an error, so nothing was saved: %(errors)s",
            "%(count)s rows have errors, so nothing was saved: %(errors)s",
            len(errors),
        ) % {"count": _count(len(errors)), "errors": listed}
        if len(errors) > ERRORS_LISTED:
            message += " …"
    else:
        message = ngettext(
            "%(count)s row has an error, so nothing was saved. Download the workbook: the "
            "error is in the row's Error message column. Fix it and upload the workbook again.",
            "%(count)s rows have errors, so nothing was saved. Download the workbook: each "
            "error is in its row's Error message column. Fix them and upload the workbook "
            "again.",
            len(errors),
        ) % {"count": _count(len(errors))}
    _finish(
        bulk_import,
        BulkImport.Status.FAILED,
        message,
        error_count=len(errors),
        result=result,
    )


def bulk_import_create(
    *, actor: Actor, agreement: Agreement, kind: str, uploaded_file: UploadedFile
) -> BulkImport:
    """Keep an uploaded workbook and process it: here if it is small, else in a worker.
    WorkbookError (nothing kept) when the file is not an acceptable workbook."""
    if not agreement_writable(actor=actor, agreement=agreement):
        raise PermissionDenied
    name = PurePath(uploaded_file.name or "").name
    if not name.casefold().endswith(".xlsx"):
        raise WorkbookError(
            _(
                "Upload an Excel workbook (.xlsx). Macro-enabled (.xlsm), older (.xls) and "
                "CSV files are not accepted: save the file as “Excel Workbook (.xlsx)” first."
            )
        )
    if uploaded_file.size > MAX_FILE_BYTES:
        raise _too_large()
    content = uploaded_file.read(MAX_FILE_BYTES + 1)
    unpacked = workbook_check(content)
    with transaction.atomic():
        bulk_import = BulkImport.objects.create(  # scoping: actor may write, checked above
            agreement=agreement,
            uploaded_by=actor.user,
            organization=actor.organization,
            kind=kind,
            file_name=name[-255:],
            content=content,
        )
        if unpacked <= IN_REQUEST_MAX_UNPACKED_BYTES:
            bulk_import_process(bulk_import=bulk_import, actor=actor)
        else:
            transaction.on_commit(lambda: _queue(bulk_import.pk))
    return bulk_import


def _queue(import_id: int) -> None:
    try:
        bulk_import_run.delay(import_id)
    except Exception:
        # The broker is down: say so on the page rather than leave it waiting forever.
        logger.warning("Could not queue bulk import %s.", import_id, exc_info=True)
        # scoping: the upload this request just created
        BulkImport.objects.filter(pk=import_id, status=BulkImport.Status.PENDING).update(
            status=BulkImport.Status.FAILED,
            message=_("The workbook could not be processed just now. Upload it again later."),
            finished_at=timezone.now(),
        )


def _uploader(bulk_import: BulkImport) -> Actor | None:
    """The uploader, acting for the organization they uploaded for, if they still can."""
    user = bulk_import.uploaded_by
    if not user.is_active:
        return None
    actor = actor_build(user=user, organization_id=bulk_import.organization_id)
    if actor.organization is None or actor.organization.pk != bulk_import.organization_id:
        return None
    return actor


# A lost database connection rolls everything back; running again is safe.
@shared_task(
    name="agreements.workbooks.bulk_import_run",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def bulk_import_run(import_id: int) -> None:
    """Process an uploaded workbook in a worker, as its uploader."""
    # scoping: the worker acts as the uploader, whose access bulk_import_process checks
    bulk_import = BulkImport.objects.select_related("agreement", "uploaded_by").get(pk=import_id)
    if bulk_import.status in (BulkImport.Status.SUCCEEDED, BulkImport.Status.FAILED):
        return
    with translation.override(bulk_import.uploaded_by.preferred_language):
        actor = _uploader(bulk_import)
        if actor is None:
            _no_access(bulk_import)
            return
        try:
            bulk_import_process(bulk_import=bulk_import, actor=actor)
        except OperationalError:
            raise
        except Exception:
            logger.exception("Bulk import %s failed.", import_id)
            _finish(
                bulk_import,
                BulkImport.Status.FAILED,
                _("The workbook could not be processed, so nothing was saved. Try again later."),
            )


@shared_task(name="agreements.workbooks.bulk_imports_sweep", ignore_result=True)
def bulk_imports_sweep() -> int:
    """Beat: queue again the uploads whose task was lost. One still waiting after the grace
    period never reached a worker (the process died before its commit's on_commit, or Redis
    lost the queue); one processing for longer than any task may run lost its worker. Running
    an upload twice is safe (bulk_import_process writes it once, under its row lock), but
    costly: each one queued is leased for the grace period (in the cache), so that a queue
    running behind does not get it again every sweep."""
    now = timezone.now()
    grace = settings.BULK_IMPORT_SWEEP_GRACE
    hung = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + grace)
    lost = BulkImport.objects.filter(  # scoping: the sweeper works for no one organization
        Q(status=BulkImport.Status.PENDING, created_at__lte=now - timedelta(seconds=grace))
        | Q(status=BulkImport.Status.PROCESSING, created_at__lte=hung)
    ).values_list("pk", flat=True)
    queued = 0
    for import_id in lost:
        if cache.add(f"bulk-import-swept:{import_id}", 1, timeout=grace):
            logger.warning("Bulk import %s lost its task; queueing it again.", import_id)
            _queue(import_id)
            queued += 1
    return queued


# Reading imports ---------------------------------------------------------------------------


def bulk_import_list(*, actor: Actor, agreement: Agreement) -> QuerySet[BulkImport]:
    """The agreement's uploads, newest first, without their files but knowing whether a
    workbook with errors is there to download."""
    return (
        BulkImport.objects.visible_to(actor)
        .filter(agreement=agreement)
        .defer("content", "result")
        .annotate(
            has_result=ExpressionWrapper(Q(result__isnull=False), output_field=BooleanField())
        )
        .select_related("uploaded_by")
    )


def bulk_import_get(*, actor: Actor, agreement: Agreement, public_id) -> BulkImport:
    return get_object_or_404(
        bulk_import_list(actor=actor, agreement=agreement), public_id=public_id
    )
