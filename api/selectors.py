import hmac
from datetime import timedelta

from django.db.models import F
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portal.tenancy.context import Actor

from .models import TOKEN_MARK, ApiToken, secret_hash

# Last-used is written at most this often per token, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def api_token_list(*, actor: Actor):
    if not actor.can_manage_organization:
        return ApiToken.objects.none()
    return ApiToken.objects.for_org(actor.organization).select_related("created_by")


def api_token_get(*, actor: Actor, public_id) -> ApiToken:
    return get_object_or_404(api_token_list(actor=actor), public_id=public_id)


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The usable token this bearer value names, or None (unknown, wrong secret, revoked,
    expired, its maker gone from the organization or deactivated: the same None)."""
    mark, _sep, rest = raw.partition("_")
    prefix, _sep, secret = rest.partition("_")
    if mark != TOKEN_MARK or not prefix or not secret:
        return None
    # scoping: the token is the tenant; its secret proves who is calling.
    # With the membership it acts through, in the same query: one query names the caller.
    token = (
        ApiToken.objects.usable()
        .filter(
            prefix=prefix,
            membership__organization=F("organization"),
            membership__user__is_active=True,
        )
        .select_related("membership__organization", "membership__user")
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, secret_hash(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        # scoping: the row authenticated above.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
