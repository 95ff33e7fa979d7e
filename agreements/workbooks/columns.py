"""The workbook's format: its limits, sheet names, columns and the words read as Yes and No."""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from agreements.models import BulkImport

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


# Workbooks are written in their reader's language (headers, Yes/No, messages) and shared
# between people who read the portal in different languages: an upload's headers are matched
# in every language, and Yes/No in English or French.
YES_WORDS = {"yes", "y", "true", "1", "oui", "o", "vrai"}


NO_WORDS = {"no", "n", "false", "0", "non", "faux"}


def yes_no(value: bool) -> str:
    """Yes or No in the active language, as the workbook writes them."""
    return pgettext("workbook value", "Yes") if value else pgettext("workbook value", "No")


class WorkbookError(Exception):
    """The file as a whole cannot be used; nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def cell_problem(column: "WorkbookColumn", message: str) -> str:
    """A row's problem, named by its column as the reader's workbook heads it."""
    return pgettext("workbook error", "%(column)s: %(message)s") % {
        "column": column.header,
        "message": message,
    }


def header_key(name: str) -> str:
    return " ".join(str(name).replace("_", " ").split()).casefold()


@dataclass(frozen=True)
class WorkbookColumn:
    key: str  # the SubscriberForm field, or "guid" / "error"
    header: "str | Promise"  # translated: str() gives it in the active language
    width: int
    other_names: tuple[str, ...] = ()

    def names(self) -> set[str]:
        """What a header of this column may say, in any of the portal's languages."""
        headers = set()
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                headers.add(str(self.header))
        return {header_key(name) for name in (*headers, self.key, *self.other_names)}


GUID = WorkbookColumn("guid", _("Subscription GUID"), 38, ("GUID",))


FIRST_NAME = WorkbookColumn("first_name", _("First name"), 16)


LAST_NAME = WorkbookColumn("last_name", _("Last name"), 16)


SIGN_IN_EMAIL = WorkbookColumn("sign_in_email", _("Sign-in email"), 32, ("Sign in email",))


NOTIFICATION_EMAIL = WorkbookColumn("notification_email", _("Notification email"), 32)


LEVEL = WorkbookColumn("level", _("Level"), 30, ("Subscription level",))


DOWNLOADS = WorkbookColumn(
    "downloads_enabled", pgettext_lazy("workbook column", "Downloads"), 12, ("Software downloads",)
)


REFERENCE = WorkbookColumn("reference", _("Reference"), 20)


COUNTRY = WorkbookColumn("country", _("Country/region"), 15, ("Country", "Country/region code"))


LANGUAGE = WorkbookColumn("language", _("Language"), 11)


ERROR = WorkbookColumn("error", _("Error message"), 60)


# Written by the exports for reading only: not in COLUMNS_BY_KEY, so an upload ignores them
# as it ignores any header it does not know.
ACTIVATED = WorkbookColumn("activated", pgettext_lazy("date column", "Activated"), 18)


LAST_SEEN = WorkbookColumn("last_seen", pgettext_lazy("date column", "Last seen"), 18)


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


EXPORT_COLUMNS = (GUID, *COLUMNS, ACTIVATED, LAST_SEEN)


COLUMNS_BY_KEY = {column.key: column for column in (GUID, *COLUMNS, ERROR)}


@cache
def column_by_name() -> dict[str, WorkbookColumn]:
    """Each header a column may have, in any language, to the column (built on first use:
    translations are not ready when this module is imported)."""
    return {name: column for column in COLUMNS_BY_KEY.values() for name in column.names()}


REQUIRED = {
    BulkImport.Kind.ADD: (FIRST_NAME, LAST_NAME, SIGN_IN_EMAIL),
    BulkImport.Kind.EDIT: (GUID,),
}


# Cells that cannot be empty: an empty one means the agreement's default (bulk add) or the
# subscription's current value (bulk edit). Country/region also takes the default on add.
ADD_EMPTY_MEANS_DEFAULT = {"level", "downloads_enabled", "country", "language"}


EDIT_EMPTY_KEEPS = {"level", "downloads_enabled", "language"}
