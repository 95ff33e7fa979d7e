"""An organization's alert rules (its admins change them, in its History) and a person's
alert emails (their own)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit.models import Action
from portal.audit.services import audit_record
from portal.tenancy.context import Actor

from ..models import AlertPreference, AlertRule, Digest, Kind
from ..rules import SPECS, Rule
from ..selectors import alert_rules


@dataclass(frozen=True)
class RuleChoice:
    kind: str
    enabled: bool
    days: int | None = None
    percent: int | None = None


def _checked(choice: RuleChoice) -> RuleChoice:
    """The choice with the thresholds its kind has (others dropped), each one required."""
    spec = SPECS[choice.kind]
    days = choice.days if spec.days is not None else None
    percent = choice.percent if spec.percent is not None else None
    if spec.days is not None and (days is None or not 1 <= days <= 730):
        raise ValidationError({f"{choice.kind}_days": _("Enter a number of days from 1 to 730.")})
    if spec.percent is not None and (percent is None or not 0 <= percent <= 100):
        raise ValidationError({f"{choice.kind}_percent": _("Enter a percentage from 0 to 100.")})
    return RuleChoice(kind=choice.kind, enabled=choice.enabled, days=days, percent=percent)


@transaction.atomic
def alert_rules_save(*, actor: Actor, choices: list[RuleChoice]) -> list[str]:
    """The organization's rules become `choices` (owners and admins only); returns the kinds
    that changed, written in the organization's History. Unchanged rules write nothing."""
    if not actor.can_manage_organization:
        raise PermissionDenied
    organization = actor.acting_organization
    before = alert_rules(organization=organization)
    changed: dict[str, dict] = {}
    for choice in map(_checked, choices):
        wanted = Rule(
            kind=choice.kind, enabled=choice.enabled, days=choice.days, percent=choice.percent
        )
        if before[choice.kind] == wanted:
            continue
        AlertRule.objects.update_or_create(
            organization=organization,
            kind=choice.kind,
            defaults={
                "enabled": wanted.enabled,
                "days": wanted.days,
                "percent": wanted.percent,
                "updated_at": timezone.now(),
            },
        )
        changed[choice.kind] = {
            "enabled": wanted.enabled,
            "days": wanted.days,
            "percent": wanted.percent,
        }
    if changed:
        audit_record(
            actor=actor,
            organization=organization,
            action=Action.ALERT_RULES_CHANGED,
            details={"rules": changed},
        )
    return sorted(changed)


def alert_preference_save(*, actor: Actor, digest: str, email_kinds: list[str]) -> AlertPreference:
    """The signed-in person's alert emails: the digest's rhythm and the kinds it lists."""
    if digest not in Digest.values or not set(email_kinds) <= set(Kind.values):
        raise ValidationError(_("Choose a digest and kinds from the lists."))
    preference, _created = AlertPreference.objects.update_or_create(
        user=actor.signed_in_user,
        defaults={"digest": digest, "email_kinds": sorted(set(email_kinds))},
    )
    return preference
