"""Invitation links: signed, expiring, single-use, and never stored.

A token signs the invitation's public id with a digest of its state; accepting or revoking
the invitation (or resending it, which moves `sent_at`) changes that state, so older links
die. One `InvitationTokens` serves every invitation-like model (organization invitations
here, agreement admin invitations in `agreements`), each with its own salt.
"""

import uuid
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core import signing
from django.db.models import QuerySet
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import EmailInvitation, Invitation

InvitationModel = TypeVar("InvitationModel", bound=EmailInvitation)


class InvitationTokens(Generic[InvitationModel]):
    """Tokens for a model with public_id, email, sent_at, accepted_at and revoked_at, and the
    properties is_pending and is_expired."""

    def __init__(self, *, salt: str, queryset: Callable[[], QuerySet[InvitationModel]]):
        self.salt = salt
        self.queryset = queryset

    def _state_digest(self, invitation: InvitationModel) -> str:
        state = (
            f"{invitation.pk}|{invitation.email.casefold()}|{invitation.sent_at.isoformat()}|"
            f"{invitation.accepted_at}|{invitation.revoked_at}"
        )
        return salted_hmac(self.salt, state).hexdigest()[:32]

    def make(self, invitation: InvitationModel) -> str:
        payload = {"i": str(invitation.public_id), "s": self._state_digest(invitation)}
        return signing.dumps(payload, salt=self.salt)

    def read(self, token: str) -> InvitationModel | None:
        """The pending, unexpired invitation this token was made for, or None."""
        try:
            payload = signing.loads(token, salt=self.salt)
            public_id = uuid.UUID(str(payload["i"]))
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None
        invitation = self.queryset().filter(public_id=public_id).first()
        if invitation is None:
            return None
        if not constant_time_compare(payload.get("s", ""), self._state_digest(invitation)):
            return None
        if not invitation.is_pending or invitation.is_expired:
            return None
        return invitation

    def proven_email(self, token: str) -> str | None:
        """The address this token was emailed to: following it proves the mailbox."""
        invitation = self.read(token)
        return invitation.email if invitation else None


organization_invitation_tokens = InvitationTokens(
    salt="portal.tenancy.invitation",
    queryset=lambda: Invitation.objects.select_related("organization"),
)


def invitation_token_make(invitation: Invitation) -> str:
    return organization_invitation_tokens.make(invitation)


def invitation_from_token(token: str) -> Invitation | None:
    return organization_invitation_tokens.read(token)
