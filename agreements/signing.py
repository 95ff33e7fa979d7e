"""Reading the signed links of the agreements app; none is stored (a spent one leaves a
digest).
"""

from django.core import signing


def signed_read(token: str, *, salt: str, max_age: int, fields: tuple[str, ...]) -> tuple | None:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
        return tuple(str(payload[name]) for name in fields)
    except (signing.BadSignature, KeyError, TypeError):
        return None
