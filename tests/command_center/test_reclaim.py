"""Reclaim: seats never activated after N days or not seen for N days, their reassignable
dates, Warn (an email through the outbox, in History) and Remove (confirmed, in History)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agreements.models import Subscription
from agreements.subscribers.services.activity import subscriptions_seen
from notifications.models import Notification
from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Role

from ..conftest import client_for
from ..factories import (
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    PartnerLinkFactory,
    PartnerOrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/command-center/reclaim/"
NOW = timezone.make_aware(timezone.datetime(2027, 3, 1, 12, 0))


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def partner():
    return PartnerOrganizationFactory(name="Contoso Partners")


@pytest.fixture
def partner_user(partner):
    return MembershipFactory(organization=partner, role=Role.MEMBER).user


def _agreement(partner, name="Fabrikam", **link):
    agreement = AgreementFactory(customer_name=name)
    AgreementLineFactory(agreement=agreement, seats_purchased=10, seats_assigned=0)
    PartnerLinkFactory(agreement=agreement, partner_organization=partner, **link)
    return agreement


def _seat(agreement, email: str, *, days_ago: int) -> Subscription:
    line = agreement.lines.get()
    assigned = NOW - timedelta(days=days_ago)
    line.seats_assigned += 1
    line.save()
    return Subscription.objects.create(
        agreement=agreement,
        line=line,
        first_name=email.split("@")[0].title(),
        sign_in_email=email,
        assigned_at=assigned,
        last_assigned_at=assigned,
        last_assignee_email=email,
    )


def _emails(response) -> list[str]:
    return [subscription.sign_in_email for subscription in response.context["page"]]


def test_lists_seats_never_activated_after_n_days_and_not_seen_for_n_days(partner, partner_user):
    agreement = _agreement(partner)
    _seat(agreement, "new@fabrikam.example", days_ago=5)
    _seat(agreement, "idle@fabrikam.example", days_ago=40)
    active = _seat(agreement, "active@fabrikam.example", days_ago=200)
    subscriptions_seen(
        user=UserFactory(email=active.sign_in_email),
        subscriptions=[active],
        now=NOW - timedelta(days=100),
    )
    gone = _seat(agreement, "gone@fabrikam.example", days_ago=300)
    subscriptions_seen(
        user=UserFactory(email=gone.sign_in_email),
        subscriptions=[gone],
        now=NOW - timedelta(days=200),
    )
    _seat(_agreement(PartnerOrganizationFactory(), "Foreign"), "x@foreign.example", days_ago=90)
    client = client_for(partner_user)

    assert sorted(_emails(client.get(URL, {"never": 30, "unseen": 150}))) == [
        "gone@fabrikam.example",
        "idle@fabrikam.example",
    ]
    assert sorted(_emails(client.get(URL, {"never": 3, "unseen": 90}))) == [
        "active@fabrikam.example",
        "gone@fabrikam.example",
        "idle@fabrikam.example",
        "new@fabrikam.example",
    ]


def test_each_seat_shows_the_day_the_90_day_rule_lets_it_go_to_someone_else(partner, partner_user):
    _seat(_agreement(partner), "idle@fabrikam.example", days_ago=40)

    response = client_for(partner_user).get(URL, {"never": 30})

    [row] = response.context["page"]
    assert row.reassignable_on == date(2027, 3, 1) + timedelta(days=50)
    assert row.last_seen_at is None


def test_warn_emails_the_subscriber_once_through_the_outbox_and_writes_history(
    partner, partner_user
):
    seat = _seat(_agreement(partner), "idle@fabrikam.example", days_ago=40)
    client = client_for(partner_user)

    for _ in range(2):
        response = client.post(URL, {"action": "warn", "selected": [seat.guid]})
        assert response.status_code == 302

    [email] = Notification.objects.filter(kind="subscription_reclaim_warning")
    assert email.recipient == "idle@fabrikam.example"
    assert email.context["remove_on"] == "2027-03-15"
    warned = AuditEntry.objects.filter(action=Action.SUBSCRIPTION_RECLAIM_WARNED)
    assert warned.filter(agreement=seat.agreement, organization=partner).exists()


def test_the_warning_says_when_the_subscription_will_be_removed(
    partner, partner_user, django_capture_on_commit_callbacks
):
    seat = _seat(_agreement(partner), "idle@fabrikam.example", days_ago=40)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(partner_user).post(URL, {"action": "warn", "selected": [seat.guid]})

    [message] = mail.outbox
    assert "will be removed on 15 Mar 2027 unless you sign in" in message.body
    assert "/my-subscriptions/" in message.body


def test_remove_asks_first_then_frees_the_seats_and_writes_history(partner, partner_user):
    agreement = _agreement(partner)
    first = _seat(agreement, "one@fabrikam.example", days_ago=40)
    second = _seat(agreement, "two@fabrikam.example", days_ago=40)
    client = client_for(partner_user)

    asked = client.post(URL, {"action": "remove", "selected": [first.guid, second.guid]})

    assert asked.status_code == 200
    assert "Remove these subscriptions?" in asked.content.decode()
    assert Subscription.objects.assigned().count() == 2

    done = client.post(URL, {"action": "confirm_remove", "selected": [first.guid, second.guid]})

    assert done.status_code == 302
    assert Subscription.objects.assigned().count() == 0
    assert agreement.lines.get().seats_assigned == 0
    removed = AuditEntry.objects.filter(action=Action.SUBSCRIPTION_REMOVED, agreement=agreement)
    assert removed.count() == 2


def test_a_read_only_partner_can_neither_warn_nor_remove(partner, partner_user):
    seat = _seat(_agreement(partner, scope="read_only"), "idle@fabrikam.example", days_ago=40)
    client = client_for(partner_user)

    client.post(URL, {"action": "warn", "selected": [seat.guid]})
    client.post(URL, {"action": "confirm_remove", "selected": [seat.guid]})

    assert not Notification.objects.filter(kind="subscription_reclaim_warning").exists()
    assert Subscription.objects.assigned().count() == 1


def test_a_foreign_seat_is_ignored(partner, partner_user):
    foreign = _seat(_agreement(PartnerOrganizationFactory(), "Foreign"), "x@f.example", days_ago=90)

    response = client_for(partner_user).post(
        URL, {"action": "confirm_remove", "selected": [foreign.guid]}
    )

    assert response.status_code == 302
    assert Subscription.objects.assigned().count() == 1


def test_the_command_center_counts_never_activated_seats_and_filters_on_them(partner, partner_user):
    quiet = _agreement(partner, "Quiet")
    _seat(quiet, "new@quiet.example", days_ago=5)
    busy = _agreement(partner, "Busy")
    seat = _seat(busy, "busy@busy.example", days_ago=5)
    subscriptions_seen(user=UserFactory(email=seat.sign_in_email), subscriptions=[seat])
    client = client_for(partner_user)

    response = client.get("/command-center/")
    by_name = {row.customer_name: row for row in response.context["page"]}
    assert (by_name["Quiet"].never_activated, by_name["Quiet"].last_seen) == (1, None)
    assert (by_name["Busy"].never_activated, by_name["Busy"].last_seen) == (0, NOW)

    filtered = client.get("/command-center/", {"never": "on"})
    assert [row.customer_name for row in filtered.context["page"]] == ["Quiet"]
    export = client.get(reverse("command_center:export_csv")).content.decode("utf-8-sig")
    assert "Never activated,Last seen" in export.splitlines()[0]
