from functools import wraps

from django.http import Http404

from portal.tenancy.decorators import organization_required

from .. import selectors
from ..models import AdminRole, Agreement

CUSTOMER_ADMIN = (AdminRole.SUPER_ADMIN, AdminRole.ADMIN)


def partner_required(view):
    """Acting for a partner organization; anyone else gets the same 404 as a missing page."""

    @organization_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.actor.organization.is_partner:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def agreement_page(
    request, public_id, *, allowed: tuple[str, ...] | None = None
) -> tuple[Agreement, str]:
    """The agreement and the actor's access to it (a role or "partner"). An actor whose
    access is not in `allowed` gets a 404, as for any agreement they cannot see."""
    agreement = selectors.agreement_get(actor=request.actor, public_id=public_id)
    access = selectors.agreement_access(actor=request.actor, agreement=agreement)
    if access is None or (allowed is not None and access not in allowed):
        raise Http404
    return agreement, access
