"""Links that prove a mailbox: whoever follows an invitation emailed to an address owns it,
so signing up through that link needs no separate verification email.

Apps that email such links register a reader at start-up; accounts knows none of them. A
link that stays valid after it proved the mailbox once (the licensing center's "click here")
registers a spender too, which the sign-up calls once the proof is used.
"""

from collections.abc import Callable

EmailProofReader = Callable[[str], str | None]
EmailProofSpender = Callable[[str], None]

_readers: dict[EmailProofReader, EmailProofSpender | None] = {}


def email_proof_register(
    reader: EmailProofReader, *, spend: EmailProofSpender | None = None
) -> None:
    _readers[reader] = spend


def email_proven_by(token: str) -> str | None:
    """The address `token` was emailed to, if any registered kind of link recognises it."""
    if not token:
        return None
    for reader in _readers:
        email = reader(token)
        if email:
            return email
    return None


def email_proof_spend(token: str) -> None:
    """`token` proved its mailbox: it proves nothing more."""
    for reader, spend in _readers.items():
        if spend is not None and reader(token):
            spend(token)
