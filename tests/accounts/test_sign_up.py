import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.http import urlsafe_base64_encode

from notifications.models import Notification
from portal.accounts.models import User
from portal.tenancy.tokens import invitation_token_make
from tests.factories import InvitationFactory, UserFactory

from .helpers import NEW_PASSWORD, html_part, link_in, sign_in

pytestmark = pytest.mark.django_db


def flip(character: str) -> str:
    return "1" if character == "0" else "0"


def main_of(response) -> str:
    """The page's main content: the rest carries a fresh CSRF token on every response."""
    return re.search(r"<main.*</main>", response.content.decode(), re.DOTALL).group()


def signed_in_user_id(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def test_sign_up_creates_an_unverified_account_and_does_not_sign_in(client, sign_up):
    response = sign_up(email="ana@example.com", full_name="Ana Lima")

    assert response.status_code == 200
    assert "accounts/verification_sent.html" in [t.name for t in response.templates]
    assert "ana@example.com" in response.content.decode()
    user = User.objects.get(email="ana@example.com")
    assert user.full_name == "Ana Lima"
    assert not user.is_verified
    assert user.check_password(NEW_PASSWORD)
    assert signed_in_user_id(client) is None


def test_sign_up_queues_exactly_one_verification_email_with_text_and_html(sign_up, mailoutbox):
    sign_up(email="ana@example.com")

    notification = Notification.objects.get()
    assert notification.kind == "email_verification"
    assert notification.recipient == "ana@example.com"
    assert notification.status == Notification.Status.SENT
    [message] = mailoutbox
    assert message.to == ["ana@example.com"]
    assert message.subject == "Confirm your email address for the Partner Portal"
    link = link_in(message)
    assert link.startswith("/accounts/verify/")
    assert f"https://portal.test{link}" in html_part(message)


def test_sign_up_does_not_store_the_verification_token_in_the_outbox(sign_up, mailoutbox):
    sign_up()

    token = link_in(mailoutbox[0]).rstrip("/").rsplit("/", 1)[-1]
    assert token not in str(Notification.objects.get().context)


def test_signing_in_before_verifying_is_refused_with_a_request_to_confirm_first(client, sign_up):
    sign_up(email="ana@example.com")

    response = sign_in(client, email="ana@example.com", password=NEW_PASSWORD)

    assert response.status_code == 200
    assert "Confirm your email address first" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_opening_the_verification_link_shows_a_confirm_button_but_does_not_verify(
    client, sign_up, mailoutbox
):
    sign_up(email="ana@example.com")

    response = client.get(link_in(mailoutbox[0]))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="post">' in page
    assert "Confirm and sign in" in page
    assert not User.objects.get(email="ana@example.com").is_verified
    assert signed_in_user_id(client) is None


def test_confirming_the_verification_link_verifies_signs_in_and_goes_home(
    client, sign_up, mailoutbox
):
    sign_up(email="ana@example.com")

    response = client.post(link_in(mailoutbox[0]))

    assert response.status_code == 302
    assert response.url == reverse("home")
    user = User.objects.get(email="ana@example.com")
    assert user.is_verified
    assert signed_in_user_id(client) == user.pk
    page = client.get(response.url, follow=True)
    assert "Your email address is confirmed" in page.content.decode()


def test_verified_newcomer_can_then_sign_in_with_their_password(client, sign_up, mailoutbox):
    sign_up(email="ana@example.com")
    client.post(link_in(mailoutbox[0]))
    client.post(reverse("accounts:logout"))

    response = sign_in(client, email="ana@example.com", password=NEW_PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_confirming_returns_the_newcomer_to_the_page_they_came_for(client, mailoutbox, sign_up):
    wanted = reverse("accounts:password_change")
    sign_up(email="ana@example.com", next=wanted)

    response = client.post(link_in(mailoutbox[0]))

    assert response.url == wanted


def test_confirming_ignores_an_off_site_next_address(client, mailoutbox, sign_up):
    sign_up(email="ana@example.com", next="https://evil.example/")

    response = client.post(link_in(mailoutbox[0]))

    assert response.url == reverse("home")


def test_verification_link_no_longer_works_once_used(client, sign_up, mailoutbox):
    sign_up(email="ana@example.com")
    link = link_in(mailoutbox[0])
    client.post(link)
    client.post(reverse("accounts:logout"))

    for response in (client.get(link), client.post(link)):
        assert response.status_code == 400
        assert "This link no longer works" in response.content.decode()
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda uid, token: (uid, token[:-1] + flip(token[-1])), id="token"),
        pytest.param(lambda uid, token: (urlsafe_base64_encode(b"987654321"), token), id="no-user"),
        pytest.param(lambda uid, token: ("not-base64!", token), id="garbage-uid"),
    ],
)
def test_tampered_verification_link_is_refused(client, sign_up, mailoutbox, tamper):
    sign_up(email="ana@example.com")
    uid, token = link_in(mailoutbox[0]).strip("/").split("/")[-2:]
    uid, token = tamper(uid, token)

    response = client.post(reverse("accounts:verify_email", args=[uid, token]))

    assert response.status_code == 400
    assert "This link no longer works" in response.content.decode()
    assert not User.objects.get(email="ana@example.com").is_verified
    assert signed_in_user_id(client) is None


def test_a_verification_token_does_not_verify_another_account(client, sign_up, mailoutbox):
    sign_up(email="ana@example.com")
    bob = UserFactory(email="bob@example.com", email_verified_at=None)
    _, token = link_in(mailoutbox[0]).strip("/").split("/")[-2:]
    bob_uid = urlsafe_base64_encode(str(bob.pk).encode())

    response = client.post(reverse("accounts:verify_email", args=[bob_uid, token]))

    assert response.status_code == 400
    bob.refresh_from_db()
    assert not bob.is_verified


