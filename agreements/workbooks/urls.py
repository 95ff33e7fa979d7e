from django.urls import path

from agreements.models import BulkImport
from agreements.workbooks.views import (
    subscribers_export_csv,
    subscribers_export_xlsx,
    workbook_import,
    workbook_import_result,
    workbook_template,
    workbook_upload,
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
