"""Signed links of onboarding: agreement invitations (single use, like organization
invitations) and taking charge of an agreement nobody administers yet, from the "partner was
added" email sent to its customer email.
"""

from django.conf import settings
from django.core import signing

from agreements.models import AgreementInvitation
from agreements.signing import signed_read
from portal.tenancy.tokens import InvitationTokens

agreement_invitation_tokens = InvitationTokens(
    salt="agreements.invitation",
    queryset=lambda: AgreementInvitation.objects.select_related(
        "agreement", "agreement__partner_of_record", "agreement__customer_organization"
    ),
)


_TAKE_CHARGE_SALT = "agreements.take_charge"


def take_charge_token_make(*, agreement_public_id, email: str) -> str:
    return signing.dumps({"a": str(agreement_public_id), "e": email}, salt=_TAKE_CHARGE_SALT)


def take_charge_read(token: str) -> tuple[str, str] | None:
    """(agreement public id, the customer email the link was sent to), or None."""
    return signed_read(
        token, salt=_TAKE_CHARGE_SALT, max_age=settings.TAKE_CHARGE_MAX_AGE, fields=("a", "e")
    )


def take_charge_proven_email(token: str) -> str | None:
    # Sent to the agreement's customer email (or issued to a verified account with it).
    proof = take_charge_read(token)
    return proof[1] if proof else None
