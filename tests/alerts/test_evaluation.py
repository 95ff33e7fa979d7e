"""Each kind of alert is raised when time crosses its threshold, once per occurrence, and
resolved when its condition clears."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agreements.models import BulkImport, PartnerLink, Subscription
from alerts.models import Alert, AlertDismissal, AlertRule, Kind, Severity
from alerts.services import alert_dismiss, alerts_evaluate
from benefits.catalogue import catalogue_install_current
from benefits.models import BenefitPackage
from benefits.services import benefit_assign, package_purchase, support_activations_run

from ..conftest import actor_of
from ..factories import PartnerMembershipFactory
from .conftest import TODAY, evaluate, moment, snapshots

pytestmark = pytest.mark.django_db


def _open(organization, kind) -> list[Alert]:
    return list(Alert.objects.filter(organization=organization, kind=kind, resolved_at=None))


def test_an_agreement_ending_within_60_days_raises_a_warning_then_a_critical_alert(world):
    world.agreement.ends_on = TODAY + timedelta(days=90)
    world.agreement.save()

    evaluate(TODAY)
    assert _open(world.partner, Kind.AGREEMENT_ENDING) == []

    evaluate(TODAY + timedelta(days=30))  # 60 days left
    [alert] = _open(world.partner, Kind.AGREEMENT_ENDING)
    assert alert.severity == Severity.WARNING
    assert alert.message == "The Open License V482019301 of Fabrikam Ltd ends on 5 Sep 2027."
    assert [a.kind for a in _open(world.customer, Kind.AGREEMENT_ENDING)] == [Kind.AGREEMENT_ENDING]

    evaluate(TODAY + timedelta(days=83))  # 7 days left: the same alert, now critical
    [same] = _open(world.partner, Kind.AGREEMENT_ENDING)
    assert same.pk == alert.pk and same.severity == Severity.CRITICAL

    evaluate(TODAY + timedelta(days=91))  # ended: nothing left to warn about
    assert _open(world.partner, Kind.AGREEMENT_ENDING) == []
    alert.refresh_from_db()
    assert alert.resolved_at == moment(TODAY + timedelta(days=91))


def test_an_agreement_renewed_before_its_end_clears_the_alert(world):
    world.agreement.ends_on = TODAY + timedelta(days=20)
    world.agreement.save()
    evaluate(TODAY)
    [alert] = _open(world.partner, Kind.AGREEMENT_ENDING)

    world.agreement.ends_on = TODAY + timedelta(days=385)
    world.agreement.save()
    evaluate(TODAY + timedelta(days=1))

    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert _open(world.partner, Kind.AGREEMENT_ENDING) == []


def test_seats_free_above_30_percent_for_14_days_raise_an_alert(world):
    # 2 of 10 seats used: 80 % free, but only for 13 days so far.
    snapshots(world.line, last=TODAY, days=13, assigned=2)
    evaluate(TODAY)
    assert _open(world.partner, Kind.FREE_SEATS) == []

    snapshots(world.line, last=TODAY + timedelta(days=1), days=1, assigned=2)
    evaluate(TODAY + timedelta(days=1))
    [alert] = _open(world.partner, Kind.FREE_SEATS)
    assert alert.severity == Severity.INFO
    assert "80% of the Visual Studio Enterprise seats of Fabrikam Ltd" in alert.message

    # A busy day (8 of 10 used: 20 % free) within the last 14 days clears it.
    snapshots(world.line, last=TODAY + timedelta(days=2), days=1, assigned=8)
    evaluate(TODAY + timedelta(days=2))
    assert _open(world.partner, Kind.FREE_SEATS) == []


def test_a_full_level_raises_a_critical_alert_that_clears_when_a_seat_is_freed(world):
    world.line.seats_assigned = 10
    world.line.save()

    evaluate(TODAY)
    [alert] = _open(world.partner, Kind.LEVEL_FULL)
    assert alert.severity == Severity.CRITICAL
    assert alert.message == (
        "Every Visual Studio Enterprise seat of Fabrikam Ltd (V482019301) is assigned: 10 of 10."
    )

    world.line.seats_assigned = 9
    world.line.save()
    evaluate(TODAY + timedelta(days=1))
    assert _open(world.partner, Kind.LEVEL_FULL) == []


def _assigned_seat(world, when, email="nina.new@fabrikam.example"):
    return Subscription.objects.create(
        agreement=world.agreement,
        line=world.line,
        sign_in_email=email,
        assigned_at=when,
        last_assigned_at=when,
    )


def test_a_seat_never_activated_30_days_after_its_assignment_raises_an_alert(world):
    seat = _assigned_seat(world, moment(TODAY, 9, 0))

    evaluate(TODAY + timedelta(days=29))
    assert _open(world.partner, Kind.NEVER_ACTIVATED) == []

    evaluate(TODAY + timedelta(days=30))
    [alert] = _open(world.partner, Kind.NEVER_ACTIVATED)
    assert alert.message == (
        "1 subscription of Fabrikam Ltd (V482019301) has not been activated 30 days after "
        "its assignment."
    )

    opened = moment(TODAY + timedelta(days=31), 8)
    Subscription.objects.filter(pk=seat.pk).update(activated_at=opened, last_seen_at=opened)
    evaluate(TODAY + timedelta(days=31))
    assert _open(world.partner, Kind.NEVER_ACTIVATED) == []


def _upload(world, *, status, when):
    return BulkImport.objects.create(
        agreement=world.agreement,
        uploaded_by=world.partner_owner,
        organization=world.partner,
        kind=BulkImport.Kind.ADD,
        file_name="new-hires.xlsx",
        content=b"",
        status=status,
        error_count=3,
        created_at=when,
    )


def test_a_failed_upload_raises_an_alert_for_the_uploaders_organization_for_7_days(world):
    _upload(world, status=BulkImport.Status.SUCCEEDED, when=moment(TODAY, 10))
    _upload(world, status=BulkImport.Status.FAILED, when=moment(TODAY, 11))

    evaluate(TODAY)
    [alert] = _open(world.partner, Kind.BULK_UPLOAD_FAILED)
    assert alert.message == (
        "The workbook new-hires.xlsx uploaded for Fabrikam Ltd (V482019301) has 3 errors."
    )
    assert _open(world.customer, Kind.BULK_UPLOAD_FAILED) == []

    evaluate(TODAY + timedelta(days=6))
    assert len(_open(world.partner, Kind.BULK_UPLOAD_FAILED)) == 1
    evaluate(TODAY + timedelta(days=7))
    assert _open(world.partner, Kind.BULK_UPLOAD_FAILED) == []


def test_a_partner_access_ending_within_30_days_alerts_the_partner_and_the_customer(world):
    link = PartnerLink.objects.get(agreement=world.agreement, partner_organization=world.partner)
    link.ends_on = TODAY + timedelta(days=45)
    link.save()

    evaluate(TODAY)
    assert _open(world.partner, Kind.PARTNER_ACCESS_ENDING) == []

    evaluate(TODAY + timedelta(days=15))
    [for_partner] = _open(world.partner, Kind.PARTNER_ACCESS_ENDING)
    [for_customer] = _open(world.customer, Kind.PARTNER_ACCESS_ENDING)
    assert for_partner.message == (
        "The access of Contoso Partners to Fabrikam Ltd (V482019301) ends on 22 Jul 2027."
    )
    assert for_customer.key == for_partner.key

    link.ends_on = None  # the customer keeps the partner
    link.save()
    evaluate(TODAY + timedelta(days=16))
    assert _open(world.partner, Kind.PARTNER_ACCESS_ENDING) == []
    assert _open(world.customer, Kind.PARTNER_ACCESS_ENDING) == []


def test_a_switched_off_rule_raises_nothing_and_resolves_what_it_raised(world):
    world.line.seats_assigned = 10
    world.line.save()
    evaluate(TODAY)
    assert len(_open(world.partner, Kind.LEVEL_FULL)) == 1

    AlertRule.objects.create(organization=world.partner, kind=Kind.LEVEL_FULL, enabled=False)
    evaluate(TODAY + timedelta(days=1))

    assert _open(world.partner, Kind.LEVEL_FULL) == []
    assert len(_open(world.customer, Kind.LEVEL_FULL)) == 1, "the customer's rule is its own"


def test_a_threshold_of_the_organization_replaces_the_default(world):
    world.agreement.ends_on = TODAY + timedelta(days=80)
    world.agreement.save()
    AlertRule.objects.create(organization=world.partner, kind=Kind.AGREEMENT_ENDING, days=90)

    evaluate(TODAY)

    assert len(_open(world.partner, Kind.AGREEMENT_ENDING)) == 1
    assert _open(world.customer, Kind.AGREEMENT_ENDING) == []


def test_evaluating_twice_raises_one_alert_per_condition(world):
    world.line.seats_assigned = 10
    world.line.save()

    first = evaluate(TODAY)
    second = evaluate(TODAY)

    assert first.raised == 2  # the partner's and the customer's
    assert (second.raised, second.updated, second.resolved) == (0, 0, 0)
    assert Alert.objects.count() == 2


def test_a_condition_that_returns_is_a_new_alert(world):
    world.line.seats_assigned = 10
    world.line.save()
    evaluate(TODAY)
    [first] = _open(world.partner, Kind.LEVEL_FULL)
    world.line.seats_assigned = 9
    world.line.save()
    evaluate(TODAY + timedelta(days=1))

    world.line.seats_assigned = 10
    world.line.save()
    evaluate(TODAY + timedelta(days=2))

    [second] = _open(world.partner, Kind.LEVEL_FULL)
    assert second.pk != first.pk
    assert Alert.objects.filter(organization=world.partner, kind=Kind.LEVEL_FULL).count() == 2


def test_a_dismissed_alert_stays_dismissed_after_reevaluation(world):
    seat = _assigned_seat(world, moment(TODAY, 9, 0))
    evaluate(TODAY + timedelta(days=30))
    [alert] = _open(world.partner, Kind.NEVER_ACTIVATED)
    alert_dismiss(actor=actor_of(world.partner_owner, world.partner), alert=alert)

    # Another seat joins the count: the alert is brought up to date, still dismissed.
    _assigned_seat(world, seat.assigned_at, "omar.other@fabrikam.example")
    evaluate(TODAY + timedelta(days=31))

    [same] = _open(world.partner, Kind.NEVER_ACTIVATED)
    assert same.pk == alert.pk and same.args["count"] == 2
    assert AlertDismissal.objects.filter(alert=alert, user=world.partner_owner).exists()
    unread = Alert.objects.filter(pk=alert.pk).undismissed_by(world.partner_owner)
    assert not unread.exists()


def test_a_partner_whose_access_ended_gets_no_alert_about_the_agreement(world):
    PartnerLink.objects.filter(agreement=world.agreement).update(
        status=PartnerLink.Status.REMOVED, removed_at=timezone.now()
    )
    world.line.seats_assigned = 10
    world.line.save()

    evaluate(TODAY)

    assert _open(world.partner, Kind.LEVEL_FULL) == []
    assert len(_open(world.customer, Kind.LEVEL_FULL)) == 1


def test_the_evaluation_stamps_what_it_raises_with_now(world):
    world.line.seats_assigned = 10
    world.line.save()

    alerts_evaluate(today=TODAY, now=moment(TODAY, 12))

    assert {a.created_at for a in Alert.objects.all()} == {moment(TODAY, 12)}


def test_a_support_benefit_activating_within_7_days_raises_an_alert(
    world, settings, django_capture_on_commit_callbacks
):
    catalogue_install_current()
    PartnerMembershipFactory(organization=world.partner)
    owner = actor_of(world.partner_owner, world.partner)
    with django_capture_on_commit_callbacks(execute=True):
        purchase = package_purchase(
            actor=owner, package=BenefitPackage.objects.get(code="action-pack")
        )
    support = purchase.benefits.get(product__code="support-incidents")
    settings.SUPPORT_ACTIVATION_DELAY_DAYS = 10
    with django_capture_on_commit_callbacks(execute=True):
        benefit_assign(
            actor=owner,
            benefit=support,
            user=world.partner_member,
            alternate_email="marc@home.example",
            now=moment(TODAY, 9),
        )

    evaluate(TODAY)
    assert _open(world.partner, Kind.BENEFIT_ACTIVATION) == []

    evaluate(TODAY + timedelta(days=3))
    [alert] = _open(world.partner, Kind.BENEFIT_ACTIVATION)
    assert alert.agreement is None
    assert alert.message == f"{support.product.name} of Marc Member activates on 17 Jun 2027."

    support_activations_run(now=moment(TODAY + timedelta(days=10), 10))
    evaluate(TODAY + timedelta(days=10))
    assert _open(world.partner, Kind.BENEFIT_ACTIVATION) == []
