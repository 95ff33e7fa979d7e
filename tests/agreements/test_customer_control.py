"""The customer stays in control of partner access: a removal stands against every flow
until a super admin allows the partner again; new partners may need approval; access has a
scope and an end date, with reminders; and whoever proves the customer email of an
agreement nobody administers can take charge of it and remove a partner."""

import html
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements.models import LinkMethod, PartnerLink
from agreements.partner_links.services.review import partner_links_review
from agreements.partner_links.tokens import licensing_link_token_make
from notifications.models import Notification
from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Membership, Organization

from ..factories import (
    AgreementFactory,
    AgreementLineFactory,
    LicensingContactFactory,
    MembershipFactory,
    PartnerLinkFactory,
    UserFactory,
)
from .conftest import client_for, link_in

pytestmark = pytest.mark.django_db

NEW_OPEN_LICENSE = reverse("agreements:new_open_license")
OLP_REGISTER = reverse("agreements:olp_partner_register")
CONTACT = "eve.moreau@contoso-partners.example"
REMOVED = "The customer removed the access of Contoso Partners"


def _overview(agreement) -> str:
    return reverse("agreements:overview", args=[agreement.public_id])


def _partners(agreement) -> str:
    return reverse("agreements:partners", args=[agreement.public_id])


def _action(name: str, link: PartnerLink) -> str:
    return reverse(f"agreements:{name}", args=[link.agreement.public_id, link.public_id])


def _world() -> tuple:
    """What a refused link must leave as it was."""
    return tuple(
        model.objects.count()
        for model in (PartnerLink, AuditEntry, Notification, Membership, Organization)
    )


@pytest.fixture
def linked(partner, partner_user, agreement):
    return PartnerLinkFactory(
        agreement=agreement, partner_organization=partner, linked_by=partner_user
    )


@pytest.fixture
def removed(linked, customer_client, django_capture_on_commit_callbacks):
    """The customer removed Contoso Partners, through the page."""
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(_action("partner_remove", linked))
    linked.refresh_from_db()
    assert linked.status == PartnerLink.Status.REMOVED
    mail.outbox.clear()
    return linked


@pytest.fixture
def contact(partner, agreement):
    agreement.partner_of_record = partner
    agreement.save()
    return LicensingContactFactory(organization=partner, email=CONTACT)


def _licensing_browser(email: str = CONTACT) -> Client:
    browser = Client()
    session = browser.session
    session["licensing_contact_email"] = email
    session.save()
    return browser


def _licensing_link(agreement, email: str = CONTACT) -> str:
    token = licensing_link_token_make(agreement_public_id=agreement.public_id, email=email)
    return reverse("agreements:licensing_link", args=[token])


# A removal stands ------------------------------------------------------------------------


def test_a_removed_partner_cannot_link_again_with_new_open_license(
    removed, partner_client, agreement, claim, django_capture_on_commit_callbacks
):
    before = _world()

    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(NEW_OPEN_LICENSE, claim)

    assert response.status_code == 200
    assert REMOVED in response.content.decode()
    assert "Ask the customer to invite you again" in response.content.decode()
    assert _world() == before, "nothing written"
    assert mail.outbox == [], "no email"
    assert partner_client.get(_overview(agreement)).status_code == 404


def test_a_removed_partner_cannot_link_again_from_the_licensing_center(
    removed, contact, agreement, django_capture_on_commit_callbacks
):
    browser = _licensing_browser()
    summary = browser.get(reverse("licensing_center:relationships")).content.decode()
    assert "Access removed by the customer" in summary
    details = browser.get(reverse("licensing_center:license", args=[agreement.public_id]))
    assert "/agreements/licensing-link/" not in details.content.decode(), "no link to follow"
    assert REMOVED in details.content.decode()

    eve = UserFactory(email=CONTACT)
    before = _world()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(eve).post(_licensing_link(agreement))

    assert response.status_code == 403
    assert REMOVED in response.content.decode()
    assert _world() == before, "Eve did not even join the partner organization"
    assert mail.outbox == []


