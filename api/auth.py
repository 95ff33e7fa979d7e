"""Who calls the API: a bearer token, acting as its organization through an `Actor` like the
pages' (so the one access rule of agreements/access.py decides what it sees)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from portal.limits import AttemptLimit
from portal.tenancy.context import actor_for_membership

from .models import ApiToken
from .problems import Problem
from .selectors import api_token_authenticate

api_rate_limit = AttemptLimit(
    scope="api",
    limit=settings.API_RATE_LIMIT,
    window_seconds=settings.API_RATE_LIMIT_WINDOW,
)


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str) -> ApiToken | None:
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        actor = actor_for_membership(
            api_token.membership,
            ip_address=request.META.get("REMOTE_ADDR"),
            via_token=api_token.name,
        )
        try:
            api_rate_limit.enforce(actor=actor, organization=actor.organization, token=api_token.pk)
        except ValidationError as error:
            seconds = max(1, int(api_rate_limit.seconds_left(token=api_token.pk)) + 1)
            raise Problem(
                429,
                "rate-limited",
                _("Too many requests"),
                error.messages[0],
                headers={"Retry-After": str(seconds)},
            ) from error
        request.actor = actor
        request.api_token = api_token
        return api_token


def require_write(request) -> None:
    """A read token changes nothing."""
    if not request.api_token.can_write:
        raise Problem(
            403, "insufficient-scope", _("This token may only read."), _("Use a write token.")
        )
