"""Product keys at rest: Fernet tokens, never the clear value.

`BENEFIT_KEY_ENCRYPTION_KEYS` lists Fernet keys, newest first. The first one encrypts; every
one of them decrypts, so a new key is rolled out by putting it first, running
`manage.py benefit_keys_reencrypt`, and only then dropping the old one.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "key_decrypt", "key_encrypt", "key_reencrypt"]


def _fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.BENEFIT_KEY_ENCRYPTION_KEYS if key.strip()]
    if not keys:
        raise ImproperlyConfigured("BENEFIT_KEY_ENCRYPTION_KEYS is empty: product keys need it.")
    return MultiFernet([Fernet(key) for key in keys])


def key_encrypt(clear: str) -> str:
    return _fernet().encrypt(clear.encode()).decode("ascii")


def key_decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode("ascii")).decode()


def key_reencrypt(token: str) -> str:
    """The same key encrypted with the newest encryption key."""
    return _fernet().rotate(token.encode("ascii")).decode("ascii")