def test_the_person_who_linked_a_removed_partner_cannot_come_back_by_olp_registration(
    removed, partner_user, agreement, claim, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=partner_user).delete()  # they left Contoso Partners
    before = _world()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(partner_user).post(
            OLP_REGISTER, claim | {"organization_name": "Contoso Reborn", "country": "FR"}
        )

    assert response.status_code == 200
    assert REMOVED in response.content.decode()
    assert _world() == before
    assert not Organization.objects.filter(name="Contoso Reborn").exists()
    assert mail.outbox == []


def test_a_removed_partners_orders_list_keeps_the_order_but_says_it_was_removed(
    removed, partner, partner_client, agreement
):
    agreement.partner_of_record = partner
    agreement.save()

    page = partner_client.get(reverse("agreements:orders")).content.decode()

    assert agreement.authorization_number in page
    assert "Access removed by the customer" in page
    home = partner_client.get(reverse("home")).content.decode()
    assert "Access removed by the customer" in home
    assert _overview(agreement) not in home


def test_allow_again_lets_each_flow_link_again(
    removed,
    partner_client,
    partner_user,
    super_admin,
    customer_client,
    contact,
    agreement,
    claim,
    django_capture_on_commit_callbacks,
):
    page = customer_client.get(_partners(agreement)).content.decode()
    assert "Allow again" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(_action("partner_allow_again", removed), {})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=Action.PARTNER_ALLOWED_AGAIN).count() == 1
    told = {message.to[0] for message in mail.outbox}
    assert {partner_user.email, super_admin.email} <= told, "both sides are told"

    # Flow 1.
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(NEW_OPEN_LICENSE, claim)
    assert response.status_code == 302
    assert partner_client.get(_overview(agreement)).status_code == 200

    # Removed again: flow 2 is refused, then allowed again and it links.
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(_action("partner_remove", PartnerLink.objects.current().get()))
    eve = client_for(UserFactory(email=CONTACT))
    assert eve.post(_licensing_link(agreement)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(
            _action("partner_allow_again", PartnerLink.objects.blocking().get()), {}
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = eve.post(_licensing_link(agreement))
    assert response.status_code == 302
    assert PartnerLink.objects.current().get().method == LinkMethod.LICENSING_CENTER


def test_allow_again_lets_the_person_register_by_olp_again(
    removed, partner_user, customer_client, agreement, claim, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=partner_user).delete()
    customer_client.post(_action("partner_allow_again", removed), {})

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(partner_user).post(
            OLP_REGISTER, claim | {"organization_name": "Contoso Reborn", "country": "FR"}
        )

    assert response.status_code == 302
    link = PartnerLink.objects.current().get()
    assert link.partner_organization.name == "Contoso Reborn"
    assert link.method == LinkMethod.OLP_REGISTRATION


def test_an_invitation_from_allow_again_links_at_once_even_with_approval_on(
    removed,
    partner_user,
    partner_client,
    customer_client,
    agreement,
    django_capture_on_commit_callbacks,
):
    agreement.partner_approval_required = True
    agreement.save()

    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(_action("partner_allow_again", removed), {"invite": "on"})

    invitation = next(m for m in mail.outbox if m.to == [partner_user.email])
    url = link_in(invitation, "/agreements/partner-invitation/")
    assert "Contoso Partners" in partner_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(url)
    assert response.status_code == 302
    link = PartnerLink.objects.current().get()
    assert (link.status, link.method) == (
        PartnerLink.Status.ACTIVE,
        LinkMethod.CUSTOMER_INVITATION,
    )
    assert partner_client.get(_overview(agreement)).status_code == 200
    assert partner_client.post(url).status_code == 200, "used: says already linked"
    assert PartnerLink.objects.count() == 2


def test_only_a_super_admin_allows_a_partner_again(removed, agreement, organization):
    admin = UserFactory()
    MembershipFactory(organization=organization, user=admin)
    from ..factories import AgreementAdminFactory

    AgreementAdminFactory(agreement=agreement, user=admin, role="admin")
    client = client_for(admin)

    assert "Allow again" not in client.get(_partners(agreement)).content.decode()
    assert client.post(_action("partner_allow_again", removed), {}).status_code == 404
    removed.refresh_from_db()
    assert removed.allowed_again_at is None


# Approval ------------------------------------------------------------------------------


@pytest.fixture
def approval_on(agreement):
    agreement.partner_approval_required = True
    agreement.save()
    return agreement


def test_with_approval_on_a_link_waits_and_the_super_admins_are_asked(
    approval_on, partner_client, super_admin, agreement, claim, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(NEW_OPEN_LICENSE, claim, follow=True)

    assert "waiting for the customer's approval" in html.unescape(response.content.decode())
    link = PartnerLink.objects.get()
    assert link.status == PartnerLink.Status.PENDING
    assert partner_client.get(_overview(agreement)).status_code == 404
    asked = next(m for m in mail.outbox if m.to == [super_admin.email])
    assert "asks to manage your Open License" in asked.subject
    approve = link_in(asked, "/agreements/")
    assert approve == _action("partner_approve", link)
    assert "/decline/" in asked.body
    assert all(message.to != ["it@fabrikam.example"] for message in mail.outbox)


def test_a_super_admin_approves_from_the_email_and_the_partner_gets_access(
    approval_on,
    partner_client,
    partner_user,
    customer_client,
    agreement,
    claim,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        partner_client.post(NEW_OPEN_LICENSE, claim)
    link = PartnerLink.objects.get()
    mail.outbox.clear()
    assert (
        "Approve Contoso Partners?"
        in customer_client.get(_action("partner_approve", link)).content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(_action("partner_approve", link))

    link.refresh_from_db()
    assert link.status == PartnerLink.Status.ACTIVE
    assert link.decided_by.email == "chloe.durand@fabrikam.example"
    assert partner_client.get(_overview(agreement)).status_code == 200
    assert any(
        m.to == [partner_user.email] and "request approved" in m.subject for m in mail.outbox
    )
    assert AuditEntry.objects.filter(action=Action.PARTNER_APPROVED, agreement=agreement).exists()


def test_a_declined_partner_stays_out_and_cannot_ask_again(
    approval_on,
    partner_client,
    customer_client,
    agreement,
    claim,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        partner_client.post(NEW_OPEN_LICENSE, claim)
    link = PartnerLink.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(_action("partner_decline", link))
    link.refresh_from_db()
    assert link.status == PartnerLink.Status.DECLINED
    before = _world()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(NEW_OPEN_LICENSE, claim)

    assert "The customer declined the request of Contoso Partners" in response.content.decode()
    assert _world() == before
    assert mail.outbox == []
    assert partner_client.get(_overview(agreement)).status_code == 404


def test_an_unanswered_request_expires_and_both_sides_are_told(
    approval_on,
    partner_client,
    partner_user,
    super_admin,
    agreement,
    claim,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        partner_client.post(NEW_OPEN_LICENSE, claim)
    link = PartnerLink.objects.get()
    mail.outbox.clear()

    with time_machine.travel(timezone.now() + timedelta(days=29), tick=False):
        assert partner_links_review().expired == 0
    with (
        time_machine.travel(timezone.now() + timedelta(days=30, minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert partner_links_review().expired == 1
        assert partner_links_review().expired == 0, "once"

    link.refresh_from_db()
    assert link.status == PartnerLink.Status.EXPIRED
    told = {message.to[0] for message in mail.outbox}
    assert told == {partner_user.email, super_admin.email}
    assert partner_client.get(_overview(agreement)).status_code == 404
    # An expired request is no refusal: the partner may ask again.
    with django_capture_on_commit_callbacks(execute=True):
        partner_client.post(NEW_OPEN_LICENSE, claim)
    assert PartnerLink.objects.current().get().status == PartnerLink.Status.PENDING


def test_the_approval_preference_is_a_super_admin_preference(customer_client, agreement):
    page = customer_client.get(reverse("agreements:preferences", args=[agreement.public_id]))
    assert "New partners need my approval" in page.content.decode()


# Scope ---------------------------------------------------------------------------------


def test_a_super_admin_makes_a_partner_read_only_and_both_sides_are_told(
    linked,
    partner_user,
    partner_client,
    customer_client,
    agreement,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(
            _action("partner_access", linked), {"scope": "read_only", "ends_on": ""}
        )

    assert response.status_code == 302
    linked.refresh_from_db()
    assert linked.scope == PartnerLink.Scope.READ_ONLY
    assert any(m.to == [partner_user.email] for m in mail.outbox)
    assert AuditEntry.objects.filter(action=Action.PARTNER_SCOPE_CHANGED).count() == 1
    overview = partner_client.get(_overview(agreement)).content.decode()
    assert "read only" in overview
    subscribers = partner_client.get(
        reverse("agreements:subscribers", args=[agreement.public_id])
    ).content.decode()
    assert "Add subscriber" not in subscribers
    assert "Add from workbook" not in subscribers
    add = reverse("agreements:subscriber_add", args=[agreement.public_id])
    assert partner_client.get(add).status_code == 404


# End date ------------------------------------------------------------------------------


def test_reminders_go_30_7_and_1_days_before_the_end_each_once_and_access_ends_on_the_day(
    linked,
    partner_user,
    partner_client,
    super_admin,
    customer_client,
    agreement,
    django_capture_on_commit_callbacks,
):
    start = timezone.now()
    ends_on = timezone.localdate() + timedelta(days=40)
    customer_client.post(
        _action("partner_access", linked), {"scope": "manage", "ends_on": ends_on.isoformat()}
    )
    assert AuditEntry.objects.filter(action=Action.PARTNER_END_DATE_CHANGED).count() == 1

    def reminders() -> list[tuple[str, int]]:
        return sorted(
            (n.recipient, n.context["days_left"])
            for n in Notification.objects.filter(kind="partner_access_ending")
        )

    for days_later, expected in (
        (5, []),
        (10, [30]),
        (11, [30]),
        (33, [7, 30]),
        (39, [1, 7, 30]),
    ):
        with time_machine.travel(start + timedelta(days=days_later), tick=False):
            partner_links_review()
            partner_links_review()
        days = sorted({days for _, days in reminders()})
        assert days == expected, f"{days_later} days later"
        recipients = {recipient for recipient, _ in reminders()}
        assert recipients == ({partner_user.email, super_admin.email} if expected else set())
    assert len(reminders()) == 6, "three reminders to each side, each once"

    with time_machine.travel(start + timedelta(days=40), tick=False):
        # Forty days on, the old sessions have expired: sign in again.
        partner_client, customer_client = client_for(partner_user), client_for(super_admin)
        # Access ends on the day, before the nightly pass records it.
        assert partner_client.get(_overview(agreement)).status_code == 404
        with django_capture_on_commit_callbacks(execute=True):
            assert partner_links_review().ended == 1
        linked.refresh_from_db()
        assert linked.status == PartnerLink.Status.ENDED
        assert AuditEntry.objects.filter(action=Action.PARTNER_ACCESS_ENDED).count() == 1
        # Extend gives it back at once.
        later = (timezone.localdate() + timedelta(days=90)).isoformat()
        customer_client.post(
            _action("partner_access", linked), {"scope": "manage", "ends_on": later}
        )
        assert partner_client.get(_overview(agreement)).status_code == 200


def test_the_partner_proposes_an_end_date_when_it_links(
    partner_client, agreement, claim, django_capture_on_commit_callbacks
):
    ends_on = timezone.localdate() + timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        partner_client.post(NEW_OPEN_LICENSE, claim | {"ends_on": ends_on.isoformat()})

    assert PartnerLink.objects.get().ends_on == ends_on


def test_an_end_date_in_the_past_is_refused_and_changes_nothing(
    partner_client, agreement, claim, django_capture_on_commit_callbacks
):
    yesterday = timezone.localdate() - timedelta(days=1)
    response = partner_client.post(NEW_OPEN_LICENSE, claim | {"ends_on": yesterday.isoformat()})

    assert "Choose an end date after today" in response.content.decode()
    assert PartnerLink.objects.count() == 0


# Taking charge -------------------------------------------------------------------------


@pytest.fixture
def unonboarded(partner):
    agreement = AgreementFactory(
        customer_organization=None,
        customer_name="Tailspin Toys",
        customer_email="it@tailspin.example",
        authorization_number="V700000001",
        license_number="7000000001",
        partner_of_record=partner,
    )
    AgreementLineFactory(agreement=agreement)
    return agreement


def test_the_partner_added_email_lets_the_customer_email_take_charge_and_remove_the_partner(
    unonboarded, partner_client, django_capture_on_commit_callbacks
):
    claim = {
        "authorization_number": "V700000001",
        "license_number": "7000000001",
        "customer_email": "it@tailspin.example",
        "confirm": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        partner_client.post(NEW_OPEN_LICENSE, claim)
    told = next(m for m in mail.outbox if m.to == ["it@tailspin.example"])
    assert "Take charge" in told.body
    url = link_in(told, "/agreements/take-charge/")

    visitor = Client()
    landing = visitor.get(url).content.decode()
    assert "Take charge of Open License V700000001" in landing
    # Signing up through the link proves the address: no verification round.
    sign_up = reverse("accounts:sign_up")
    token = url.rstrip("/").rsplit("/", 1)[1]
    response = visitor.post(
        f"{sign_up}?invitation={token}&next={url}",
        {
            "invitation": token,
            "next": url,
            "full_name": "Tom Tailspin",
            "email": "it@tailspin.example",
            "password1": "a-long-enough-passphrase-2026",
            "password2": "a-long-enough-passphrase-2026",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(url, {"destination": "new", "organization_name": "Tailspin Toys"})
    assert response.status_code == 302
    assert response.url == _partners(unonboarded)

    unonboarded.refresh_from_db()
    assert unonboarded.customer_organization.name == "Tailspin Toys"
    assert AuditEntry.objects.filter(
        action=Action.AGREEMENT_ONBOARDED, agreement=unonboarded
    ).exists()
    link = PartnerLink.objects.get(agreement=unonboarded)
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(_action("partner_remove", link))
    assert partner_client.get(_overview(unonboarded)).status_code == 404
    assert visitor.get(url).status_code == 400, "the link is used up once someone took charge"


def test_a_verified_account_with_the_customer_email_is_offered_to_take_charge(
    unonboarded, partner, partner_user, django_capture_on_commit_callbacks
):
    PartnerLinkFactory(agreement=unonboarded, partner_organization=partner, linked_by=partner_user)
    customer = UserFactory(email="IT@tailspin.example", email_verified_at=timezone.now())
    client = client_for(customer)

    welcome = client.get(reverse("home"), follow=True).content.decode()

    assert "Take charge of Open License V700000001" in welcome
    assert "You are not a recognised user" not in welcome
    start = welcome.index('href="/agreements/take-charge/') + len('href="')
    url = welcome[start : welcome.index('"', start)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"destination": "new", "organization_name": "Tailspin"})
    assert response.url == _partners(unonboarded)
    assert "Contoso Partners" in client.get(response.url).content.decode()


def test_a_customer_who_signs_up_and_verifies_the_work_email_takes_charge(
    unonboarded, partner, partner_user, django_capture_on_commit_callbacks
):
    PartnerLinkFactory(agreement=unonboarded, partner_organization=partner, linked_by=partner_user)
    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(
            reverse("accounts:sign_up"),
            {
                "full_name": "Tom Tailspin",
                "email": "it@tailspin.example",
                "password1": "a-long-enough-passphrase-2026",
                "password2": "a-long-enough-passphrase-2026",
                "preferred_language": "en",
            },
        )
    verification = link_in(mail.outbox[-1], "/accounts/verify/")
    response = visitor.post(verification, follow=True)

    page = response.content.decode()
    assert "Take charge of Open License V700000001" in page
    start = page.index('href="/agreements/take-charge/') + len('href="')
    url = page[start : page.index('"', start)]
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(url, {"destination": "new", "organization_name": "Tailspin"})
    assert response.url == _partners(unonboarded)
    unonboarded.refresh_from_db()
    assert unonboarded.admins.get().user.email == "it@tailspin.example"


def test_an_unverified_account_is_not_offered_to_take_charge(unonboarded):
    customer = UserFactory(email="it@tailspin.example", email_verified_at=None)

    welcome = client_for(customer).get(reverse("home"), follow=True).content.decode()

    assert "Take charge" not in welcome
    assert "confirm your email address first" in welcome


def test_a_take_charge_link_for_another_address_changes_nothing(unonboarded):
    from agreements.onboarding.tokens import take_charge_token_make

    token = take_charge_token_make(
        agreement_public_id=unonboarded.public_id, email="it@tailspin.example"
    )
    intruder = client_for(UserFactory(email="mallory@evil.example"))

    response = intruder.post(
        reverse("agreements:take_charge", args=[token]),
        {"destination": "new", "organization_name": "Mine now"},
    )

    assert "you are signed in as mallory@evil.example" in response.content.decode()
    unonboarded.refresh_from_db()
    assert unonboarded.customer_organization is None


# One place to see it -------------------------------------------------------------------


def test_the_partners_page_shows_every_state(partner, partner_user, customer_client, agreement):
    from ..factories import PartnerOrganizationFactory

    now = timezone.now()
    for name, status, extra in (
        ("Waiting Partners", PartnerLink.Status.PENDING, {"request_expires_at": now}),
        ("Declined Partners", PartnerLink.Status.DECLINED, {"removed_at": now, "decided_at": now}),
        ("Expired Partners", PartnerLink.Status.EXPIRED, {"removed_at": now}),
        ("Removed Partners", PartnerLink.Status.REMOVED, {"removed_at": now}),
        ("Read Partners", PartnerLink.Status.ACTIVE, {"scope": "read_only"}),
    ):
        PartnerLinkFactory(
            agreement=agreement,
            partner_organization=PartnerOrganizationFactory(name=name),
            status=status,
            **extra,
        )
    PartnerLinkFactory(
        agreement=agreement,
        partner_organization=partner,
        linked_by=partner_user,
        ends_on=timezone.localdate() + timedelta(days=10),
    )

    page = customer_client.get(_partners(agreement)).content.decode()

    for words in (
        "Waiting for approval",
        "Declined on",
        "Request expired on",
        "Removed",
        "Read only",
        "Ends on",
        "Approve",
        "Decline",
        "Allow again",
        "Extend",
        "Remove access",
    ):
        assert words in page, words


# In the reader's language ---------------------------------------------------------------


def test_a_french_super_admin_reads_the_request_and_the_partners_page_in_french(
    approval_on,
    partner_client,
    super_admin,
    customer_client,
    agreement,
    claim,
    django_capture_on_commit_callbacks,
):
    super_admin.preferred_language = "fr"
    super_admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        partner_client.post(NEW_OPEN_LICENSE, claim)

    asked = next(m for m in mail.outbox if m.to == [super_admin.email])
    assert "Contoso Partners demande à gérer votre Open License V482019301" in asked.subject
    assert "Approuver" in asked.body and "Refuser" in asked.body
    page = customer_client.get(_partners(agreement)).content.decode()
    assert "En attente d'approbation" in html.unescape(page)
    assert "Approuver" in page


def test_a_member_of_another_organization_is_offered_to_take_charge_on_the_home_page(
    unonboarded, other_organization
):
    customer = UserFactory(email="it@tailspin.example", email_verified_at=timezone.now())
    MembershipFactory(organization=other_organization, user=customer)

    home = client_for(customer).get(reverse("home")).content.decode()

    assert "Open Licenses waiting for you" in home
    assert "Take charge of Open License V700000001" in home


def test_the_refusal_page_does_not_name_the_agreement_in_the_header(
    removed, partner, partner_user, partner_client, agreement
):
    agreement.partner_of_record = partner
    agreement.save()
    LicensingContactFactory(organization=partner, email=partner_user.email)

    page = partner_client.get(_licensing_link(agreement, partner_user.email)).content.decode()

    assert REMOVED in page
    start = page.index('id="agreements-menu"')
    header = page[start : page.index("</summary>", start)]
    assert agreement.authorization_number not in header
    assert "Choose" in header
