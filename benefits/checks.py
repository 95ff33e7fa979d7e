from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, register


@register()
def benefit_key_encryption_keys_check(app_configs, **kwargs) -> list[Error]:
    """Product keys cannot be stored or shown without encryption keys: refuse to run."""
    keys = [key.strip() for key in settings.BENEFIT_KEY_ENCRYPTION_KEYS if key.strip()]
    if not keys:
        return [
            Error(
                "BENEFIT_KEY_ENCRYPTION_KEYS is not set.",
                hint="Set it to one or more comma-separated Fernet keys, newest first.",
                id="benefits.E001",
            )
        ]
    errors = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            errors.append(
                Error(
                    f"BENEFIT_KEY_ENCRYPTION_KEYS: key {position} is not a valid Fernet key.",
                    id="benefits.E002",
                )
            )
    return errors
