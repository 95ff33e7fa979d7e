"""Reading an uploaded workbook defensively, and writing the uploader's workbook back with
each bad row's problem in its Error message column.
"""

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from agreements.workbooks.cells import text_set
from agreements.workbooks.columns import (
    ERROR,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_MEMBERS,
    SHEET_TITLE,
    TEMPLATE_COLUMNS,
    WorkbookError,
    column_by_name,
    header_key,
)


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


def too_large_error() -> WorkbookError:
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
        raise too_large_error()
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


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header(values: dict[int, object]) -> dict[str, int]:
    """Which column number holds each known column, from the header row's values."""
    columns: dict[str, int] = {}
    for number, value in values.items():
        column = column_by_name().get(header_key(str(value)))
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
            % {"columns": ", ".join(str(column.header) for column in TEMPLATE_COLUMNS)}
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
                filled = {column: value for column, value in values.items() if not is_blank(value)}
                if filled:
                    columns = _header(filled)
                continue
            row = {key: values.get(column) for key, column in columns.items() if key != ERROR.key}
            if all(is_blank(value) for value in row.values()):
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
        filled = {cell.column: cell.value for cell in row if not is_blank(cell.value)}
        if filled:
            header_row, columns = row[0].row, _header(filled)
            break
    error_column = columns.get(ERROR.key)
    if error_column is None:
        error_column = sheet.max_column + 1
        header = sheet.cell(row=header_row, column=error_column)
        text_set(header, str(ERROR.header))
        header.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(error_column)].width = ERROR.width
    red = Font(color="C00000")
    for (cell,) in sheet.iter_rows(
        min_row=header_row + 1, min_col=error_column, max_col=error_column
    ):
        message = errors.get(cell.row)
        if message:
            text_set(cell, message)
            cell.font = red
        elif cell.value is not None:
            cell.value = None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
