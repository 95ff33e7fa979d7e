"""Attempts counted in the shared cache (Redis), so that a limit holds on every web process at
once: failed partner links, invitations, password resets and emails sent again. While Redis
cannot be reached the counts are kept in PostgreSQL (`AttemptCount`), so the limits still hold
and nothing fails; once Redis answers again the counts are back in Redis (an outage may thus
start a window afresh, never lift a limit for longer than the outage).

A limit counts under several subjects at once (the user, the IP address, the organization,
an email address): an attempt is refused as soon as any of them is over the limit. Each
count's window starts at its first attempt and does not slide."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.cache import REDIS_DOWN
from portal.models import AttemptCount
from portal.tenancy.context import Actor

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from portal.tenancy.models import Organization

RATE_LIMITED_MESSAGE = _(
    "You have done this too many times in a short while. For your security, it is paused for "
    "up to %(minutes)s minutes: try again then."
)


def actor_subjects(actor: Actor) -> dict[str, object]:
    """The acting user and their IP address."""
    return {"user": actor.user.pk if actor.user else None, "ip": actor.ip_address}


def email_subject(email: str) -> str:
    """An address as a count's name: one count whatever its case, and no address in Redis."""
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()


@dataclass(frozen=True)
class AttemptLimit:
    scope: str
    limit: int
    window_seconds: int

    def _keys(self, subjects: dict[str, object]) -> list[str]:
        return [
            f"attempts:{self.scope}:{name}:{value}"
            for name, value in subjects.items()
            if value not in (None, "")
        ]

    def is_exceeded(self, **subjects: object) -> bool:
        keys = self._keys(subjects)
        try:
            counts = caches["limits"].get_many(keys)
        except REDIS_DOWN:
            counts = dict(
                AttemptCount.objects.filter(
                    key__in=keys, expires_at__gt=timezone.now()
                ).values_list("key", "count")
            )
        return any(count >= self.limit for count in counts.values())

    def record(self, **subjects: object) -> bool:
        """Count one attempt; True when this one reached the limit (worth an audit entry)."""
        reached = False
        for count in self._count(subjects):
            reached = reached or count == self.limit
        return reached

    def enforce(
        self, *, actor: Actor, organization: "Organization | None" = None, **subjects: object
    ) -> None:
        """Count one attempt, or refuse it with RATE_LIMITED_MESSAGE when it is beyond the
        limit. The first refusal of a window goes in `organization`'s history. Call it outside
        any transaction, so that a refusal's audit entry stays."""
        counts = self._count(subjects)
        if all(count <= self.limit for count in counts):
            return
        if self.limit + 1 in counts:
            audit_record(
                actor=actor,
                organization=organization,
                action=Action.RATE_LIMIT_REACHED,
                details={"limit": self.scope, "counted_by": sorted(subjects)},
            )
        raise ValidationError(
            RATE_LIMITED_MESSAGE,
            code="rate_limited",
            params={"minutes": max(1, self.window_seconds // 60)},
        )

    def _count(self, subjects: dict[str, object]) -> list[int]:
        keys = self._keys(subjects)
        try:
            return [self._count_in_redis(key) for key in keys]
        except REDIS_DOWN as error:
            logger.warning(
                "Counting %s in PostgreSQL: Redis is unavailable (%s).", self.scope, error
            )
            return [self._count_in_database(key) for key in keys]

    def _count_in_redis(self, key: str) -> int:
        cache = caches["limits"]
        # The window starts at the first attempt; add() does nothing if it is running.
        cache.add(key, 0, timeout=self.window_seconds)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=self.window_seconds)
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
# The licensing service center emails a sign-in link to whoever types a contact's address,
# as password reset does: the same budget.
licensing_sign_in_limit = AttemptLimit(
    scope="licensing-sign-in",
    limit=settings.PASSWORD_RESET_LIMIT,
    window_seconds=settings.PASSWORD_RESET_LIMIT_WINDOW,
)
email_resend_limit = AttemptLimit(
    scope="email-resend",
    limit=settings.EMAIL_RESEND_LIMIT,
    window_seconds=settings.EMAIL_RESEND_LIMIT_WINDOW,
)


def invitation_limit_enforce(*, actor: Actor) -> None:
    """One invitation sent by the actor, counted for them and for their organization."""
    invitation_limit.enforce(
        actor=actor, organization=actor.organization, user=actor.user.pk, org=actor.organization.pk
    )


def email_resend_limit_enforce(*, actor: Actor) -> None:
    """One "send the email again" by a signed-in actor, counted for them and their IP."""
    email_resend_limit.enforce(
        actor=actor, organization=actor.organization, **actor_subjects(actor)
    )
