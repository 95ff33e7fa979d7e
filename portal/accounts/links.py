"""One-use links: a signed token is good until it expires, and also until it is spent once.
Only a digest of a spent token is kept, and only for as long as the token would have lived."""

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import SpentLink


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_is_spent(token: str) -> bool:
    return SpentLink.objects.filter(digest=_digest(token)).exists()


def link_spend(*, token: str, max_age: int) -> bool:
    """Spend `token`, which lives at most `max_age` seconds from its making; False when it
    was spent already (by another request, even one at the very same moment)."""
    try:
        with transaction.atomic():
            SpentLink.objects.create(
                digest=_digest(token), expires_at=timezone.now() + timedelta(seconds=max_age)
            )
    except IntegrityError:
        return False
    return True


def spent_links_forget() -> int:
    """Delete the digests of links that have expired anyway; returns how many."""
    deleted, _ = SpentLink.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
