"""Attempts counted in the shared cache (Redis), so that a limit holds on every web process at
once: failed partner links, invitations, password resets and emails sent again. While Redis
cannot be reached the counts are kept in PostgreSQL (`AttemptCount`), so the limits still hold
and nothing fails; once Redis answers again the counts are back in Redis (an outage may thus
start a window afresh, never lift a limit for longer than the outage).

A limit counts under several subjects at once (the user, the IP address, the organization,
an email address): an attempt is refused as soon as any of them is over the limit. Each
count's window starts at its first attempt and does not slide."""

import contextlib
import hashlib
import logging
import math
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import ngettext_lazy

from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.cache import REDIS_DOWN
from portal.models import AttemptCount
from portal.tenancy.context import Actor

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from portal.tenancy.models import Organization

RATE_LIMITED_MESSAGE = ngettext_lazy(
    "You have done this too many times in a short while. For your security, it is paused: "
    "try again in %(minutes)s minute.",
    "You have done this too many times in a short while. For your security, it is paused: "
    "try again in %(minutes)s minutes.",
    "minutes",
)


def actor_subjects(actor: Actor) -> dict[str, object]:
    """The acting user and their IP address."""
    return {"user": actor.user.pk if actor.user else None, "ip": actor.ip_address}


def email_count_key(email: str) -> str:
    """An address as a count's name: one count whatever its case, and no address in Redis."""
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()


def _now() -> float:
    return time.time()


def minutes_left(seconds: float) -> int:
    """Whole minutes, rounded up, so that "try again in 1 minute" is never too early."""
    return max(1, math.ceil(seconds / 60))


