from pathlib import PurePath

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from agreements.models import BulkImport
from agreements.pages import agreement_from_request
from agreements.workbooks.columns import MAX_FILE_BYTES, MAX_ROWS, XLSX_CONTENT_TYPE, WorkbookError
from agreements.workbooks.selectors import bulk_import_get, bulk_import_list
from agreements.workbooks.services import bulk_import_create
from agreements.workbooks.writing import (
    export_csv,
    export_file_name,
    export_workbook,
    template_workbook,
)
from portal.htmx import fragment_or_page
from portal.tenancy.decorators import organization_required

RECENT_UPLOADS = 5


class WorkbookUploadForm(forms.Form):
    workbook = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.FileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )


def _download(content: bytes | str, file_name: str, content_type: str) -> HttpResponse:
    return HttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": content_disposition_header(True, file_name)},
    )


@organization_required
def workbook_template(request, public_id):
    agreement, _access = agreement_from_request(request, public_id, write=True)
    return _download(
        template_workbook(agreement),
        f"subscribers-template-{agreement.authorization_number}.xlsx",
        XLSX_CONTENT_TYPE,
    )


@organization_required
def workbook_upload(request, public_id, kind):
    """Upload a workbook to add subscribers (kind "add") or edit them (kind "edit")."""
    agreement, access = agreement_from_request(request, public_id, write=True)
    if request.method == "POST":
        form = WorkbookUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                bulk_import = bulk_import_create(
                    actor=request.actor,
                    agreement=agreement,
                    kind=kind,
                    uploaded_file=form.cleaned_data["workbook"],
                )
            except WorkbookError as error:
                form.add_error("workbook", error.message)
            else:
                return redirect(
                    "agreements:workbook_import",
                    public_id=agreement.public_id,
                    import_id=bulk_import.public_id,
                )
    else:
        form = WorkbookUploadForm()
    context = {
        "agreement": agreement,
        "access": access,
        "form": form,
        "kind": kind,
        "max_megabytes": MAX_FILE_BYTES // (1024 * 1024),
        "max_rows": number_format(MAX_ROWS, force_grouping=True),
        "recent": bulk_import_list(actor=request.actor, agreement=agreement)[:RECENT_UPLOADS],
    }
    return render(request, "agreements/workbook_upload.html", context)


@organization_required
def workbook_import(request, public_id, import_id):
    """An upload's progress and outcome: the page, or for htmx polling only its progress."""
    agreement, access = agreement_from_request(request, public_id)
    bulk_import = bulk_import_get(actor=request.actor, agreement=agreement, public_id=import_id)
    context = {
        "agreement": agreement,
        "access": access,
        "bulk_import": bulk_import,
        "running": bulk_import.status in (BulkImport.Status.PENDING, BulkImport.Status.PROCESSING),
    }
    return fragment_or_page(
        request,
        fragment="agreements/_workbook_progress.html",
        page="agreements/workbook_import.html",
        context=context,
    )


@organization_required
def workbook_import_result(request, public_id, import_id):
    """The uploaded workbook with each row's error, for an upload that had errors."""
    agreement, _access = agreement_from_request(request, public_id)
    bulk_import = bulk_import_get(actor=request.actor, agreement=agreement, public_id=import_id)
    if bulk_import.status != BulkImport.Status.FAILED or not bulk_import.has_result:
        raise Http404
    stem = PurePath(bulk_import.file_name).stem or "subscribers"
    return _download(bytes(bulk_import.result), f"{stem}-errors.xlsx", XLSX_CONTENT_TYPE)


@organization_required
def subscribers_export_xlsx(request, public_id):
    agreement, _access = agreement_from_request(request, public_id)
    return _download(
        export_workbook(agreement),
        export_file_name(agreement, "xlsx"),
        XLSX_CONTENT_TYPE,
    )


@organization_required
def subscribers_export_csv(request, public_id):
    agreement, _access = agreement_from_request(request, public_id)
    return _download(
        export_csv(agreement),
        export_file_name(agreement, "csv"),
        "text/csv; charset=utf-8",
    )