def test_resend_sends_a_working_link_to_an_unverified_account(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    UserFactory(email="ana@example.com", email_verified_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:resend_verification"), {"email": "ANA@example.com"}
        )

    assert response.status_code == 200
    [message] = mailoutbox
    assert message.to == ["ana@example.com"]
    client.post(link_in(message))
    assert User.objects.get(email="ana@example.com").is_verified


@pytest.mark.parametrize("exists", [False, True], ids=["unknown", "already-verified"])
def test_resend_answers_the_same_for_unknown_or_verified_addresses_and_sends_them_nothing(
    client, django_capture_on_commit_callbacks, mailoutbox, exists
):
    waiting = UserFactory(email="waiting@example.com", email_verified_at=None)
    if exists:
        UserFactory(email="nobody@example.com")
    url = reverse("accounts:resend_verification")

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url, {"email": "nobody@example.com"})
    with django_capture_on_commit_callbacks(execute=True):
        reference = client.post(url, {"email": waiting.email})

    assert answer.status_code == reference.status_code == 200
    assert main_of(answer).replace("nobody@", "waiting@") == main_of(reference)
    assert [message.to for message in mailoutbox] == [["waiting@example.com"]]
    assert list(Notification.objects.values_list("recipient", flat=True)) == [waiting.email]


def test_sign_up_answers_a_known_address_exactly_as_an_unknown_one(client, sign_up):
    UserFactory(email="ana@example.com")

    known = sign_up(email="ANA@Example.com")
    unknown = sign_up(email="nobody@example.com")

    assert known.status_code == unknown.status_code == 200
    assert [t.name for t in known.templates] == [t.name for t in unknown.templates]
    assert main_of(known).replace("ANA@Example.com", "X") == main_of(unknown).replace(
        "nobody@example.com", "X"
    )
    assert "already" not in known.content.decode()
    assert User.objects.filter(email__iexact="ana@example.com").count() == 1


def test_the_holder_of_a_known_address_is_told_someone_tried_in_their_language(sign_up, mailoutbox):
    holder = UserFactory(email="ana@example.com", preferred_language="fr", full_name="Ana Lima")

    sign_up(email="Ana@Example.com", preferred_language="en", full_name="Mallory")

    [notification] = Notification.objects.all()
    assert (notification.kind, notification.recipient) == ("sign_up_attempted", holder.email)
    [message] = mailoutbox
    assert message.to == ["ana@example.com"]
    assert "Quelqu'un a tenté de créer un compte" in message.subject
    assert "Ana Lima" in message.body and "Mallory" not in message.body
    assert "/accounts/password/reset/" in message.body
    holder.refresh_from_db()
    assert holder.check_password(NEW_PASSWORD) is False, "the password typed changes nothing"


def test_a_known_address_tried_again_and_again_gets_one_email_an_hour(sign_up, mailoutbox):
    UserFactory(email="ana@example.com")

    for _ in range(5):
        sign_up(email="ana@example.com")

    assert len(mailoutbox) == 1


def test_sign_up_through_an_invitation_to_a_known_address_says_it_is_taken(sign_up):
    """The link proves the mailbox, so its holder is told plainly: they learn nothing new."""
    UserFactory(email="ana@example.com")
    token = invitation_token_make(InvitationFactory(email="ana@example.com"))

    response = sign_up(email="ana@example.com", invitation=token)

    assert "An account already uses this address" in response.content.decode()


def test_database_refuses_a_second_account_whose_address_differs_only_in_case(db):
    UserFactory(email="ana@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="ANA@example.com", password=NEW_PASSWORD, full_name="X")


def test_sign_up_refuses_two_different_passwords(sign_up):
    response = sign_up(password2="something-else-entirely-77")

    assert "The two passwords differ." in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_refuses_a_password_too_close_to_the_address(sign_up):
    response = sign_up(
        email="marguerite.duras@example.com",
        password1="marguerite.duras",
        password2="marguerite.duras",
    )

    assert "too similar" in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_through_an_invitation_to_that_address_signs_in_without_a_verification_email(
    client, sign_up, mailoutbox
):
    token = invitation_token_make(InvitationFactory(email="ana@example.com"))
    form = client.get(reverse("accounts:sign_up"), {"invitation": token})
    assert form.context["form"]["email"].value() == "ana@example.com"

    response = sign_up(email="Ana@Example.com", invitation=token)

    assert response.status_code == 302
    assert response.url == reverse("home")
    user = User.objects.get(email__iexact="ana@example.com")
    assert user.is_verified
    assert signed_in_user_id(client) == user.pk
    assert mailoutbox == []
    assert not Notification.objects.filter(kind="email_verification").exists()


def test_sign_up_through_an_invitation_keeps_the_address_the_link_proved(
    client, sign_up, mailoutbox
):
    token = invitation_token_make(InvitationFactory(email="invited@example.com"))
    form = client.get(reverse("accounts:sign_up"), {"invitation": token}).content.decode()
    assert (
        'value="invited@example.com"' in form and "disabled" in form.split('name="email"')[1][:200]
    )

    response = sign_up(email="someone.else@example.com", invitation=token)

    assert response.status_code == 302, "the posted other address is ignored"
    assert User.objects.get(email="invited@example.com").is_verified
    assert not User.objects.filter(email="someone.else@example.com").exists()
