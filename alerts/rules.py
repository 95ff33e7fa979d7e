"""What each kind of alert watches, its thresholds by default, and how bad it is."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Kind

# An agreement ending this close, and a full level, cannot be dismissed.
CRITICAL_ENDING_DAYS = 7


@dataclass(frozen=True)
class RuleSpec:
    kind: Kind
    # What the thresholds mean, for the settings page.
    days_label: "str | Promise | None" = None
    percent_label: "str | Promise | None" = None
    days: int | None = None
    percent: int | None = None


SPECS: dict[str, RuleSpec] = {
    spec.kind: spec
    for spec in (
        RuleSpec(Kind.AGREEMENT_ENDING, _("Days before the end"), days=60),
        RuleSpec(
            Kind.FREE_SEATS,
            _("Days in a row"),
            _("Free seats above this percentage of those purchased"),
            days=14,
            percent=30,
        ),
        RuleSpec(Kind.LEVEL_FULL),
        RuleSpec(Kind.NEVER_ACTIVATED, _("Days after the assignment"), days=30),
        RuleSpec(Kind.BULK_UPLOAD_FAILED, _("Days the alert stays"), days=7),
        RuleSpec(Kind.PARTNER_ACCESS_ENDING, _("Days before the access ends"), days=30),
        RuleSpec(Kind.BENEFIT_ACTIVATION, _("Days before the activation"), days=7),
    )
}


@dataclass(frozen=True)
class Rule:
    """An organization's rule for one kind, its row's values over the defaults."""

    kind: str
    enabled: bool
    days: int | None
    percent: int | None

    @property
    def spec(self) -> RuleSpec:
        return SPECS[self.kind]


def rule_default(kind: str) -> Rule:
    spec = SPECS[kind]
    return Rule(kind=kind, enabled=True, days=spec.days, percent=spec.percent)
