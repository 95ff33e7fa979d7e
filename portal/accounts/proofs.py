"""Links that prove a mailbox: whoever follows an invitation emailed to an address owns it,
so signing up through that link needs no separate verification email.

Apps that email such links register a reader at start-up; accounts knows none of them.
"""

from collections.abc import Callable

EmailProofReader = Callable[[str], str | None]

_readers: list[EmailProofReader] = []


def email_proof_register(reader: EmailProofReader) -> None:
    if reader not in _readers:
        _readers.append(reader)


def email_proven_by(token: str) -> str | None:
    """The address `token` was emailed to, if any registered kind of link recognises it."""
    if not token:
        return None
    for reader in _readers:
        email = reader(token)
        if email:
            return email
    return None
