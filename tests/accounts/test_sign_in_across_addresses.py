"""A guesser with many addresses: django-axes gives each address five tries at an account,
so the account has its own budget across all of them; its holder is emailed when signing
in is paused, and the reset link lifts the pause. No token stays in axes' tables."""

import pytest
from axes.models import AccessLog
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.http import urlsafe_base64_encode

from notifications.models import Notification
from portal.accounts.tokens import email_verification_token
from tests.factories import UserFactory

from .helpers import NEW_PASSWORD, link_in, sign_in

pytestmark = pytest.mark.django_db

WRONG = "not-my-password-at-all"


def from_address(n: int) -> Client:
    return Client(REMOTE_ADDR=f"198.51.100.{n}")


def guess_from_many_addresses(email: str, guesses: int, capture) -> None:
    """Four wrong passwords from each address: under axes' five, as a careful guesser."""
    with capture(execute=True):
        for n in range(guesses):
            sign_in(from_address(n // 4), email=email, password=WRONG)


def test_many_addresses_get_no_more_guesses_than_the_account_budget(
    ana, django_capture_on_commit_callbacks
):
    guess_from_many_addresses(
        "ana@example.com", settings.SIGN_IN_ACCOUNT_LIMIT, django_capture_on_commit_callbacks
    )

    right_password_from_a_new_address = sign_in(from_address(200), email="ana@example.com")

    assert right_password_from_a_new_address.status_code == 429
    assert "_auth_user_id" not in right_password_from_a_new_address.wsgi_request.session


def test_the_holder_is_emailed_once_in_their_language_when_signing_in_is_paused(
    ana, django_capture_on_commit_callbacks, mailoutbox
):
    ana.preferred_language = "fr"
    ana.save()

    guess_from_many_addresses(
        "ANA@example.com", settings.SIGN_IN_ACCOUNT_LIMIT + 8, django_capture_on_commit_callbacks
    )

    [message] = mailoutbox
    assert message.to == ["ana@example.com"]
    assert "suspendue" in message.subject
    assert WRONG not in message.body


def test_the_holder_is_emailed_when_axes_locks_one_address_out(
    client, ana, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, email="ana@example.com", password=WRONG)

    assert [m.to for m in mailoutbox] == [["ana@example.com"]]
    assert Notification.objects.get().kind == "sign_in_locked"


def test_guessing_at_an_address_without_an_account_is_paused_the_same_and_emails_nobody(
    django_capture_on_commit_callbacks, mailoutbox
):
    guess_from_many_addresses(
        "nobody@example.com", settings.SIGN_IN_ACCOUNT_LIMIT, django_capture_on_commit_callbacks
    )

    assert sign_in(from_address(200), email="nobody@example.com").status_code == 429
    assert mailoutbox == []


def test_the_reset_link_in_the_email_lifts_the_pause(
    ana, django_capture_on_commit_callbacks, mailoutbox
):
    guess_from_many_addresses(
        "ana@example.com", settings.SIGN_IN_ACCOUNT_LIMIT, django_capture_on_commit_callbacks
    )
    client = from_address(200)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "ana@example.com"})
    reset = next(m for m in mailoutbox if m.subject == "Reset your Partner Portal password")
    form_page = client.get(link_in(reset), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert sign_in(client, email="ana@example.com", password=NEW_PASSWORD).status_code == 302


def test_a_used_verification_link_leaves_no_token_in_axes_access_log(client):
    user = UserFactory(email="new@example.com", email_verified_at=None)
    token = email_verification_token.make_token(user)
    uid = urlsafe_base64_encode(str(user.pk).encode())

    client.post(reverse("accounts:verify_email", args=[uid, token]))

    [entry] = AccessLog.objects.all()
    assert entry.username == "new@example.com", "the link signed in"
    assert token not in entry.path_info
    assert entry.path_info == "/accounts/verify/[redacted]/[redacted]/"
