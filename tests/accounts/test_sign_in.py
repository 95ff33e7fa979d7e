import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

from .helpers import sign_in

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "not-the-right-password"
NO_MATCH = "That email address and password do not match an account."


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_sign_in_with_the_right_password_goes_home(client, ana):
    response = sign_in(client, email="ana@example.com")

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert int(client.session["_auth_user_id"]) == ana.pk


@pytest.mark.parametrize("typed", ["ANA@EXAMPLE.COM", "Ana@Example.com", " ana@example.com "])
def test_sign_in_accepts_the_email_address_in_any_case(client, ana, typed):
    response = sign_in(client, email=typed)

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == ana.pk


def test_sign_in_with_a_wrong_password_says_the_address_and_password_do_not_match(client, ana):
    response = sign_in(client, email="ana@example.com", password=WRONG_PASSWORD)

    assert response.status_code == 200
    assert NO_MATCH in response.content.decode()
    assert not signed_in(client)


def test_sign_in_with_an_unknown_address_gives_the_same_message(client, ana):
    response = sign_in(client, email="nobody@example.com")

    assert response.status_code == 200
    assert NO_MATCH in response.content.decode()
    assert not signed_in(client)


def test_sign_in_sends_the_person_back_to_the_page_they_asked_for(client, ana):
    wanted = reverse("accounts:password_change")

    response = client.post(
        reverse("accounts:login"),
        {"username": "ana@example.com", "password": PASSWORD, "next": wanted},
    )

    assert response.url == wanted


def test_sign_in_ignores_an_off_site_next_address(client, ana):
    response = client.post(
        reverse("accounts:login"),
        {
            "username": "ana@example.com",
            "password": PASSWORD,
            "next": "https://evil.example/",
        },
    )

    assert response.url == reverse("home")


def test_signed_in_person_visiting_the_sign_in_page_is_sent_home(client, ana):
    client.force_login(ana)

    response = client.get(reverse("accounts:login"))

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_sixth_attempt_after_five_failures_is_locked_out_even_with_the_right_password(client, ana):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = sign_in(client, email="ana@example.com", password=WRONG_PASSWORD)
        assert NO_MATCH in response.content.decode()
    sign_in(client, email="ana@example.com", password=WRONG_PASSWORD)

    response = sign_in(client, email="ana@example.com")

    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert "Too many failed sign-ins" in response.content.decode()
    assert not signed_in(client)


def test_four_failures_do_not_lock_the_account(client, ana):
    for _ in range(4):
        sign_in(client, email="ana@example.com", password=WRONG_PASSWORD)

    response = sign_in(client, email="ana@example.com")

    assert response.status_code == 302
    assert signed_in(client)


def test_failures_typed_in_different_cases_count_against_the_same_address(client, ana):
    for typed in ["ana@example.com", "ANA@example.com", "Ana@example.com", "aNa@example.com"]:
        sign_in(client, email=typed, password=WRONG_PASSWORD)
    sign_in(client, email="anA@example.com", password=WRONG_PASSWORD)

    response = sign_in(client, email="ana@example.com")

    assert response.status_code == 429
    assert not signed_in(client)


def test_locking_out_one_address_does_not_lock_out_another_from_the_same_client(client, ana):
    bob = UserFactory(email="bob@example.com")
    for _ in range(5):
        sign_in(client, email="ana@example.com", password=WRONG_PASSWORD)
    assert sign_in(client, email="ana@example.com").status_code == 429

    response = sign_in(client, email=bob.email)

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == bob.pk
