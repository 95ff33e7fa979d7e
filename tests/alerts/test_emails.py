"""The digest, each period exactly once per person, and the partner's monthly report, in the
recipient's language, through the outbox."""

from datetime import date, timedelta

import pytest

from agreements.models import SubscriptionLevel, UsageSnapshot
from alerts.models import Alert, AlertPreference, Digest, Kind, Severity
from alerts.services import (
    alert_digests_send,
    alert_dismiss,
    digest_period,
    monthly_reports_send,
    report_month,
)
from notifications.models import Notification
from notifications.rendering import email_render
from portal.tenancy.models import Role

from ..conftest import actor_of
from ..factories import (
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    PartnerLinkFactory,
)
from .conftest import TODAY, moment

pytestmark = pytest.mark.django_db


def _raise(world, day: date, *, key: str, kind=Kind.LEVEL_FULL, severity=Severity.WARNING):
    return Alert.objects.create(
        organization=world.partner,
        kind=kind,
        severity=severity,
        agreement=world.agreement,
        key=key,
        args={
            "customer_name": "Fabrikam Ltd",
            "authorization_number": "V482019301",
            "level": "Visual Studio Enterprise",
            "seats": 10,
        },
        created_at=moment(day),
    )


def _digests(user) -> list[Notification]:
    return list(Notification.objects.filter(kind="alerts_digest", recipient=user.email))


def _prefer(user, digest: str, kinds=None) -> None:
    AlertPreference.objects.create(
        user=user, digest=digest, **({"email_kinds": kinds} if kinds is not None else {})
    )


def test_the_periods_are_yesterday_and_last_week():
    daily = digest_period(frequency=Digest.DAILY, today=TODAY)
    weekly = digest_period(frequency=Digest.WEEKLY, today=TODAY + timedelta(days=3))

    assert (daily.label, daily.first, daily.last) == (
        "day:2027-06-06",
        TODAY - timedelta(1),
        TODAY - timedelta(1),
    )
    assert (weekly.label, weekly.first, weekly.last) == (
        "week:2027-W22",
        date(2027, 5, 31),
        date(2027, 6, 6),
    )
    assert digest_period(frequency=Digest.OFF, today=TODAY) is None


def test_a_daily_digest_is_sent_once_per_day_and_again_the_next_day(world):
    _prefer(world.partner_owner, Digest.DAILY)
    _prefer(world.partner_member, Digest.OFF)
    _raise(world, TODAY, key="a")

    assert alert_digests_send(today=TODAY + timedelta(days=1)) == 1
    assert alert_digests_send(today=TODAY + timedelta(days=1)) == 0, "the same period: sent"
    assert len(_digests(world.partner_owner)) == 1

    _raise(world, TODAY + timedelta(days=1), key="b")
    assert alert_digests_send(today=TODAY + timedelta(days=2)) == 1
    [second, first] = _digests(world.partner_owner)
    assert first.dedupe_key.endswith("day:2027-06-07")
    assert second.dedupe_key.endswith("day:2027-06-08")
    assert [a["args"]["seats"] for g in second.context["groups"] for a in g["alerts"]] == [10]

    assert alert_digests_send(today=TODAY + timedelta(days=3)) == 0, "nothing new: no email"


def test_a_weekly_digest_is_sent_once_per_week_and_again_the_next_week(world):
    _prefer(world.partner_owner, Digest.WEEKLY)
    _prefer(world.partner_member, Digest.OFF)
    _raise(world, TODAY + timedelta(days=2), key="a")  # Wednesday

    assert alert_digests_send(today=TODAY + timedelta(days=6)) == 0, "the week is not over"
    assert alert_digests_send(today=TODAY + timedelta(days=7)) == 1  # Monday
    assert alert_digests_send(today=TODAY + timedelta(days=8)) == 0  # and Tuesday: sent
    assert alert_digests_send(today=TODAY + timedelta(days=7)) == 0

    _raise(world, TODAY + timedelta(days=9), key="b")
    assert alert_digests_send(today=TODAY + timedelta(days=14)) == 1
    assert [n.dedupe_key.rsplit(":", 1)[1] for n in _digests(world.partner_owner)] == [
        "2027-W24",
        "2027-W23",
    ]


def test_without_a_choice_a_person_gets_the_weekly_digest(world):
    _raise(world, TODAY, key="a")

    assert alert_digests_send(today=TODAY + timedelta(days=1)) == 0
    assert alert_digests_send(today=TODAY + timedelta(days=7)) == 2  # both partner people

    assert {n.dedupe_key.rsplit(":", 1)[1] for n in Notification.objects.all()} == {"2027-W23"}


def test_the_digest_lists_only_open_undismissed_alerts_of_the_chosen_kinds(world):
    _prefer(world.partner_owner, Digest.DAILY, kinds=[Kind.LEVEL_FULL, Kind.AGREEMENT_ENDING])
    kept = _raise(world, TODAY, key="kept")
    dismissed = _raise(world, TODAY, key="dismissed")
    resolved = _raise(world, TODAY, key="resolved")
    Alert.objects.filter(pk=resolved.pk).update(resolved_at=moment(TODAY))
    _raise(world, TODAY, key="other kind", kind=Kind.NEVER_ACTIVATED)
    critical = _raise(world, TODAY, key="critical", severity=Severity.CRITICAL)
    alert_dismiss(actor=actor_of(world.partner_owner, world.partner), alert=dismissed)

    alert_digests_send(today=TODAY + timedelta(days=1))

    [digest] = _digests(world.partner_owner)
    [group] = digest.context["groups"]
    assert group["organization"] == "Contoso Partners"
    assert [a["severity"] for a in group["alerts"]] == ["critical", "warning"]
    assert len(group["alerts"]) == 2 and kept.pk and critical.pk


