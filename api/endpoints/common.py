"""What every operation shares: the error answers it documents, the one agreement lookup
(through the pages' access rule), ETags and service refusals as problems."""

import hashlib
import json
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Schema

from agreements.access import AgreementAccess
from agreements.models import Agreement
from agreements.selectors import agreement_get_with_access

from ..auth import require_write
from ..problems import Problem
from ..schemas import ProblemOut

ERRORS = {400: ProblemOut, 401: ProblemOut, 404: ProblemOut, 422: ProblemOut, 429: ProblemOut}
WRITE_ERRORS = {**ERRORS, 403: ProblemOut, 409: ProblemOut, 412: ProblemOut, 422: ProblemOut}


def etag_of(out: Schema) -> str:
    raw = json.dumps(out.model_dump(mode="json"), sort_keys=True).encode()
    return f'"{hashlib.sha256(raw).hexdigest()[:32]}"'


def agreement_for(
    request, agreement_id: UUID, *, write: bool = False, with_lines: bool = True
) -> tuple[Agreement, AgreementAccess]:
    """The agreement the token's organization sees, and its access; 404 otherwise. A write
    by a read-only partner is refused like the pages refuse it: as if nothing were there.
    `with_lines=False` for an operation that reads no line or level of the agreement."""
    if write:
        require_write(request)
    agreement, access = agreement_get_with_access(
        actor=request.actor, public_id=agreement_id, with_lines=with_lines
    )
    if write and not access.can_write:
        raise Http404
    return agreement, access


def service_error(error: ValidationError) -> Problem:
    return Problem(
        422,
        getattr(error, "code", None) or "rejected",
        _("The change cannot be made."),
        " ".join(error.messages),
    )
