"""Failed attempts at linking an agreement, counted per user and per IP address in the shared
cache (Redis), so that guessing numbers is slow on every web process at once."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from portal.tenancy.context import Actor


@dataclass(frozen=True)
class AttemptLimit:
    scope: str
    limit: int
    window_seconds: int

    def _keys(self, actor: Actor) -> list[str]:
        keys = [f"attempts:{self.scope}:user:{actor.user.pk}"]
        if actor.ip_address:
            keys.append(f"attempts:{self.scope}:ip:{actor.ip_address}")
        return keys

    def is_exceeded(self, actor: Actor) -> bool:
        counts = cache.get_many(self._keys(actor))
        return any(count >= self.limit for count in counts.values())

    def record_failure(self, actor: Actor) -> bool:
        """Count one failure; True when this one reached the limit (worth an audit entry)."""
        reached = False
        for key in self._keys(actor):
            # The window starts at the first failure; add() does nothing if it is running.
            cache.add(key, 0, timeout=self.window_seconds)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.set(key, 1, timeout=self.window_seconds)
                count = 1
            reached = reached or count == self.limit
        return reached


partner_link_attempts = AttemptLimit(
    scope="partner-link",
    limit=settings.PARTNER_LINK_ATTEMPT_LIMIT,
    window_seconds=settings.PARTNER_LINK_ATTEMPT_WINDOW,
)
