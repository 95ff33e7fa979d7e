from django.http import Http404

from .. import selectors
from ..models import AdminRole, Agreement

CUSTOMER_ADMIN = (AdminRole.SUPER_ADMIN, AdminRole.ADMIN)


def agreement_page(
    request, public_id, *, allowed: tuple[str, ...] | None = None
) -> tuple[Agreement, str]:
    """The agreement and the actor's access to it (a role or "partner"). An actor whose
    access is not in `allowed` gets a 404, as for any agreement they cannot see."""
    agreement, access = selectors.agreement_get_with_access(
        actor=request.actor, public_id=public_id
    )
    if allowed is not None and access not in allowed:
        raise Http404
    return agreement, access
