"""Workbook downloads and uploads of the Subscribers page: the template, bulk add and bulk
edit uploads with their progress, and the CSV and Excel exports."""

from pathlib import PurePath

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from portal.tenancy.decorators import organization_required

from .. import workbooks
from ..models import BulkImport
from .common import agreement_page

RECENT_UPLOADS = 5


class WorkbookUploadForm(forms.Form):
    workbook = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.FileInput(attrs={"accept": f".xlsx,{workbooks.XLSX_CONTENT_TYPE}"}),
    )


def _download(content: bytes | str, file_name: str, content_type: str) -> HttpResponse:
    return HttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": content_disposition_header(True, file_name)},
    )


@organization_required
def workbook_template(request, public_id):
    agreement, _access = agreement_page(request, public_id, write=True)
    return _download(
        workbooks.template_workbook(agreement),
        f"subscribers-template-{agreement.authorization_number}.xlsx",
        workbooks.XLSX_CONTENT_TYPE,
    )


@organization_required
def workbook_upload(request, public_id, kind):
    """Upload a workbook to add subscribers (kind "add") or edit them (kind "edit")."""
    agreement, access = agreement_page(request, public_id, write=True)
    if request.method == "POST":
        form = WorkbookUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                bulk_import = workbooks.bulk_import_create(
                    actor=request.actor,
                    agreement=agreement,
                    kind=kind,
                    uploaded_file=form.cleaned_data["workbook"],
                )
            except workbooks.WorkbookError as error:
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
        "max_megabytes": workbooks.MAX_FILE_BYTES // (1024 * 1024),
        "max_rows": number_format(workbooks.MAX_ROWS, force_grouping=True),
        "recent": workbooks.bulk_import_list(actor=request.actor, agreement=agreement)[
            :RECENT_UPLOADS
        ],
    }
    return render(request, "agreements/workbook_upload.html", context)


@organization_required
def workbook_import(request, public_id, import_id):
    """An upload's progress and outcome: the page, or for htmx polling only its progress."""
    agreement, access = agreement_page(request, public_id)
    bulk_import = workbooks.bulk_import_get(
        actor=request.actor, agreement=agreement, public_id=import_id
    )
    context = {
        "agreement": agreement,
        "access": access,
        "bulk_import": bulk_import,
        "running": bulk_import.status in (BulkImport.Status.PENDING, BulkImport.Status.PROCESSING),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = (
        "agreements/_workbook_progress.html" if partial else "agreements/workbook_import.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@organization_required
def workbook_import_result(request, public_id, import_id):
    """The uploaded workbook with each row's error, for an upload that had errors."""
    agreement, _access = agreement_page(request, public_id)
    bulk_import = workbooks.bulk_import_get(
        actor=request.actor, agreement=agreement, public_id=import_id
    )
    if bulk_import.status != BulkImport.Status.FAILED or not bulk_import.has_result:
        raise Http404
    stem = PurePath(bulk_import.file_name).stem or "subscribers"
    return _download(bytes(bulk_import.result), f"{stem}-errors.xlsx", workbooks.XLSX_CONTENT_TYPE)


@organization_required
def subscribers_export_xlsx(request, public_id):
    agreement, _access = agreement_page(request, public_id)
    return _download(
        workbooks.export_workbook(agreement),
        workbooks.export_file_name(agreement, "xlsx"),
        workbooks.XLSX_CONTENT_TYPE,
    )


@organization_required
def subscribers_export_csv(request, public_id):
    agreement, _access = agreement_page(request, public_id)
    return _download(
        workbooks.export_csv(agreement),
        workbooks.export_file_name(agreement, "csv"),
        "text/csv; charset=utf-8",
    )


urlpatterns = [
    path(
        "agreements/<uuid:public_id>/subscribers/template.xlsx",
        workbook_template,
        name="workbook_template",
    ),
    path(
        "agreements/<uuid:public_id>/subscribers/add-from-workbook/",
        workbook_upload,
        {"kind": BulkImport.Kind.ADD},
        name="workbook_add",
    ),
    path(
        "agreements/<uuid:public_id>/subscribers/edit-in-workbook/",
        workbook_upload,
        {"kind": BulkImport.Kind.EDIT},
        name="workbook_edit",
    ),
    path(
        "agreements/<uuid:public_id>/subscribers/uploads/<uuid:import_id>/",
        workbook_import,
        name="workbook_import",
    ),
    path(
        "agreements/<uuid:public_id>/subscribers/uploads/<uuid:import_id>/errors.xlsx",
        workbook_import_result,
        name="workbook_import_result",
    ),
    path(
        "agreements/<uuid:public_id>/subscribers/export.xlsx",
        subscribers_export_xlsx,
        name="subscribers_export_xlsx",
    ),
    path(
        "agreements/<uuid:public_id>/subscribers/export.csv",
        subscribers_export_csv,
        name="subscribers_export_csv",
    ),
]
