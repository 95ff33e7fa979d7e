from typing import TYPE_CHECKING, Any

from django.db import models

from portal.tenancy.context import Actor
from portal.tenancy.models import Organization

from .models import Action, AuditEntry

if TYPE_CHECKING:
    from agreements.models import Agreement


def audit_record(
    *,
    actor: Actor,
    organization: Organization | None,
    action: Action,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
    agreement: "Agreement | None" = None,
) -> AuditEntry:
    """Append one entry to `organization`'s history. Call it inside the service's transaction."""
    user = actor.user if actor.is_authenticated else None
    if actor.via_token:
        organization_name = actor.organization.name if actor.organization else ""
        token = {"name": actor.via_token, "organization": organization_name}
        details = {**(details or {}), "api_token": token}
    return AuditEntry.objects.create(
        actor=user,
        actor_email=user.email if user else "",
        organization=organization,
        agreement=agreement,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(getattr(target, "public_id", None) or getattr(target, "pk", "") or ""),
        target_repr=str(target)[:255] if target is not None else "",
        details=details or {},
        ip_address=actor.ip_address,
    )
