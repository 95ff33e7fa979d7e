import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.tenancy.context import Actor

from .models import TOKEN_MARK, ApiToken, secret_hash


@transaction.atomic
def api_token_create(
    *, actor: Actor, name: str, scope: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token of the actor's organization and its secret, which is shown this once and
    stored only as a hash."""
    if not actor.can_manage_organization:
        raise ValidationError(_("Only the organization's administrators manage API tokens."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry date must be in the future."), code="expired")
    if ApiToken.objects.for_org(actor.organization).usable().filter(name=name).exists():
        raise ValidationError(_("A token of that name already exists."), code="duplicate")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization=actor.acting_organization,
        created_by=actor.signed_in_user,
        membership=actor.membership,
        name=name,
        scope=scope,
        expires_at=expires_at,
        prefix=prefix,
        secret_hash=secret_hash(secret),
    )
    return token, f"{TOKEN_MARK}_{prefix}_{secret}"


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> None:
    if token.organization_id != getattr(actor.organization, "pk", None):
        raise ValidationError(_("This token is not one of your organization's."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
