"""Guessing and flooding: every action that sends an email to an address someone types, or
checks a guess, is limited in the shared Redis cache. Each limit lets N through, refuses the
next with a clear message and sends or writes nothing, leaves other people alone, and holds
across processes. Failed partner links: tests/agreements/test_partner_links.py; sign-in
lockout in detail: tests/accounts/test_sign_in.py."""

import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, AgreementInvitation
from notifications.models import Notification
from portal.audit.models import Action, AuditEntry
from portal.limits import (
    email_count_key,
    email_resend_limit,
    email_resend_limit_enforce,
)
from portal.tenancy.context import actor_build
from portal.tenancy.models import Invitation, Role
from tests.factories import (
    PASSWORD,
    AgreementAdminFactory,
    InvitationFactory,
    LicensingContactFactory,
    MembershipFactory,
    UserFactory,
)

from .helpers import client_for, partner_make

pytestmark = pytest.mark.django_db

LIMITED = "too many times in a short while"


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Post as a browser would, with the emails the request queues sent at once."""

    def post(client, url, data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **kwargs)

    return post


def _invite(send, client, email):
    return send(client, reverse("tenancy:members"), {"email": email, "role": "member"})


def test_the_limits_are_settings_with_the_documented_defaults():
    assert (settings.INVITATION_LIMIT, settings.INVITATION_LIMIT_WINDOW) == (20, 3600)
    assert (settings.PASSWORD_RESET_LIMIT, settings.PASSWORD_RESET_LIMIT_WINDOW) == (5, 3600)
    assert (settings.EMAIL_RESEND_LIMIT, settings.EMAIL_RESEND_LIMIT_WINDOW) == (10, 600)


def test_twenty_member_invitations_an_hour_then_a_clear_refusal_that_sends_nothing(
    fabrikam, northwind, send, mailoutbox
):
    client = client_for(fabrikam.owner)
    for n in range(settings.INVITATION_LIMIT):
        assert _invite(send, client, f"guest{n}@example.com").status_code == 302
    assert len(mailoutbox) == settings.INVITATION_LIMIT
    before = Invitation.objects.count(), Notification.objects.count()

    response = _invite(send, client, "one-too-many@example.com")

    assert response.status_code == 200
    assert LIMITED in response.content.decode()
    assert (Invitation.objects.count(), Notification.objects.count()) == before
    assert len(mailoutbox) == settings.INVITATION_LIMIT
    [entry] = AuditEntry.objects.filter(action=Action.RATE_LIMIT_REACHED)
    assert entry.organization == fabrikam.organization
    assert entry.details == {"limit": "invitation", "counted_by": ["org", "user"]}
    # Another organization's owner invites as usual.
    assert _invite(send, client_for(northwind.owner), "guest@northwind.example").status_code == 302


def test_the_invitation_limit_counts_the_organization_whoever_of_its_managers_invites(
    fabrikam, send
):
    first, second = fabrikam.owner, UserFactory()
    MembershipFactory(organization=fabrikam.organization, user=second, role=Role.OWNER)
    for n in range(settings.INVITATION_LIMIT):
        _invite(send, client_for(first), f"guest{n}@example.com")

    response = _invite(send, client_for(second, "10.0.0.2"), "from-a-colleague@example.com")

    assert LIMITED in response.content.decode()
    assert not Invitation.objects.filter(email="from-a-colleague@example.com").exists()


def test_agreement_administrator_invitations_are_limited_too(fabrikam, send, mailoutbox):
    client = client_for(fabrikam.owner)
    url = reverse("agreements:administrators", args=[fabrikam.agreement.public_id])
    for n in range(settings.INVITATION_LIMIT):
        response = send(client, url, {"email": f"admin{n}@example.com", "role": "admin"})
        assert response.status_code == 302
    sent = len(mailoutbox)

    response = send(client, url, {"email": "one-too-many@example.com", "role": "admin"})

    assert response.status_code == 200
    assert LIMITED in response.content.decode()
    assert not AgreementInvitation.objects.filter(email="one-too-many@example.com").exists()
    assert len(mailoutbox) == sent


def test_resending_an_invitation_ten_times_in_ten_minutes_then_refused(
    fabrikam, northwind, send, mailoutbox
):
    invitation = InvitationFactory(organization=fabrikam.organization, invited_by=fabrikam.owner)
    client = client_for(fabrikam.owner)
    url = reverse("tenancy:invitation_resend", args=[invitation.public_id])
    for _ in range(settings.EMAIL_RESEND_LIMIT):
        assert send(client, url).status_code == 302
    assert len(mailoutbox) == settings.EMAIL_RESEND_LIMIT
    sent_at = Invitation.objects.get(pk=invitation.pk).sent_at

    response = send(client, url, follow=True)

    assert LIMITED in response.content.decode()
    assert len(mailoutbox) == settings.EMAIL_RESEND_LIMIT
    assert Invitation.objects.get(pk=invitation.pk).sent_at == sent_at, "nothing renewed"
    other = InvitationFactory(organization=northwind.organization, invited_by=northwind.owner)
    other_url = reverse("tenancy:invitation_resend", args=[other.public_id])
    assert (
        "Invitation sent to"
        in send(client_for(northwind.owner, "10.0.0.2"), other_url, follow=True).content.decode()
    )


def _resend_subscriber(send, client, customer, **kwargs):
    url = reverse("agreements:subscriber_actions", args=[customer.agreement.public_id])
    data = {"action": "resend", "selected": str(customer.subscription.guid)}
    return send(client, url, data, follow=True, **kwargs)


def test_resending_the_subscription_email_ten_times_then_refused_for_that_user_only(
    fabrikam, send, mailoutbox
):
    client = client_for(fabrikam.owner)
    mailoutbox.clear()
    for _ in range(settings.EMAIL_RESEND_LIMIT):
        response = _resend_subscriber(send, client, fabrikam)
        assert "sent again to 1 subscriber" in response.content.decode()
    before = Notification.objects.count()

    response = _resend_subscriber(send, client, fabrikam)

    assert LIMITED in response.content.decode()
    assert "sent again" not in response.content.decode()
    assert Notification.objects.count() == before
    assert len(mailoutbox) == settings.EMAIL_RESEND_LIMIT
    # A colleague on another connection is not held up by it.
    colleague = UserFactory()
    MembershipFactory(organization=fabrikam.organization, user=colleague, role=Role.OWNER)
    AgreementAdminFactory(agreement=fabrikam.agreement, user=colleague)
    response = _resend_subscriber(send, client_for(colleague, "10.0.0.2"), fabrikam)
    assert "sent again to 1 subscriber" in response.content.decode()


def test_the_resend_limit_counts_the_ip_address_across_accounts(fabrikam, send):
    """Ten accounts from one address do not get ten times the emails."""
    for _ in range(settings.EMAIL_RESEND_LIMIT):
        _resend_subscriber(send, client_for(fabrikam.owner, "10.0.0.9"), fabrikam)
    colleague = UserFactory()
    MembershipFactory(organization=fabrikam.organization, user=colleague, role=Role.OWNER)
    AgreementAdminFactory(agreement=fabrikam.agreement, user=colleague)

    response = _resend_subscriber(send, client_for(colleague, "10.0.0.9"), fabrikam)

    assert LIMITED in response.content.decode()


def _ask_reset(send, client, email):
    return send(client, reverse("accounts:password_reset"), {"email": email})


def test_password_reset_sends_five_emails_an_hour_per_address_and_answers_the_same_after(
    client, send, mailoutbox
):
    UserFactory(email="ana@example.com")
    answers = [_ask_reset(send, client, "ana@example.com") for _ in range(6)]

    assert len(mailoutbox) == settings.PASSWORD_RESET_LIMIT
    assert {(a.status_code, a.url) for a in answers} == {
        (302, reverse("accounts:password_reset_done"))
    }, "the sixth answer is the same: it reveals nothing"
    # Changing the case of a letter buys nothing; another address from elsewhere is served.
    _ask_reset(send, client, "ANA@example.com")
    assert len(mailoutbox) == settings.PASSWORD_RESET_LIMIT
    UserFactory(email="bea@example.com")
    _ask_reset(send, type(client)(REMOTE_ADDR="10.0.0.2"), "bea@example.com")
    assert mailoutbox[-1].to == ["bea@example.com"]


def test_password_reset_counts_the_ip_address_across_addresses(client, send, mailoutbox):
    for n in range(settings.PASSWORD_RESET_LIMIT + 1):
        UserFactory(email=f"user{n}@example.com")
        _ask_reset(send, client, f"user{n}@example.com")

    assert len(mailoutbox) == settings.PASSWORD_RESET_LIMIT
    assert AuditEntry.objects.filter(action=Action.RATE_LIMIT_REACHED).count() == 1


def test_licensing_sign_in_links_are_limited_per_address_and_answer_the_same_after(
    client, send, mailoutbox
):
    LicensingContactFactory(email="eve@contoso-partners.example")
    url = reverse("licensing_center:sign_in")
    answers = [
        send(client, url, {"email": "eve@contoso-partners.example"})
        for _ in range(settings.PASSWORD_RESET_LIMIT + 1)
    ]

    assert len(mailoutbox) == settings.PASSWORD_RESET_LIMIT
    assert {(a.status_code, "Check your email" in a.content.decode()) for a in answers} == {
        (200, True)
    }, "the last answer is the same: it reveals nothing"
    assert AuditEntry.objects.filter(action=Action.RATE_LIMIT_REACHED).count() == 1


def test_licensing_sign_in_links_count_the_ip_address_across_addresses(client, send, mailoutbox):
    url = reverse("licensing_center:sign_in")
    for n in range(settings.PASSWORD_RESET_LIMIT + 1):
        LicensingContactFactory(email=f"contact{n}@contoso-partners.example")
        send(client, url, {"email": f"contact{n}@contoso-partners.example"})

    assert len(mailoutbox) == settings.PASSWORD_RESET_LIMIT


def test_password_reset_for_unknown_addresses_counts_the_same(client, send, mailoutbox):
    """Whether an account exists or not, the count goes up: timing and limits reveal nothing."""
    for _ in range(settings.PASSWORD_RESET_LIMIT):
        _ask_reset(send, client, "nobody@example.com")
    UserFactory(email="nobody@example.com")

    _ask_reset(send, client, "nobody@example.com")

    assert mailoutbox == []


def test_asking_for_a_new_verification_link_is_limited_with_the_same_answer(
    client, send, mailoutbox
):
    UserFactory(email="new@example.com", email_verified_at=None)
    url = reverse("accounts:resend_verification")
    # Within one minute, as a person clicking again would be: the dedupe key is per minute,
    # and a run that crossed a minute's end would rightly send a second email.
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        answers = [
            send(client, url, {"email": "new@example.com"})
            for _ in range(settings.EMAIL_RESEND_LIMIT + 1)
        ]

    # One email a minute at most anyway (dedupe); the limit then stops the asking itself.
    assert len(mailoutbox) == 1
    pages = [a.content.decode() for a in answers]
    assert all("we have sent it a link" in page for page in pages), "the refused one too"
    assert not any(LIMITED in page for page in pages)
    assert email_resend_limit.is_exceeded(email=email_count_key("new@example.com"))


def test_a_count_made_in_another_process_holds_here(fabrikam, send, mailoutbox):
    """Another web process (a subprocess with its own Redis connection) uses up the user's
    resends: this process refuses the next one."""
    pk = fabrikam.owner.pk
    script = (
        "import django; django.setup()\n"
        "from portal.limits import email_resend_limit\n"
        f"for _ in range({settings.EMAIL_RESEND_LIMIT}):\n"
        f"    email_resend_limit.record(user={pk}, ip='10.0.0.7')\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    mailoutbox.clear()

    response = _resend_subscriber(send, client_for(fabrikam.owner, "10.0.0.7"), fabrikam)

    assert LIMITED in response.content.decode()
    assert mailoutbox == []


def test_refusals_beyond_the_first_write_no_more_audit_entries(fabrikam):
    actor = actor_build(
        user=fabrikam.owner, organization_id=fabrikam.organization.pk, ip_address="10.0.0.3"
    )
    for _ in range(settings.EMAIL_RESEND_LIMIT):
        email_resend_limit_enforce(actor=actor)
    for _ in range(3):
        with pytest.raises(Exception, match="too many times"):
            email_resend_limit_enforce(actor=actor)

    assert AuditEntry.objects.filter(action=Action.RATE_LIMIT_REACHED).count() == 1


def test_sign_in_locks_after_the_axes_failure_limit_with_a_clear_message(client):
    UserFactory(email="ana@example.com")
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "ana@example.com", "password": "wrong"})

    response = client.post(url, {"username": "ana@example.com", "password": PASSWORD})

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-ins" in page
    assert "reset your password" in page
    assert "_auth_user_id" not in client.session


def test_orders_spend_the_invitation_budget_and_the_next_is_refused_clearly(send, mailoutbox):
    """The assessment's flood: 22 orders to outside addresses, each emailing partner text."""
    _, partner_owner = partner_make()
    client = client_for(partner_owner)
    order = {
        "customer_name": "Flooded Customer",
        "default_language": "en",
        "country": "fr",
        "seats_vs-enterprise": "1",
    }
    answers = [
        send(client, reverse("agreements:order_new"), order | {"customer_email": f"v{n}@x.example"})
        for n in range(settings.INVITATION_LIMIT + 2)
    ]

    assert [a.status_code for a in answers[: settings.INVITATION_LIMIT]] == [302] * 20
    refused = answers[settings.INVITATION_LIMIT].content.decode()
    assert answers[settings.INVITATION_LIMIT].status_code == 429
    assert LIMITED in refused and "try again in 60 minutes" in refused
    assert Agreement.objects.count() == settings.INVITATION_LIMIT
    assert len(mailoutbox) == settings.INVITATION_LIMIT