@dataclass(frozen=True)
class AttemptLimit:
    scope: str
    limit: int
    window_seconds: int
    # Subjects counted with their own budget, e.g. {"ip": 25}: an office behind one address
    # is many people, so its budget is larger than one user's.
    subject_limits: dict[str, int] = field(default_factory=dict)

    def _keys(self, subjects: dict[str, object]) -> dict[str, int]:
        """Each subject's count key, with the budget that applies to it."""
        return {
            f"attempts:{self.scope}:{name}:{value}": self.subject_limits.get(name, self.limit)
            for name, value in subjects.items()
            if value not in (None, "")
        }

    def is_exceeded(self, **subjects: object) -> bool:
        return self.seconds_left(**subjects) > 0

    def seconds_left(self, **subjects: object) -> float:
        """How long until every subject over its budget is allowed again (0: none is)."""
        keys = self._keys(subjects)
        now = _now()
        over = [
            ends for key, (count, ends) in self._stored(list(keys)).items() if count >= keys[key]
        ]
        # A count whose end was not recorded (written before it was) ends with its window.
        return max(((ends or now + self.window_seconds) - now for ends in over), default=0)

    def reset(self, **subjects: object) -> None:
        """Forget the subjects' counts (their windows start again at the next attempt)."""
        keys = list(self._keys(subjects))
        with contextlib.suppress(*REDIS_DOWN):  # the counts there expire on their own
            caches["limits"].delete_many(keys + [f"{key}:ends" for key in keys])
        AttemptCount.objects.filter(key__in=keys).delete()

    def record(self, **subjects: object) -> bool:
        """Count one attempt; True when this one reached a budget (worth an audit entry)."""
        return any(count == limit for count, limit in self._count(subjects))

    def enforce(
        self, *, actor: Actor, organization: "Organization | None" = None, **subjects: object
    ) -> None:
        """Count one attempt, or refuse it with RATE_LIMITED_MESSAGE (and the real time left)
        when it is beyond a budget. The first refusal of a window goes in `organization`'s
        history. Call it outside any transaction, so that a refusal's audit entry stays."""
        counts = self._count(subjects)
        if all(count <= limit for count, limit in counts):
            return
        if any(count == limit + 1 for count, limit in counts):
            audit_record(
                actor=actor,
                organization=organization,
                action=Action.RATE_LIMIT_REACHED,
                details={"limit": self.scope, "counted_by": sorted(subjects)},
            )
        raise ValidationError(
            RATE_LIMITED_MESSAGE,
            code="rate_limited",
            params={"minutes": minutes_left(self.seconds_left(**subjects))},
        )

    def _stored(self, keys: list[str]) -> dict[str, tuple[int, float | None]]:
        """Each counted key's count and the time its window ends."""
        try:
            cache = caches["limits"]
            counts = cache.get_many(keys)
            ends = cache.get_many([f"{key}:ends" for key in counts])
            return {key: (count, ends.get(f"{key}:ends")) for key, count in counts.items()}
        except REDIS_DOWN:
            rows = AttemptCount.objects.filter(key__in=keys, expires_at__gt=timezone.now())
            return {
                key: (count, expires_at.timestamp())
                for key, count, expires_at in rows.values_list("key", "count", "expires_at")
            }

    def _count(self, subjects: dict[str, object]) -> list[tuple[int, int]]:
        """(count, budget) of each subject, after counting this attempt."""
        keys = self._keys(subjects)
        try:
            counts = [self._count_in_redis(key) for key in keys]
        except REDIS_DOWN as error:
            logger.warning(
                "Counting %s in PostgreSQL: Redis is unavailable (%s).", self.scope, error
            )
            counts = [self._count_in_database(key) for key in keys]
        return list(zip(counts, keys.values(), strict=True))

    def _count_in_redis(self, key: str) -> int:
        cache = caches["limits"]
        # The window starts at the first attempt; add() does nothing if it is running.
        if cache.add(key, 0, timeout=self.window_seconds):
            cache.set(f"{key}:ends", _now() + self.window_seconds, self.window_seconds)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=self.window_seconds)
            cache.set(f"{key}:ends", _now() + self.window_seconds, self.window_seconds)
            return 1

    def _count_in_database(self, key: str) -> int:
        now = timezone.now()
        table = AttemptCount._meta.db_table
        # One statement, so that concurrent attempts each get their own count; a count whose
        # window has ended starts again at one.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} ("key", "count", "expires_at") VALUES (%s, 1, %s)
                ON CONFLICT ("key") DO UPDATE SET
                    "count" = CASE WHEN {table}."expires_at" <= %s THEN 1
                        ELSE {table}."count" + 1 END,
                    "expires_at" = CASE WHEN {table}."expires_at" <= %s
                        THEN excluded."expires_at" ELSE {table}."expires_at" END
                RETURNING "count"
                """,  # noqa: S608 (the table name is ours; the values are parameters)
                [key, now + timedelta(seconds=self.window_seconds), now, now],
            )
            count = cursor.fetchone()[0]
        AttemptCount.objects.filter(expires_at__lte=now).delete()
        return count


invitation_limit = AttemptLimit(
    scope="invitation",
    limit=settings.INVITATION_LIMIT,
    window_seconds=settings.INVITATION_LIMIT_WINDOW,
)
password_reset_limit = AttemptLimit(
    scope="password-reset",
    limit=settings.PASSWORD_RESET_LIMIT,
    window_seconds=settings.PASSWORD_RESET_LIMIT_WINDOW,
)
# Failed sign-ins for one account from every address together: django-axes locks out an
# address after five failures for the account, this stops many addresses from each getting
# five (counted for any address typed, with or without an account, so it tells nothing).
sign_in_account_limit = AttemptLimit(
    scope="sign-in-account",
    limit=settings.SIGN_IN_ACCOUNT_LIMIT,
    window_seconds=settings.SIGN_IN_ACCOUNT_LIMIT_WINDOW,
)
email_resend_limit = AttemptLimit(
    scope="email-resend",
    limit=settings.EMAIL_RESEND_LIMIT,
    window_seconds=settings.EMAIL_RESEND_LIMIT_WINDOW,
)


def invitation_limit_enforce(*, actor: Actor) -> None:
    """One invitation sent by the actor, counted for them and for their organization."""
    invitation_limit.enforce(
        actor=actor,
        organization=actor.acting_organization,
        user=actor.signed_in_user.pk,
        org=actor.acting_organization.pk,
    )


def email_resend_limit_enforce(*, actor: Actor) -> None:
    """One "send the email again" by a signed-in actor, counted for them and their IP."""
    email_resend_limit.enforce(
        actor=actor, organization=actor.organization, **actor_subjects(actor)
    )
