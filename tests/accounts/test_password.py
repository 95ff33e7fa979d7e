from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from portal.accounts.tasks import sessions_expired_clear
from tests.factories import PASSWORD, UserFactory

from .helpers import NEW_PASSWORD, html_part, link_in, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask_for_reset(client, django_capture_on_commit_callbacks):
    def ask(email: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("accounts:password_reset"), {"email": email})

    return ask


def choose_new_password(client, link: str, password: str = NEW_PASSWORD):
    """Follow a reset link as a browser does, then fill in the new password twice."""
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    return client.post(set_password_url, {"new_password1": password, "new_password2": password})


def test_password_reset_for_a_known_address_sends_one_email_with_a_working_link(
    client, ana, ask_for_reset, mailoutbox
):
    response = ask_for_reset("ana@example.com")

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    notification = Notification.objects.get()
    assert notification.kind == "password_reset"
    assert notification.recipient == "ana@example.com"
    [message] = mailoutbox
    assert message.to == ["ana@example.com"]
    assert message.subject == "Reset your Partner Portal password"
    link = link_in(message)
    assert f"https://portal.test{link}" in html_part(message)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "Choose a new password" in form_page.content.decode()


def test_password_reset_finds_the_account_whatever_the_case_typed(ana, ask_for_reset, mailoutbox):
    ask_for_reset("ANA@Example.COM")

    assert [message.to for message in mailoutbox] == [["ana@example.com"]]


def test_following_the_reset_link_sets_a_new_password_to_sign_in_with(
    client, ana, ask_for_reset, mailoutbox
):
    ask_for_reset("ana@example.com")

    response = choose_new_password(client, link_in(mailoutbox[0]))

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_complete")
    assert sign_in(client, email="ana@example.com", password=PASSWORD).status_code == 200
    assert sign_in(client, email="ana@example.com", password=NEW_PASSWORD).status_code == 302


def test_password_reset_for_an_unknown_address_shows_the_same_page_and_sends_nothing(
    client, ana, ask_for_reset, mailoutbox
):
    response = ask_for_reset("nobody@example.com")

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_password_reset_sends_nothing_to_a_deactivated_account(ask_for_reset, mailoutbox):
    UserFactory(email="gone@example.com", is_active=False)

    ask_for_reset("gone@example.com")

    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_reset_link_no_longer_works_once_used(client, ana, ask_for_reset, mailoutbox):
    ask_for_reset("ana@example.com")
    link = link_in(mailoutbox[0])
    choose_new_password(client, link)

    response = client.get(link, follow=True)

    assert not response.context["validlink"]
    assert "This link no longer works" in response.content.decode()
    ana.refresh_from_db()
    assert ana.check_password(NEW_PASSWORD)


def test_a_tampered_reset_link_does_not_let_anyone_set_a_password(
    client, ana, ask_for_reset, mailoutbox
):
    ask_for_reset("ana@example.com")
    link = link_in(mailoutbox[0])
    tampered = link[:-2] + ("a" if link[-2] != "a" else "b") + "/"

    response = client.get(tampered, follow=True)

    assert not response.context["validlink"]
    assert "This link no longer works" in response.content.decode()


def test_signed_in_user_can_change_their_password(client, ana):
    sign_in(client, email="ana@example.com")

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_change_done")
    # Still signed in: the session follows the new password.
    assert client.get(response.url).status_code == 200
    ana.refresh_from_db()
    assert ana.check_password(NEW_PASSWORD)


def test_password_change_needs_the_current_password(client, ana):
    client.force_login(ana)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "not-my-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    ana.refresh_from_db()
    assert ana.check_password(PASSWORD)


def test_password_change_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_resetting_the_password_lifts_a_sign_in_lockout(client, ana, ask_for_reset, mailoutbox):
    # The locked-out page offers a password reset as the way back in.
    for _ in range(5):
        sign_in(client, email="ana@example.com", password="not-my-password")
    locked = sign_in(client, email="ana@example.com")
    assert locked.status_code == 429
    assert reverse("accounts:password_reset") in locked.content.decode()
    ask_for_reset("ana@example.com")
    choose_new_password(client, link_in(mailoutbox[0]))

    response = sign_in(client, email="ana@example.com", password=NEW_PASSWORD)

    assert response.status_code == 302


def test_an_abandoned_reset_leaves_its_token_in_no_session_for_long(
    client, ana, ask_for_reset, mailoutbox
):
    ask_for_reset("ana@example.com")
    client.get(link_in(mailoutbox[0]), follow=True)  # and then the visitor walks away
    key = client.session.session_key
    assert "_password_reset_token" in client.session
    assert client.session.get_expiry_age() <= 15 * 60

    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    sessions_expired_clear()

    assert not Session.objects.filter(session_key=key).exists()
