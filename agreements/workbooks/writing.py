"""Writing workbooks and CSV files: the template, the exports."""

import csv
import io
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from agreements.models import Agreement, Subscription, SubscriptionLevel
from agreements.subscribers.selectors import subscriber_list
from agreements.workbooks.cells import text_cell
from agreements.workbooks.columns import (
    COLUMNS_BY_KEY,
    DOWNLOADS,
    ERROR,
    EXPORT_COLUMNS,
    GUID,
    LANGUAGE,
    LEVEL,
    LISTS_TITLE,
    MAX_FILE_BYTES,
    MAX_ROWS,
    SHEET_TITLE,
    TEMPLATE_COLUMNS,
    WorkbookColumn,
    yes_no,
)
from portal.dates import date_display
from portal.spreadsheets import neutralised


def agreement_levels(agreement: Agreement) -> list[SubscriptionLevel]:
    return list(
        SubscriptionLevel.objects.filter(pk__in=agreement.lines.values("level_id")).order_by(
            "sort_order", "name"
        )
    )


def _subscribers(agreement: Agreement) -> Iterator[Subscription]:
    return subscriber_list(agreement=agreement).iterator(chunk_size=2000)


def _subscriber_values(subscription: Subscription) -> list[str]:
    """A subscriber's cells, in the order of EXPORT_COLUMNS."""
    return [
        str(subscription.guid),
        subscription.first_name,
        subscription.last_name,
        subscription.sign_in_email,
        subscription.notification_email,
        subscription.line.level.name,
        yes_no(subscription.downloads_enabled),
        subscription.reference,
        subscription.country,
        subscription.language,
        date_display(subscription.activated_at) or pgettext("not activated", "Not yet"),
        date_display(subscription.last_seen_at) or pgettext("never seen", "Never"),
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
    if edit:
        lines.append(
            _(
                "Activated, Last seen: when the subscriber first opened the subscription and "
                "was last seen, for reading only: an upload ignores these columns."
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
    agreement: Agreement, columns: tuple[WorkbookColumn, ...], rows: Iterable[list[str]]
) -> bytes:
    """A workbook of `columns` and `rows`, with drop-down lists for Level, Downloads and
    Language and an instructions sheet. Written row by row (openpyxl's write-only mode)."""
    levels = agreement_levels(agreement)
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
        DOWNLOADS.key: f'"{yes_no(True)},{yes_no(False)}"',
        LANGUAGE.key: '"{}"'.format(",".join(code for code, _name in settings.LANGUAGES)),
    }
    for key, formula in choices.items():
        validation = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=str(COLUMNS_BY_KEY[key].header),
            error=_("Choose a value from the list."),
        )
        validation.add(f"{letters[key]}2:{letters[key]}{last_row}")
        sheet.data_validations.append(validation)

    bold = Font(bold=True)
    sheet.append([text_cell(sheet, str(column.header), font=bold) for column in columns])
    for values in rows:
        sheet.append([text_cell(sheet, value) for value in values])

    instructions.column_dimensions["A"].width = 110
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, line in enumerate(_instructions(levels, GUID in columns)):
        style = {"alignment": wrap, **({"font": bold} if index == 0 else {})}
        instructions.append([text_cell(instructions, line, **style)])
    for level in levels:
        lists.append([text_cell(lists, level.name)])

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
    writer.writerow([str(column.header) for column in EXPORT_COLUMNS])
    for subscription in _subscribers(agreement):
        writer.writerow([neutralised(value) for value in _subscriber_values(subscription)])
    return buffer.getvalue()


def export_file_name(agreement: Agreement, extension: str) -> str:
    today = timezone.localdate().isoformat()
    return f"subscribers-{agreement.authorization_number}-{today}.{extension}"
