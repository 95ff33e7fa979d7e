"""Bulk add and bulk edit: an upload is created, then processed all or nothing, in the
request when it is small and by a worker otherwise.
"""

import logging
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements.access import agreement_writable
from agreements.events import bulk_upload_event
from agreements.models import Agreement, BulkImport
from agreements.subscribers.services.assignments import (
    BulkAssignError,
    subscription_update,
    subscriptions_assign_bulk,
)
from agreements.workbooks.columns import (
    ERRORS_LISTED,
    GUID,
    IN_REQUEST_MAX_UNPACKED_BYTES,
    MAX_FILE_BYTES,
    REQUIRED,
    WorkbookError,
)
from agreements.workbooks.reading import (
    Sheet,
    errors_workbook,
    too_large_error,
    workbook_check,
    workbook_read,
)
from agreements.workbooks.rows import CheckedRow, Progress, row_check_add, row_check_edit
from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.context import Actor, actor_build

logger = logging.getLogger(__name__)


def _count(number: int) -> str:
    return number_format(number, force_grouping=True)


def bulk_import_finish(bulk_import: BulkImport, status: str, message: str, **changes) -> None:
    bulk_import.status = status
    bulk_import.message = message
    bulk_import.finished_at = timezone.now()
    for name, value in changes.items():
        setattr(bulk_import, name, value)
    bulk_import.save(update_fields=["status", "message", "finished_at", "processed_rows", *changes])
    bulk_upload_event(
        agreement=bulk_import.agreement,
        data={
            "id": bulk_import.public_id,
            "kind": bulk_import.kind,
            "file_name": bulk_import.file_name,
            "status": bulk_import.status,
            "rows": bulk_import.total_rows,
            "errors": bulk_import.error_count,
            "message": str(message),
        },
    )


def bulk_import_no_access(bulk_import: BulkImport) -> None:
    bulk_import_finish(
        bulk_import,
        BulkImport.Status.FAILED,
        _("You no longer have access to this agreement, so nothing was saved."),
    )


def _write_add(
    actor: Actor, agreement: Agreement, checked: list[CheckedRow], errors, file_name: str
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
    checked: list[CheckedRow],
    errors,
    unchanged: int,
    file_name: str,
) -> str:
    for row in checked:
        try:
            assert row.subscription is not None  # an edit row names its subscription
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
        bulk_import_no_access(bulk_import)
        return
    content = bytes(bulk_import.content)
    try:
        sheet = _sheet_read(bulk_import, content)
    except WorkbookError as error:
        bulk_import_finish(bulk_import, BulkImport.Status.FAILED, error.message)
        return
    bulk_import.status = BulkImport.Status.PROCESSING
    bulk_import.total_rows = len(sheet.rows)
    bulk_import.save(update_fields=["status", "total_rows"])

    progress = Progress(bulk_import)
    unchanged = 0
    if bulk_import.kind == BulkImport.Kind.ADD:
        errors, checked = row_check_add(agreement, sheet, progress)
    else:
        errors, checked, unchanged = row_check_edit(agreement, sheet, progress)
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
                bulk_import_finish(bulk_import, BulkImport.Status.SUCCEEDED, message)
    except PermissionDenied:
        bulk_import_no_access(bulk_import)
        return
    if errors:
        _fail_with_row_errors(bulk_import, content, dict(sorted(errors.items())))


def _sheet_read(bulk_import: BulkImport, content: bytes) -> Sheet:
    """The uploaded sheet, or WorkbookError when it is not one this upload can take."""
    sheet = workbook_read(content)
    missing = [
        c.header for c in REQUIRED[BulkImport.Kind(bulk_import.kind)] if c.key not in sheet.columns
    ]
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
    return sheet


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
    bulk_import_finish(
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
    if (uploaded_file.size or 0) > MAX_FILE_BYTES:
        raise too_large_error()
    content = uploaded_file.read(MAX_FILE_BYTES + 1)
    unpacked = workbook_check(content)
    with transaction.atomic():
        bulk_import = BulkImport.objects.create(  # scoping: actor may write, checked above
            agreement=agreement,
            uploaded_by=actor.signed_in_user,
            organization=actor.acting_organization,
            kind=kind,
            file_name=name[-255:],
            content=content,
        )
        if unpacked <= IN_REQUEST_MAX_UNPACKED_BYTES:
            bulk_import_process(bulk_import=bulk_import, actor=actor)
        else:
            transaction.on_commit(lambda: bulk_import_queue(bulk_import.pk))
    return bulk_import


def bulk_import_queue(import_id: int) -> None:
    # Imported here: the task module calls this one's services.
    from agreements.workbooks.tasks import bulk_import_run

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


def bulk_import_uploader(bulk_import: BulkImport) -> Actor | None:
    """The uploader, acting for the organization they uploaded for, if they still can."""
    user = bulk_import.uploaded_by
    if not user.is_active:
        return None
    actor = actor_build(user=user, organization_id=bulk_import.organization_id)
    if actor.organization is None or actor.organization.pk != bulk_import.organization_id:
        return None
    return actor
