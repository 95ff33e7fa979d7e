"""The licensing center's own sign-in: a link emailed to a licensing contact (one use, short
life).
"""

import secrets

from django.conf import settings
from django.core import signing

from portal.accounts.links import link_is_spent, link_spend

_LICENSING_SIGN_IN_SALT = "agreements.licensing.sign_in"


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
