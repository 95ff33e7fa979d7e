"""Files a spreadsheet opens: formula safety for any text we write into one, and the CSV
and Excel answers the exports give."""

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook

# What makes Excel, LibreOffice or Sheets take a cell for a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: str) -> str:
    """`value` as a spreadsheet shows it but never runs it: an apostrophe first if a
    spreadsheet could take it for a formula."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def csv_response(file_name: str, rows: Iterable[Iterable]) -> HttpResponse:
    """A CSV download Excel opens as UTF-8 (byte order mark first); text cells neutralised."""
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, file_name)},
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([neutralised(value) if isinstance(value, str) else value for value in row])
    return response


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(file_name: str, rows: Iterable[Iterable], *, sheet_title: str) -> HttpResponse:
    """An Excel download of `rows` (the first is the header), written row by row (openpyxl's
    write-only mode); text cells neutralised."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    for row in rows:
        sheet.append([neutralised(value) if isinstance(value, str) else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return HttpResponse(
        buffer.getvalue(),
        content_type=XLSX_CONTENT_TYPE,
        headers={"Content-Disposition": content_disposition_header(True, file_name)},
    )
