"""Signed links of partner access: the licensing center's "Visual Studio subscriptions: click
here", which carries the agreement and the contact's email into the portal (proof of the
mailbox once), and a customer's invitation to a partner whose access it ended.
"""

from django.conf import settings
from django.core import signing

from agreements.signing import signed_read
from portal.accounts.links import link_is_spent, link_spend

_PARTNER_INVITATION_SALT = "agreements.partner_invitation"


def partner_invitation_token_make(*, link_public_id, allowed_again_at: str) -> str:
    return signing.dumps(
        {"l": str(link_public_id), "t": allowed_again_at}, salt=_PARTNER_INVITATION_SALT
    )


def partner_invitation_read(token: str) -> tuple[str, str] | None:
    """(the ended link's public id, when it was allowed again), or None. The time ties the
    token to that one Allow again: a later removal and allowance make it stale."""
    return signed_read(
        token,
        salt=_PARTNER_INVITATION_SALT,
        max_age=settings.PARTNER_INVITATION_MAX_AGE,
        fields=("l", "t"),
    )


_LICENSING_LINK_SALT = "agreements.licensing.link"


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
