"""The workbook's format: its limits, sheet names, columns and the words read as Yes and No."""

from dataclasses import dataclass

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


def header_key(name: str) -> str:
    return " ".join(str(name).replace("_", " ").split()).casefold()


@dataclass(frozen=True)
class WorkbookColumn:
    key: str  # the SubscriberForm field, or "guid" / "error"
    header: str
    width: int
    other_names: tuple[str, ...] = ()

    def names(self) -> set[str]:
        return {header_key(name) for name in (self.header, self.key, *self.other_names)}


GUID = WorkbookColumn("guid", "Subscription GUID", 38, ("GUID",))


FIRST_NAME = WorkbookColumn("first_name", "First name", 16)


LAST_NAME = WorkbookColumn("last_name", "Last name", 16)


SIGN_IN_EMAIL = WorkbookColumn("sign_in_email", "Sign-in email", 32, ("Sign in email",))


NOTIFICATION_EMAIL = WorkbookColumn("notification_email", "Notification email", 32)


LEVEL = WorkbookColumn("level", "Level", 30, ("Subscription level",))


DOWNLOADS = WorkbookColumn("downloads_enabled", "Downloads", 12, ("Software downloads",))


REFERENCE = WorkbookColumn("reference", "Reference", 20)


COUNTRY = WorkbookColumn("country", "Country/region", 15, ("Country", "Country/region code"))


LANGUAGE = WorkbookColumn("language", "Language", 11)


ERROR = WorkbookColumn("error", "Error message", 60)


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
