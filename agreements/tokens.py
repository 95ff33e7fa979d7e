"""Signed links of the agreements app; none is stored (a spent one leaves a digest).

- Agreement invitations (customer onboarding, admins): single-use, like organization
  invitations.
- Licensing service center: a sign-in link emailed to a licensing contact (one use, short
  life), and the "Visual Studio subscriptions: click here" link, which carries the agreement
  and the contact's email into the portal (proof of the mailbox once).
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
