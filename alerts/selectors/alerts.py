"""The alerts a person reads, scoped by `Alert.objects.visible_to(actor)`, and the settings
that shape them."""

from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404

from portal.accounts.models import User
from portal.tenancy.context import Actor
from portal.tenancy.models import Organization

from ..models import Alert, AlertPreference, AlertQuerySet, AlertRule
from ..rules import SPECS, Rule, rule_default

BELL_SIZE = 8


def _unread(actor: Actor) -> AlertQuerySet:
    """The actor's open alerts they have not dismissed (critical ones included)."""
    return Alert.objects.visible_to(actor).open().undismissed_by(actor.signed_in_user)


def alert_count(*, actor: Actor) -> int:
    """The bell's number: one query."""
    if actor.organization is None or not actor.is_authenticated:
        return 0
    return _unread(actor).count()


def alert_list(*, actor: Actor) -> QuerySet[Alert]:
    """The actor's undismissed open alerts, critical first, then newest first."""
    return _unread(actor).select_related("agreement").most_severe_first()


def bell_alerts(*, actor: Actor) -> list[Alert]:
    return list(alert_list(actor=actor)[:BELL_SIZE])


def alert_get(*, actor: Actor, public_id) -> Alert:
    """One open alert the actor may see, else 404 (missing, resolved or foreign alike)."""
    found = Alert.objects.visible_to(actor).open().filter(public_id=public_id).first()
    if found is None:
        raise Http404
    return found


def alert_rules(*, organization: Organization) -> dict[str, Rule]:
    """The organization's rule of every kind: its rows over the defaults."""
    rules = {kind: rule_default(kind) for kind in SPECS}
    for row in AlertRule.objects.filter(organization=organization):
        rules[row.kind] = Rule(
            kind=row.kind, enabled=row.enabled, days=row.days, percent=row.percent
        )
    return rules


def alert_preference(*, user: User) -> AlertPreference:
    """The person's alert emails, unsaved defaults when they never chose."""
    return alert_preferences(users=[user])[user.pk]


def alert_preferences(*, users: list[User]) -> dict[int, AlertPreference]:
    """`alert_preference` of each of `users`, by user id: one query for them all."""
    saved = {row.user_id: row for row in AlertPreference.objects.filter(user__in=users)}
    return {user.pk: saved.get(user.pk) or AlertPreference(user=user) for user in users}


def alerts_for_digest(
    *, actor: Actor, kinds: list[str], start: datetime, end: datetime
) -> list[Alert]:
    """The actor's alerts raised in [start, end), still open and not dismissed by them."""
    return list(
        _unread(actor)
        .filter(kind__in=kinds, created_at__gte=start, created_at__lt=end)
        .most_severe_first()
    )
