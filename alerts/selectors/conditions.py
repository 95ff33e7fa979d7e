"""The conditions that hold today for one organization, kind by kind, read from the data the
features keep: agreements and their lines, the daily usage snapshots, activity, uploads,
partner links and benefit assignments. No actor: the evaluation runs for the organization
(a beat task), over the agreements it manages as a customer or through a partner link that
grants access on `today`."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from agreements.models import (
    Agreement,
    AgreementLine,
    BulkImport,
    PartnerLink,
    Subscription,
    UsageSnapshot,
)
from benefits.models import BenefitAssignment
from portal.tenancy.models import Organization

from ..models import Kind, Severity
from ..rules import CRITICAL_ENDING_DAYS, Rule


@dataclass(frozen=True)
class Condition:
    """One condition that holds, ready to become (or keep) an alert."""

    kind: str
    key: str
    severity: str
    args: dict[str, Any] = field(default_factory=dict)
    agreement_id: int | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def managed_agreements(*, organization: Organization, today: date) -> QuerySet[Agreement]:
    """The agreements in force the organization manages: its own as the customer, and those
    a partner link grants it access to on `today` (active, not past its end date)."""
    links = PartnerLink.objects.granting_access(on=today).filter(
        agreement=OuterRef("pk"), partner_organization=organization
    )
    return Agreement.objects.filter(
        Q(customer_organization=organization) | Q(Exists(links)), ends_on__gte=today
    )


def _agreement_args(agreement: Agreement) -> dict[str, Any]:
    return {
        "customer_name": agreement.customer_name,
        "authorization_number": agreement.authorization_number,
    }


def _agreement_ending(organization: Organization, rule: Rule, today: date) -> list[Condition]:
    assert rule.days is not None
    ending = managed_agreements(organization=organization, today=today).filter(
        ends_on__lte=today + timedelta(days=rule.days)
    )
    return [
        Condition(
            kind=Kind.AGREEMENT_ENDING,
            key=f"agreement_ending:{agreement.pk}:{agreement.ends_on.isoformat()}",
            severity=Severity.CRITICAL
            if (agreement.ends_on - today).days <= CRITICAL_ENDING_DAYS
            else Severity.WARNING,
            args={**_agreement_args(agreement), "ends_on": agreement.ends_on.isoformat()},
            agreement_id=agreement.pk,
        )
        for agreement in ending
    ]


def _lines(organization: Organization, today: date) -> QuerySet[AgreementLine]:
    return AgreementLine.objects.filter(
        agreement__in=managed_agreements(organization=organization, today=today),
        seats_purchased__gt=0,
    ).select_related("agreement", "level")


def _free_seats(organization: Organization, rule: Rule, today: date) -> list[Condition]:
    """Lines whose free share stayed above the threshold on each of the last `days` days
    (today included), by their daily snapshots: a day without one does not count."""
    assert rule.days is not None and rule.percent is not None
    window = UsageSnapshot.objects.filter(
        line__in=_lines(organization, today), day__gt=today - timedelta(days=rule.days)
    ).filter(day__lte=today)
    numbers = {
        row["line"]: row
        for row in window.order_by()
        .values("line")
        .annotate(days=Count("pk"), peak=Max("max_assigned"))
    }
    conditions = []
    for line in _lines(organization, today).filter(pk__in=numbers.keys()):
        found = numbers[line.pk]
        free_percent = (line.seats_purchased - found["peak"]) * 100 // line.seats_purchased
        if found["days"] < rule.days or free_percent <= rule.percent:
            continue
        conditions.append(
            Condition(
                kind=Kind.FREE_SEATS,
                key=f"free_seats:line:{line.pk}",
                severity=Severity.INFO,
                args={
                    **_agreement_args(line.agreement),
                    "level": line.level.name,
                    "percent": free_percent,
                    "days": rule.days,
                },
                agreement_id=line.agreement_id,
            )
        )
    return conditions


def _level_full(organization: Organization, rule: Rule, today: date) -> list[Condition]:
    full = _lines(organization, today).filter(seats_assigned=F("seats_purchased"))
    return [
        Condition(
            kind=Kind.LEVEL_FULL,
            key=f"level_full:line:{line.pk}",
            severity=Severity.CRITICAL,
            args={
                **_agreement_args(line.agreement),
                "level": line.level.name,
                "seats": line.seats_purchased,
            },
            agreement_id=line.agreement_id,
        )
        for line in full
    ]


def _never_activated(organization: Organization, rule: Rule, today: date) -> list[Condition]:
    """Per agreement, the seats assigned `days` days ago or more whose current subscriber has
    not opened them (an earlier subscriber's opening does not count: it is cleared with them)."""
    assert rule.days is not None
    counts = (
        Subscription.objects.filter(
            agreement__in=managed_agreements(organization=organization, today=today),
            assigned_at__lt=_day_start(today - timedelta(days=rule.days - 1)),
            activated_at__isnull=True,
        )
        .order_by()
        .values("agreement")
        .annotate(count=Count("pk"))
    )
    by_agreement = {row["agreement"]: row["count"] for row in counts}
    return [
        Condition(
            kind=Kind.NEVER_ACTIVATED,
            key=f"never_activated:{agreement.pk}",
            severity=Severity.WARNING,
            args={
                **_agreement_args(agreement),
                "count": by_agreement[agreement.pk],
                "days": rule.days,
            },
            agreement_id=agreement.pk,
        )
        for agreement in Agreement.objects.filter(pk__in=by_agreement.keys())
    ]


def _bulk_upload_failed(organization: Organization, rule: Rule, today: date) -> list[Condition]:
    """Workbooks the organization's people uploaded in the last `days` days that failed."""
    assert rule.days is not None
    failed = BulkImport.objects.filter(
        organization=organization,
        status=BulkImport.Status.FAILED,
        created_at__gte=_day_start(today - timedelta(days=rule.days - 1)),
        agreement__in=managed_agreements(organization=organization, today=today),
    ).select_related("agreement")
    return [
        Condition(
            kind=Kind.BULK_UPLOAD_FAILED,
            key=f"bulk_upload_failed:{upload.public_id}",
            severity=Severity.WARNING,
            args={
                **_agreement_args(upload.agreement),
                "file_name": upload.file_name,
                "errors": upload.error_count,
            },
            agreement_id=upload.agreement_id,
        )
        for upload in failed.defer("content", "result")
    ]


def _partner_access_ending(organization: Organization, rule: Rule, today: date) -> list[Condition]:
    """Partner links in force whose end date comes within `days` days: the partner's alert,
    and the customer's."""
    assert rule.days is not None
    ending = (
        PartnerLink.objects.granting_access(on=today)
        .filter(
            Q(partner_organization=organization) | Q(agreement__customer_organization=organization),
            ends_on__lte=today + timedelta(days=rule.days),
        )
        .select_related("agreement", "partner_organization")
    )
    return [
        Condition(
            kind=Kind.PARTNER_ACCESS_ENDING,
            key=f"partner_access_ending:{link.pk}:{link.ends_on.isoformat()}",
            severity=Severity.WARNING,
            args={
                **_agreement_args(link.agreement),
                "partner_name": link.partner_organization.name,
                "ends_on": link.ends_on.isoformat(),
            },
            agreement_id=link.agreement_id,
        )
        for link in ending
        if link.ends_on is not None
    ]


def _benefit_activation(organization: Organization, rule: Rule, today: date) -> list[Condition]:
    """Support benefits of the organization waiting to activate within `days` days."""
    assert rule.days is not None
    pending = BenefitAssignment.objects.filter(
        benefit__organization=organization,
        status=BenefitAssignment.Status.PENDING,
        activate_at__gte=_day_start(today),
        activate_at__lt=_day_start(today + timedelta(days=rule.days + 1)),
    ).select_related("benefit__product", "user")
    return [
        Condition(
            kind=Kind.BENEFIT_ACTIVATION,
            key=f"benefit_activation:{assignment.pk}",
            severity=Severity.INFO,
            args={
                "product": assignment.benefit.product.name,
                "person": assignment.user.full_name or assignment.user.email,
                "activates_on": timezone.localdate(assignment.activate_at).isoformat(),
            },
        )
        for assignment in pending
        if assignment.activate_at is not None
    ]


FINDERS: dict[str, Callable[[Organization, Rule, date], list[Condition]]] = {
    Kind.AGREEMENT_ENDING: _agreement_ending,
    Kind.FREE_SEATS: _free_seats,
    Kind.LEVEL_FULL: _level_full,
    Kind.NEVER_ACTIVATED: _never_activated,
    Kind.BULK_UPLOAD_FAILED: _bulk_upload_failed,
    Kind.PARTNER_ACCESS_ENDING: _partner_access_ending,
    Kind.BENEFIT_ACTIVATION: _benefit_activation,
}


def conditions_find(
    *, organization: Organization, rules: dict[str, Rule], today: date
) -> list[Condition]:
    """Every condition of the organization's switched-on rules that holds on `today`."""
    return [
        condition
        for kind, rule in rules.items()
        if rule.enabled
        for condition in FINDERS[kind](organization, rule, today)
    ]
