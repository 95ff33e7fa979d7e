"""Formula safety: a text a spreadsheet could take for a formula is written behind an
apostrophe, as a string cell, and read back without it (see the package docstring).
"""

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from portal.spreadsheets import FORMULA_TRIGGERS, neutralised


def restored(value: str) -> str:
    """An uploaded text without the apostrophe `neutralised` put in front of it."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def text_set(cell, value: str) -> None:
    """Write `value` as a string cell, whatever it starts with."""
    cell.value = neutralised(ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"


def text_cell(sheet, value: str, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet)
    text_set(cell, value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell
