from django.db.models import QuerySet

from portal.tenancy.context import Actor

from .models import AuditEntry


def audit_entry_list(*, actor: Actor) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.visible_to(actor).select_related("actor")
