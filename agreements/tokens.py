"""Signed links of the agreements app; none is stored (a spent one leaves a digest).

- Agreement invitations (customer onboarding, admins): single-use, like organization
  invitations.
- Licensing service center: a sign-in link emailed to a licensing contact (one use, short
  life), and the "Visual Studio subscriptions: click here" link, which carries the agreement
  and the contact's email into the portal (proof of the mailbox once).
- Taking charge of an agreement nobody administers yet, from the "partner was added" email
  sent to its customer email: it carries the agreement and that address.
- A customer's invitation to a partner whose access it ended (Allow again, with an email).
"""

import secrets

from django.conf import settings
from django.core import signing

from portal.accounts.links import link_is_spent, link_spend
from portal.tenancy.tokens import InvitationTokens

from .models import AgreementInvitation

agreement_invitation_tokens = InvitationTokens(
    salt="agreements.invitation",
    queryset=lambda: AgreementInvitation.objects.select_related(
        "agreement", "agreement__partner_of_record", "agreement__customer_organization"
    ),
)

_TAKE_CHARGE_SALT = "agreements.take_charge"
_PARTNER_INVITATION_SALT = "agreements.partner_invitation"


def _read(token: str, *, salt: str, max_age: int, fields: tuple[str, ...]) -> tuple | None:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
        return tuple(str(payload[name]) for name in fields)
    except (signing.BadSignature, KeyError, TypeError):
        return None


def take_charge_token_make(*, agreement_public_id, email: str) -> str:
    return signing.dumps({"a": str(agreement_public_id), "e": email}, salt=_TAKE_CHARGE_SALT)


def take_charge_read(token: str) -> tuple[str, str] | None:
    """(agreement public id, the customer email the link was sent to), or None."""
    return _read(
        token, salt=_TAKE_CHARGE_SALT, max_age=settings.TAKE_CHARGE_MAX_AGE, fields=("a", "e")
    )


def take_charge_proven_email(token: str) -> str | None:
    # Sent to the agreement's customer email (or issued to a verified account with it).
    proof = take_charge_read(token)
    return proof[1] if proof else None


def partner_invitation_token_make(*, link_public_id, allowed_again_at: str) -> str:
    return signing.dumps(
        {"l": str(link_public_id), "t": allowed_again_at}, salt=_PARTNER_INVITATION_SALT
    )


def partner_invitation_read(token: str) -> tuple[str, str] | None:
    """(the ended link's public id, when it was allowed again), or None. The time ties the
    token to that one Allow again: a later removal and allowance make it stale."""
    return _read(
        token,
        salt=_PARTNER_INVITATION_SALT,
        max_age=settings.PARTNER_INVITATION_MAX_AGE,
        fields=("l", "t"),
    )


_LICENSING_SIGN_IN_SALT = "agreements.licensing.sign_in"
_LICENSING_LINK_SALT = "agreements.licensing.link"


def licensing_sign_in_token_make(email: str) -> str:
    # The nonce makes every emailed link a different token, each spent on its own.
    return signing.dumps({"e": email, "n": secrets.token_urlsafe(6)}, salt=_LICENSING_SIGN_IN_SALT)


def licensing_sign_in_email(token: str, *, spend: bool = False) -> str | None:
    """The licensing contact's email from an unexpired, unspent sign-in link, or None. With
    `spend` (signing in) the link is used up: a link read again from a mailbox, a log or a
    browser's history opens nothing."""
    try:
        payload = signing.loads(
            token, salt=_LICENSING_SIGN_IN_SALT, max_age=settings.LICENSING_SIGN_IN_MAX_AGE
        )
        email = str(payload["e"])
    except (signing.BadSignature, KeyError, TypeError):
        return None
    if spend:
        return (
            email if link_spend(token=token, max_age=settings.LICENSING_SIGN_IN_MAX_AGE) else None
        )
    return None if link_is_spent(token) else email


def licensing_link_token_make(*, agreement_public_id: str, email: str) -> str:
    return signing.dumps({"a": str(agreement_public_id), "e": email}, salt=_LICENSING_LINK_SALT)


def licensing_link_read(token: str) -> tuple[str, str] | None:
    """(agreement public id, licensing contact email) from a "click here" link, or None."""
    try:
        payload = signing.loads(
            token, salt=_LICENSING_LINK_SALT, max_age=settings.LICENSING_LINK_MAX_AGE
        )
        return str(payload["a"]), str(payload["e"])
    except (signing.BadSignature, KeyError, TypeError):
        return None


def licensing_link_proven_email(token: str) -> str | None:
    # The link was made in a licensing-center session opened from a link emailed to this
    # address, so following it proves the mailbox as much as that email did: once.
    read = licensing_link_read(token)
    return read[1] if read and not link_is_spent(token) else None


def licensing_link_proof_spend(token: str) -> None:
    link_spend(token=token, max_age=settings.LICENSING_LINK_MAX_AGE)
