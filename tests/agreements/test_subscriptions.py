"""Assigning, editing and removing subscriptions: never over-assigned, the 90-day rule,
emails in the subscriber's language; preferences, administrators and My subscriptions."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from agreements.models import AdminRole, AgreementLine, PartnerLink, Subscription, SubscriptionLevel
from agreements.subscribers.services.assignments import SubscriberDetails, subscription_assign
from portal.audit.models import Action, AuditEntry

from ..conftest import actor_of
from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    PartnerLinkFactory,
    UserFactory,
)
from .conftest import client_for

pytestmark = pytest.mark.django_db

LEA = {
    "first_name": "Léa",
    "last_name": "Bernard",
    "sign_in_email": "lea.bernard@fabrikam.example",
    "notification_email": "",
    "level": "vs-enterprise",
    "downloads_enabled": "on",
    "reference": "R&D",
    "country": "fr",
    "language": "fr",
}


def _add_url(agreement) -> str:
    return reverse("agreements:subscriber_add", args=[agreement.public_id])


def _add(client, agreement, capture, **changes):
    with capture(execute=True):
        return client.post(_add_url(agreement), LEA | changes)


def _line(agreement) -> AgreementLine:
    return agreement.lines.get(level__code="vs-enterprise")


def _details(email: str) -> SubscriberDetails:
    return SubscriberDetails(first_name="A", last_name="B", sign_in_email=email)


def test_adding_a_subscriber_uses_a_seat_and_emails_them_in_their_language(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    response = _add(customer_client, agreement, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.sign_in_email == "lea.bernard@fabrikam.example"
    assert subscription.country == "FR" and subscription.reference == "R&D"
    assert subscription.downloads_enabled and subscription.is_assigned
    assert _line(agreement).seats_assigned == 1
    (message,) = mail.outbox
    assert message.to == ["lea.bernard@fabrikam.example"]
    assert "Visual Studio Enterprise" in message.subject
    assert "abonnement" in message.subject, "French, the subscriber's language"
    assert "/my-subscriptions/" in message.body
    assert AuditEntry.objects.filter(
        agreement=agreement, action=Action.SUBSCRIPTION_ASSIGNED
    ).exists()


def test_the_email_goes_to_the_separate_notification_address_when_there_is_one(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    _add(
        customer_client,
        agreement,
        django_capture_on_commit_callbacks,
        notification_email="lea.perso@example.com",
    )

    assert mail.outbox[0].to == ["lea.perso@example.com"]


def test_the_add_panel_is_a_fly_out_for_htmx(agreement, customer_client):
    panel = customer_client.get(_add_url(agreement), headers={"HX-Request": "true"})

    assert '<dialog class="flyout"' in panel.content.decode()
    assert "<html" not in panel.content.decode()


def test_only_levels_bought_on_the_agreement_are_offered(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    page = customer_client.get(_add_url(agreement)).content.decode()
    response = _add(
        customer_client, agreement, django_capture_on_commit_callbacks, level="msdn-platforms"
    )

    assert "Visual Studio Enterprise" in page
    assert "MSDN Platforms" not in page
    assert "Select a valid choice" in response.content.decode()
    assert not Subscription.objects.exists()


def test_a_level_with_no_seat_left_says_so_and_writes_nothing(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    AgreementLine.objects.filter(agreement=agreement).update(seats_purchased=1, seats_assigned=0)
    _add(customer_client, agreement, django_capture_on_commit_callbacks)

    response = _add(
        customer_client,
        agreement,
        django_capture_on_commit_callbacks,
        sign_in_email="marc@fabrikam.example",
    )

    assert "No Visual Studio Enterprise seat is left on this agreement" in response.content.decode()
    assert Subscription.objects.count() == 1
    assert _line(agreement).seats_assigned == 1
    assert len(mail.outbox) == 1


def test_a_person_has_one_subscription_per_level(
    agreement, customer_client, django_capture_on_commit_callbacks
):
    _add(customer_client, agreement, django_capture_on_commit_callbacks)

    response = _add(
        customer_client,
        agreement,
        django_capture_on_commit_callbacks,
        sign_in_email="LEA.Bernard@fabrikam.example",
    )

    assert "already has the Visual Studio Enterprise subscription" in response.content.decode()
    assert _line(agreement).seats_assigned == 1


def test_the_database_refuses_an_over_assigned_line():
    line = AgreementLineFactory(seats_purchased=2, seats_assigned=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementLine.objects.filter(pk=line.pk).update(seats_assigned=F("seats_assigned") + 1)


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_assignments_for_ten_free_seats_give_exactly_ten():
    agreement = AgreementFactory()
    AgreementLineFactory(agreement=agreement, seats_purchased=10)
    admin = UserFactory()
    MembershipFactory(organization=agreement.customer_organization, user=admin)
    AgreementAdminFactory(agreement=agreement, user=admin)
    level = SubscriptionLevel.objects.get(code="vs-enterprise")
    actor = actor_of(admin, agreement.customer_organization)
    start = threading.Barrier(50)
    outcomes: list[str] = []

    def assign(n: int) -> None:
        try:
            start.wait()
            subscription_assign(
                actor=actor,
                agreement=agreement,
                level=level,
                details=_details(f"person{n}@example.com"),
            )
            outcomes.append("assigned")
        except Exception as error:
            outcomes.append(" ".join(getattr(error, "messages", [repr(error)])))
        finally:
            # A thread's connection is its own: close it, or it outlives the test database.
            connection.close()

    threads = [threading.Thread(target=assign, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("assigned") == 10
    refusals = [outcome for outcome in outcomes if outcome != "assigned"]
    assert len(refusals) == 40
    assert all("No Visual Studio Enterprise seat is left" in refusal for refusal in refusals)
    assert Subscription.objects.assigned().count() == 10
    assert AgreementLine.objects.get(agreement=agreement).seats_assigned == 10


# Edit, delete, reassign --------------------------------------------------------------------


@pytest.fixture
def lea(agreement, customer_client, django_capture_on_commit_callbacks) -> Subscription:
    _add(customer_client, agreement, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    return Subscription.objects.get()


def _edit(client, subscription, capture, **changes):
    url = reverse(
        "agreements:subscriber_edit", args=[subscription.agreement.public_id, subscription.guid]
    )
    with capture(execute=True):
        return client.post(url, LEA | changes)


def test_every_field_can_be_edited(lea, customer_client, django_capture_on_commit_callbacks):
    response = _edit(
        customer_client,
        lea,
        django_capture_on_commit_callbacks,
        first_name="Léa-Marie",
        notification_email="lm@example.com",
        reference="Finance",
        downloads_enabled="",
        country="BE",
        language="en",
    )

    assert response.status_code == 302
    lea.refresh_from_db()
    assert (lea.first_name, lea.notification_email, lea.reference) == (
        "Léa-Marie",
        "lm@example.com",
        "Finance",
    )
    assert (lea.downloads_enabled, lea.country, lea.language) == (False, "BE", "en")
    assert mail.outbox == [], "the same person: no new email"


def test_a_seat_goes_to_another_person_only_90_days_after_it_was_assigned(
    lea, customer_client, django_capture_on_commit_callbacks
):
    response = _edit(
        customer_client,
        lea,
        django_capture_on_commit_callbacks,
        sign_in_email="marc@fabrikam.example",
    )

    page = response.content.decode()
    ready = timezone.localtime(lea.last_assigned_at + timedelta(days=90))
    assert f"It can go to another person on {date_format(ready, 'DATE_FORMAT')}." in page
    lea.refresh_from_db()
    assert lea.sign_in_email == "lea.bernard@fabrikam.example"

    Subscription.objects.filter(pk=lea.pk).update(
        last_assigned_at=timezone.now() - timedelta(days=91)
    )
    _edit(
        customer_client,
        lea,
        django_capture_on_commit_callbacks,
        sign_in_email="marc@fabrikam.example",
    )
    lea.refresh_from_db()
    assert lea.sign_in_email == "marc@fabrikam.example"
    assert mail.outbox[-1].to == ["marc@fabrikam.example"], "the new person is told"


def test_deleting_frees_the_seat_which_the_same_person_may_have_back_at_once(
    lea, agreement, customer_client, django_capture_on_commit_callbacks
):
    remove = reverse("agreements:subscriber_remove", args=[agreement.public_id, lea.guid])
    assert "Remove the subscription of Léa Bernard?" in customer_client.get(remove).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(remove)
    assert _line(agreement).seats_assigned == 0
    assert not Subscription.objects.assigned().exists()

    _add(customer_client, agreement, django_capture_on_commit_callbacks)

    assert Subscription.objects.assigned().get().guid == lea.guid, "her own seat back"


def test_a_freed_seat_waits_90_days_before_going_to_a_new_person(
    lea, agreement, customer_client, django_capture_on_commit_callbacks
):
    AgreementLine.objects.filter(pk=_line(agreement).pk).update(seats_purchased=1)
    remove = reverse("agreements:subscriber_remove", args=[agreement.public_id, lea.guid])
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(remove)

    response = _add(
        customer_client,
        agreement,
        django_capture_on_commit_callbacks,
        sign_in_email="marc@fabrikam.example",
    )

    assert "A seat can go to a new person on" in response.content.decode()
    assert not Subscription.objects.assigned().exists()
    Subscription.objects.update(last_assigned_at=timezone.now() - timedelta(days=90))
    _add(
        customer_client,
        agreement,
        django_capture_on_commit_callbacks,
        sign_in_email="marc@fabrikam.example",
    )
    assert Subscription.objects.assigned().get().guid == lea.guid


def test_changing_the_level_moves_the_subscriber_to_a_seat_of_that_level(
    lea, agreement, customer_client, django_capture_on_commit_callbacks
):
    professional = AgreementLineFactory(
        agreement=agreement,
        level=SubscriptionLevel.objects.get(code="vs-professional"),
        seats_purchased=3,
    )

    _edit(customer_client, lea, django_capture_on_commit_callbacks, level="vs-professional")

    assert _line(agreement).seats_assigned == 0
    professional.refresh_from_db()
    assert professional.seats_assigned == 1
    moved = Subscription.objects.assigned().get()
    assert moved.line == professional and moved.guid != lea.guid


def test_resend_emails_the_subscriber_again(
    lea, agreement, super_admin, django_capture_on_commit_callbacks
):
    from agreements.subscribers.services.assignments import subscriptions_resend

    with django_capture_on_commit_callbacks(execute=True):
        count = subscriptions_resend(
            actor=actor_of(super_admin, agreement.customer_organization),
            agreement=agreement,
            subscriptions=[lea],
        )

    assert count == 1
    assert [message.to for message in mail.outbox] == [["lea.bernard@fabrikam.example"]]


# Preferences, administrators, access ---------------------------------------------------------


def test_super_admins_set_preferences_that_new_subscribers_start_with(agreement, customer_client):
    url = reverse("agreements:preferences", args=[agreement.public_id])
    response = customer_client.post(
        url,
        {
            "default_level": SubscriptionLevel.objects.get(code="vs-enterprise").pk,
            "default_language": "en",
            "country": "be",
            "default_downloads": "",
            "subscriber_contact_email": "it@fabrikam.example",
        },
    )

    assert response.status_code == 302
    form = customer_client.get(_add_url(agreement)).context["form"]
    assert form.initial["country"] == "BE"
    assert form.initial["language"] == "en"
    assert form.initial["downloads_enabled"] is False
    assert form.initial["level"] == "vs-enterprise"
    assert AuditEntry.objects.filter(action=Action.AGREEMENT_PREFERENCES_CHANGED).exists()


def test_admins_manage_subscribers_but_not_preferences_or_admins(agreement, organization):
    admin = UserFactory()
    MembershipFactory(organization=organization, user=admin)
    AgreementAdminFactory(agreement=agreement, user=admin, role=AdminRole.ADMIN)
    client = client_for(admin)

    assert client.get(_add_url(agreement)).status_code == 200
    assert (
        client.get(reverse("agreements:preferences", args=[agreement.public_id])).status_code == 404
    )


def test_the_last_super_admin_cannot_be_removed(agreement, super_admin, customer_client):
    admin = agreement.admins.get(user=super_admin)
    url = reverse("agreements:administrator_remove", args=[agreement.public_id, admin.pk])

    response = customer_client.post(url, follow=True)

    assert "keeps at least one super admin" in response.content.decode()
    assert agreement.admins.filter(pk=admin.pk).exists()


def test_a_super_admin_removes_another_admin(agreement, organization, customer_client):
    other = AgreementAdminFactory(agreement=agreement, role=AdminRole.ADMIN)
    url = reverse("agreements:administrator_remove", args=[agreement.public_id, other.pk])

    customer_client.post(url)

    assert not agreement.admins.filter(pk=other.pk).exists()
    assert AuditEntry.objects.filter(action=Action.AGREEMENT_ADMIN_REMOVED).exists()


def test_a_partner_whose_link_was_removed_gets_404_on_every_subscriber_page(
    lea, agreement, partner, partner_user
):
    link = PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    client = client_for(partner_user)
    urls = [
        _add_url(agreement),
        reverse("agreements:subscriber_edit", args=[agreement.public_id, lea.guid]),
        reverse("agreements:subscriber_remove", args=[agreement.public_id, lea.guid]),
    ]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]

    link.status, link.removed_at = PartnerLink.Status.REMOVED, timezone.now()
    link.save()

    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    assert client.post(urls[2]).status_code == 404
    assert Subscription.objects.assigned().count() == 1


def test_my_subscriptions_lists_what_is_assigned_to_my_email_on_any_agreement(
    lea, agreement, django_capture_on_commit_callbacks
):
    other = AgreementFactory(customer_name="Northwind Traders")
    line = AgreementLineFactory(agreement=other, seats_purchased=2)
    admin = AgreementAdminFactory(agreement=other).user
    MembershipFactory(organization=other.customer_organization, user=admin)
    with django_capture_on_commit_callbacks(execute=True):
        subscription_assign(
            actor=actor_of(admin, other.customer_organization),
            agreement=other,
            level=line.level,
            details=_details("Lea.Bernard@fabrikam.example"),
        )
    lea_user = UserFactory(email="lea.bernard@fabrikam.example")

    page = client_for(lea_user).get(reverse("my_subscriptions")).content.decode()

    assert "Fabrikam Ltd" in page and "Northwind Traders" in page
    assert page.count("Visual Studio Enterprise") == 2
    someone = client_for(UserFactory()).get(reverse("my_subscriptions"))
    assert "No subscription is assigned to your email address." in someone.content.decode()
