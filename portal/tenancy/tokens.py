"""Invitation links: signed, expiring, single-use, and never stored.

The token signs the invitation's id with a digest of its state; accepting or revoking the
invitation (or resending it, which moves `sent_at`) changes that state, so older links die.
"""

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import Invitation

_SALT = "portal.tenancy.invitation"


def _state_digest(invitation: Invitation) -> str:
    state = (
        f"{invitation.pk}|{invitation.email.casefold()}|{invitation.sent_at.isoformat()}|"
        f"{invitation.accepted_at}|{invitation.revoked_at}"
    )
    return salted_hmac(_SALT, state).hexdigest()[:32]


def invitation_token_make(invitation: Invitation) -> str:
    return signing.dumps(
        {"i": str(invitation.public_id), "s": _state_digest(invitation)}, salt=_SALT
    )


def invitation_from_token(token: str) -> Invitation | None:
    """The pending, unexpired invitation this token was made for, or None."""
    try:
        payload = signing.loads(token, salt=_SALT)
        invitation = Invitation.objects.select_related("organization").get(public_id=payload["i"])
    except (signing.BadSignature, Invitation.DoesNotExist, KeyError, TypeError, ValueError):
        return None
    if not constant_time_compare(payload.get("s", ""), _state_digest(invitation)):
        return None
    if not invitation.is_pending or invitation.is_expired:
        return None
    return invitation
