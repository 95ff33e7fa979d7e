"""Flow 2: a partner signs in to the licensing service center, opens a license where their
organization is partner of record, follows "click here" and signs in to the portal with the
same email; any other email is refused."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements.models import LinkMethod, PartnerLink
from portal.accounts.models import SpentLink, User
from portal.accounts.tasks import sessions_expired_clear
from portal.tenancy.models import Membership, Role

from ..factories import AgreementFactory, LicensingContactFactory, UserFactory
from .conftest import client_for, link_in

pytestmark = pytest.mark.django_db

CONTACT = "eve.moreau@contoso-partners.example"


@pytest.fixture
def contact(partner, agreement):
    agreement.partner_of_record = partner
    agreement.save()
    return LicensingContactFactory(organization=partner, email=CONTACT)


def _licensing_session(capture, email=CONTACT) -> Client:
    """A browser signed in to the licensing service center through its emailed link."""
    browser = Client()
    with capture(execute=True):
        browser.post(reverse("licensing_center:sign_in"), {"email": email})
    sign_in = link_in(mail.outbox[-1], "/licensing/sign-in/")
    assert browser.get(sign_in).status_code == 200, "a mail scanner's visit signs nobody in"
    assert browser.get(reverse("licensing_center:relationships")).status_code == 302
    browser.post(sign_in)
    return browser


def _click_here(browser, agreement) -> str:
    details = browser.get(reverse("licensing_center:license", args=[agreement.public_id]))
    page = details.content.decode()
    assert "Visual Studio subscriptions" in page
    start = page.index('href="/agreements/licensing-link/') + len('href="')
    return page[start : page.index('"', start)]


def test_the_relationship_summary_lists_only_licenses_of_the_partner_of_record(
    contact, agreement, django_capture_on_commit_callbacks
):
    someone_elses = AgreementFactory(customer_name="Tailspin Toys")
    browser = _licensing_session(django_capture_on_commit_callbacks)

    page = browser.get(reverse("licensing_center:relationships")).content.decode()

    assert "Fabrikam Ltd" in page
    assert "Tailspin Toys" not in page
    other = reverse("licensing_center:license", args=[someone_elses.public_id])
    assert browser.get(other).status_code == 404


def test_an_unknown_address_gets_the_same_answer_and_no_email(
    contact, django_capture_on_commit_callbacks
):
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        known = browser.post(reverse("licensing_center:sign_in"), {"email": CONTACT})
        unknown = Client().post(
            reverse("licensing_center:sign_in"), {"email": "nobody@example.com"}
        )

    assert known.status_code == unknown.status_code == 200
    assert "Check your email" in unknown.content.decode()
    assert [message.to for message in mail.outbox] == [[CONTACT]]


def test_the_licensing_pages_need_the_licensing_sign_in(contact, agreement):
    response = Client().get(reverse("licensing_center:relationships"))

    assert response.status_code == 302
    assert response.url == reverse("licensing_center:sign_in")


def test_a_new_partner_signs_up_with_the_same_email_and_is_linked(
    contact, partner, agreement, super_admin, django_capture_on_commit_callbacks
):
    browser = _licensing_session(django_capture_on_commit_callbacks)
    portal_link = _click_here(browser, agreement)
    landing = browser.get(portal_link).content.decode()
    assert CONTACT in landing and "Create an account" in landing
    token = portal_link.rstrip("/").rsplit("/", 1)[1]

    signed_up = browser.post(
        reverse("accounts:sign_up"),
        {
            "email": CONTACT,
            "full_name": "Eve Moreau",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
            "preferred_language": "fr",
            "invitation": token,
            "next": portal_link,
        },
    )
    assert signed_up.url == portal_link, "the licensing link proved the address"
    with django_capture_on_commit_callbacks(execute=True):
        linked = browser.post(portal_link)

    assert linked.url == reverse("agreements:subscribers", args=[agreement.public_id])
    link = PartnerLink.objects.get(agreement=agreement)
    assert (link.partner_organization, link.method) == (partner, LinkMethod.LICENSING_CENTER)
    user = link.linked_by
    assert user.email == CONTACT and user.is_verified
    assert Membership.objects.get(user=user, organization=partner).role == Role.OWNER
    assert browser.get(linked.url).status_code == 200
    customer_emails = {m.to[0] for m in mail.outbox if "Contoso Partners" in m.subject}
    assert customer_emails == {"chloe.durand@fabrikam.example", "it@fabrikam.example"}


def test_a_partner_joining_an_organization_with_members_joins_as_member(
    contact, partner, partner_user, agreement, django_capture_on_commit_callbacks
):
    browser = _licensing_session(django_capture_on_commit_callbacks)
    portal_link = _click_here(browser, agreement)
    browser.force_login(UserFactory(email=CONTACT.upper()))

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(portal_link)

    membership = Membership.objects.get(user__email=CONTACT.upper(), organization=partner)
    assert membership.role == Role.MEMBER


def test_signing_in_with_another_email_is_refused_with_a_clear_message(
    contact, agreement, partner_user, django_capture_on_commit_callbacks
):
    browser = _licensing_session(django_capture_on_commit_callbacks)
    portal_link = _click_here(browser, agreement)
    browser.force_login(partner_user)

    page = browser.get(portal_link)
    posted = browser.post(portal_link)

    assert page.status_code == posted.status_code == 403
    text = page.content.decode()
    assert f"You came from the licensing service center as {CONTACT}" in text
    assert partner_user.email in text
    assert not PartnerLink.objects.exists()


def test_a_tampered_portal_link_is_refused(contact, agreement, partner_user):
    client = client_for(partner_user)

    response = client.get(reverse("agreements:licensing_link", args=["not-a-real-token"]))

    assert response.status_code == 400
    assert not PartnerLink.objects.exists()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_contact_without_an_account_gets_the_link_in_the_language_they_asked_in(
    contact, partner, django_capture_on_commit_callbacks, language
):
    partner.default_language = "fr" if language == "en" else "en"
    partner.save()
    browser = Client()
    browser.post(reverse("accounts:language_set"), {"language": language})

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("licensing_center:sign_in"), {"email": CONTACT})

    english = "Your sign-in link to the licensing service center"
    assert (mail.outbox[-1].subject == english) is (language == "en"), mail.outbox[-1].subject


# One use: the assessment's replays ------------------------------------------------------------


def _sign_in_link(capture) -> str:
    with capture(execute=True):
        Client().post(reverse("licensing_center:sign_in"), {"email": CONTACT})
    return link_in(mail.outbox[-1], "/licensing/sign-in/")


def test_a_used_sign_in_link_opens_no_session_from_a_fresh_browser(
    contact, django_capture_on_commit_callbacks
):
    link = _sign_in_link(django_capture_on_commit_callbacks)
    first = Client()
    first.post(link)
    first.post(reverse("licensing_center:sign_out"))

    fresh = Client()
    replay_page = fresh.get(link)
    replay = fresh.post(link)

    assert replay_page.status_code == replay.status_code == 400
    assert fresh.get(reverse("licensing_center:relationships")).status_code == 302


def test_each_emailed_sign_in_link_is_a_token_of_its_own(
    contact, django_capture_on_commit_callbacks
):
    first = _sign_in_link(django_capture_on_commit_callbacks)
    second = _sign_in_link(django_capture_on_commit_callbacks)
    Client().post(first)

    assert first != second
    assert Client().post(second).status_code == 302


def test_a_sign_in_link_lives_fifteen_minutes(settings):
    assert settings.LICENSING_SIGN_IN_MAX_AGE == 15 * 60


def test_the_click_here_link_proves_the_mailbox_only_once(
    contact, agreement, django_capture_on_commit_callbacks
):
    browser = _licensing_session(django_capture_on_commit_callbacks)
    token = _click_here(browser, agreement).rstrip("/").rsplit("/", 1)[1]
    sign_up = {
        "email": CONTACT,
        "full_name": "Eve Moreau",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
        "preferred_language": "en",
        "invitation": token,
    }
    Client().post(reverse("accounts:sign_up"), sign_up)
    User.objects.filter(email=CONTACT).delete()  # as if the account were closed since

    replay = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = replay.post(reverse("accounts:sign_up"), sign_up)

    assert response.status_code == 200, "no sign-in without verification this time"
    assert "_auth_user_id" not in replay.session
    assert not User.objects.get(email=CONTACT).is_verified


def test_spent_links_are_forgotten_once_they_would_have_expired(
    contact, django_capture_on_commit_callbacks
):
    Client().post(_sign_in_link(django_capture_on_commit_callbacks))
    SpentLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    sessions_expired_clear()

    assert not SpentLink.objects.exists()


@pytest.mark.parametrize(
    ("visitor", "stored", "subject"),
    [
        ("fr", "en", "Votre lien de connexion"),
        ("en", "fr", "Your sign-in link to the licensing service center"),
    ],
)
def test_the_sign_in_email_is_in_the_language_the_visitor_reads(
    contact, django_capture_on_commit_callbacks, visitor, stored, subject
):
    UserFactory(email=CONTACT, preferred_language=stored)
    browser = Client()
    browser.cookies["django_language"] = visitor
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("licensing_center:sign_in"), {"email": CONTACT})

    (email,) = mail.outbox
    assert email.subject.startswith(subject)