def test_nobody_gets_a_digest_they_switched_off(world):
    _prefer(world.partner_owner, Digest.OFF)
    _prefer(world.partner_member, Digest.DAILY, kinds=[])
    _raise(world, TODAY, key="a")

    assert alert_digests_send(today=TODAY + timedelta(days=1)) == 0


def test_the_digest_is_written_in_the_recipients_language(world):
    _prefer(world.partner_member, Digest.DAILY)  # Marc reads French
    _prefer(world.partner_owner, Digest.DAILY)
    _raise(world, TODAY, key="a", severity=Severity.CRITICAL)

    alert_digests_send(today=TODAY + timedelta(days=1))

    [french] = _digests(world.partner_member)
    [english] = _digests(world.partner_owner)
    assert (french.language, english.language) == ("fr", "en")
    email = email_render(kind=english.kind, language="en", context=english.context)
    assert email.subject == "Your alerts of 7 Jun 2027"
    assert "[Critical] Every Visual Studio Enterprise seat of Fabrikam Ltd" in email.text
    assert "Every Visual Studio Enterprise seat of Fabrikam Ltd" in email.html
    in_french = email_render(kind=french.kind, language="fr", context=french.context)
    assert "7 juin 2027" in in_french.subject


# The monthly report ------------------------------------------------------------------


def _month_of_use(world):
    """May 2027 for the partner's two customers: Fabrikam (10 Enterprise and 5 Professional
    seats) and Tailspin, whose agreement ends within 60 days."""
    professional = AgreementLineFactory(
        agreement=world.agreement,
        level=SubscriptionLevel.objects.get(code="vs-professional"),
        seats_purchased=5,
        seats_assigned=4,
    )
    for day, enterprise, pro in ((1, 3, 1), (15, 6, 4), (31, 2, 5)):
        UsageSnapshot.objects.create(
            line=world.line, day=date(2027, 5, day), max_assigned=enterprise
        )
        UsageSnapshot.objects.create(line=professional, day=date(2027, 5, day), max_assigned=pro)
    # April's busier day is not May's.
    UsageSnapshot.objects.create(line=world.line, day=date(2027, 4, 30), max_assigned=10)
    tailspin = AgreementFactory(
        customer_name="Tailspin Toys",
        authorization_number="V111222333",
        ends_on=TODAY + timedelta(days=20),
    )
    AgreementLineFactory(agreement=tailspin, seats_purchased=3, seats_assigned=3)
    PartnerLinkFactory(agreement=tailspin, partner_organization=world.partner)


def test_the_monthly_report_gives_each_customers_seats_and_its_peak(world):
    _month_of_use(world)
    admin = MembershipFactory(organization=world.partner, role=Role.ADMIN).user

    assert report_month(TODAY) == (date(2027, 5, 1), date(2027, 5, 31))
    assert monthly_reports_send(today=TODAY) == 2  # the owner and the admin, not the member

    reports = Notification.objects.filter(kind="alerts_monthly_report")
    assert sorted(n.recipient for n in reports) == sorted([world.partner_owner.email, admin.email])
    rows = reports.first().context["rows"]
    assert rows == [
        {
            "customer_name": "Fabrikam Ltd",
            "authorization_number": "V482019301",
            "bought": 15,
            "used": 6,
            "free": 9,
            "peak": 10,  # 15 May: 6 + 4
            "ends_on": (TODAY + timedelta(days=365)).isoformat(),
            "ending_soon": False,
        },
        {
            "customer_name": "Tailspin Toys",
            "authorization_number": "V111222333",
            "bought": 3,
            "used": 3,
            "free": 0,
            "peak": 0,
            "ends_on": (TODAY + timedelta(days=20)).isoformat(),
            "ending_soon": True,
        },
    ]


def test_the_monthly_report_is_sent_once_per_month(world):
    _month_of_use(world)

    assert monthly_reports_send(today=date(2027, 6, 1)) == 1
    assert monthly_reports_send(today=date(2027, 6, 2)) == 0
    assert monthly_reports_send(today=date(2027, 7, 1)) == 1
    keys = sorted(n.dedupe_key for n in Notification.objects.filter(kind="alerts_monthly_report"))
    assert [key.rsplit(":", 1)[1] for key in keys] == ["2027-05", "2027-06"]


def test_the_monthly_report_is_written_in_each_recipients_language(world):
    _month_of_use(world)
    world.partner_owner.preferred_language = "fr"
    world.partner_owner.save()

    monthly_reports_send(today=TODAY)

    [report] = Notification.objects.filter(kind="alerts_monthly_report")
    assert report.language == "fr"
    email = email_render(kind=report.kind, language="en", context=report.context)
    assert email.subject == "Your customers' seats in May 2027"
    assert "Bought: 15 · Used: 6 · Free: 9 · Peak: 10" in email.text
    assert "Ends soon: on 27 Jun 2027" in email.text
    assert "Tailspin Toys" in email.html
    assert (
        "mai 2027" in email_render(kind=report.kind, language="fr", context=report.context).subject
    )


def test_a_customer_gets_no_monthly_report_of_its_own_agreements(world):
    _month_of_use(world)

    monthly_reports_send(today=TODAY)

    assert not Notification.objects.filter(
        kind="alerts_monthly_report", recipient=world.customer_owner.email
    ).exists()
