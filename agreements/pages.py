"""Opening an agreement's page: the agreement and the visitor's access, or a 404."""

from django.http import Http404

from agreements.access import AgreementAccess
from agreements.models import Agreement
from agreements.selectors import agreement_get_with_access

CUSTOMER_ADMIN = (AgreementAccess.SUPER_ADMIN, AgreementAccess.ADMIN)


# The customer's pages (Administrators, Partners, History) are for its readers too.
CUSTOMER_SIDE = (*CUSTOMER_ADMIN, AgreementAccess.READER)


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def agreement_from_request(
    request, public_id, *, allowed: tuple[AgreementAccess, ...] | None = None, write: bool = False
) -> tuple[Agreement, AgreementAccess]:
    """The agreement and the actor's access to it, or a 404 as for any agreement they cannot
    see: when their access is not in `allowed`, and when they may not write (a read-only
    partner) and the page writes: every POST, and the GET of a form (`write`)."""
    agreement, access = agreement_get_with_access(actor=request.actor, public_id=public_id)
    if allowed is not None and access not in allowed:
        raise Http404
    if (write or request.method not in SAFE_METHODS) and not access.can_write:
        raise Http404
    return agreement, access
