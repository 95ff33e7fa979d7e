"""Files a spreadsheet opens: formula safety for any text we write into one, and the CSV
answer every export gives."""

import csv
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.http import content_disposition_header

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
