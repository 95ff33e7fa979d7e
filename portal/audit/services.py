from typing import Any

from django.db import models

from portal.tenancy.context import Actor
from portal.tenancy.models import Organization

from .models import Action, AuditEntry


def audit_record(
    *,
    actor: Actor,
    organization: Organization,
    action: Action,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to `organization`'s history. Call it inside the service's transaction."""
    user = actor.user if actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=user,
        actor_email=user.email if user else "",
        organization=organization,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(getattr(target, "public_id", None) or getattr(target, "pk", "") or ""),
        target_repr=str(target)[:255] if target is not None else "",
        details=details or {},
        ip_address=actor.ip_address,
    )
