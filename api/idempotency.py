"""Idempotency-Key on every POST: the key is stored in the same transaction as the change, so
a retried request either finds the first one's answer or does the work, never both."""

import hashlib
import json
from collections.abc import Callable
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja.responses import NinjaJSONEncoder

from .models import IdempotentRequest
from .problems import Problem

HEADER = "Idempotency-Key"


def idempotent(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        key = request.headers.get(HEADER, "")
        if not key:
            return view(request, *args, **kwargs)
        if len(key) > 255:
            raise Problem(400, "invalid-idempotency-key", _("The Idempotency-Key is too long."))
        digest = hashlib.sha256(request.method.encode() + request.path.encode() + request.body)
        fingerprint = digest.hexdigest()
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(
                        token=request.api_token, key=key, fingerprint=fingerprint
                    )
            except IntegrityError:
                # A request with this key ran (or is running: the insert waited for it).
                return _replay(request, key, fingerprint)
            result = view(request, *args, **kwargs)
            record.status, record.body = result.status_code, _json(result.value)
            record.save(update_fields=["status", "body"])
        return result

    return wrapper


def _json(body):
    """The body as the API's renderer writes it, so that a replay is byte for byte the same."""
    return json.loads(json.dumps(body, cls=NinjaJSONEncoder))


def _replay(request, key: str, fingerprint: str) -> JsonResponse:
    # scoping: the calling token's own keys.
    record = IdempotentRequest.objects.get(token=request.api_token, key=key)
    if record.fingerprint != fingerprint:
        raise Problem(
            422, "idempotency-key-reused", _("This Idempotency-Key was used for another request.")
        )
    response = JsonResponse(record.body, status=record.status, safe=False)
    response["Idempotent-Replayed"] = "true"
    return response
