from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.shortcuts import get_object_or_404

from agreements.models import Agreement, BulkImport
from portal.tenancy.context import Actor


def bulk_import_list(*, actor: Actor, agreement: Agreement) -> QuerySet[BulkImport]:
    """The agreement's uploads, newest first, without their files but knowing whether a
    workbook with errors is there to download."""
    return (
        BulkImport.objects.visible_to(actor)
        .filter(agreement=agreement)
        .defer("content", "result")
        .annotate(
            has_result=ExpressionWrapper(Q(result__isnull=False), output_field=BooleanField())
        )
        .select_related("uploaded_by")
    )


def bulk_import_get(*, actor: Actor, agreement: Agreement, public_id) -> BulkImport:
    return get_object_or_404(
        bulk_import_list(actor=actor, agreement=agreement), public_id=public_id
    )
