import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from portal.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FRENCH_PAGE = '<html lang="fr">'
ENGLISH_PAGE = '<html lang="en">'


def choose_language(client, language: str, next_url: str = "/"):
    return client.post(reverse("accounts:language_set"), {"language": language, "next": next_url})


def test_signed_in_user_choosing_french_keeps_it_and_later_pages_render_in_french(client, ana):
    client.force_login(ana)
    page = reverse("accounts:password_change")
    assert ENGLISH_PAGE in client.get(page).content.decode()

    response = choose_language(client, "fr", next_url=page)

    assert response.status_code == 302
    assert response.url == page
    ana.refresh_from_db()
    assert ana.preferred_language == "fr"
    assert FRENCH_PAGE in client.get(page).content.decode()


def test_signed_in_user_reads_their_language_on_another_device(ana):
    ana.preferred_language = "fr"
    ana.save()
    other_device = Client()
    other_device.force_login(ana)

    response = other_device.get(reverse("accounts:password_change"))

    assert settings.LANGUAGE_COOKIE_NAME not in other_device.cookies
    assert FRENCH_PAGE in response.content.decode()


def test_anonymous_visitor_choosing_french_gets_a_cookie_and_french_pages(client):
    response = choose_language(client, "fr", next_url=reverse("accounts:login"))

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert FRENCH_PAGE in client.get(reverse("accounts:login")).content.decode()


def test_an_unknown_language_changes_nothing(client, ana):
    client.force_login(ana)

    response = choose_language(client, "xx")

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    ana.refresh_from_db()
    assert ana.preferred_language == "en"


def test_choosing_a_language_never_redirects_off_site(client):
    response = choose_language(client, "fr", next_url="https://evil.example/")

    assert response.url == "/"


def test_choosing_a_language_only_accepts_post(client):
    assert client.get(reverse("accounts:language_set"), {"language": "fr"}).status_code == 405


def test_sign_up_form_offers_the_language_the_visitor_reads(client):
    choose_language(client, "fr")

    response = client.get(reverse("accounts:sign_up"))

    assert response.context["form"]["preferred_language"].value() == "fr"


def test_sign_up_records_the_verification_email_in_the_chosen_language(sign_up):
    sign_up(email="ana@example.com", preferred_language="fr")

    user = User.objects.get(email="ana@example.com")
    assert user.preferred_language == "fr"
    notification = Notification.objects.get(kind="email_verification")
    assert notification.language == user.preferred_language


def test_password_reset_email_is_in_the_users_preferred_language(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="ana@example.com", preferred_language="fr")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "ana@example.com"})

    assert Notification.objects.get(kind="password_reset").language == "fr"


def test_resent_verification_email_is_in_the_users_preferred_language(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="ana@example.com", preferred_language="fr", email_verified_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:resend_verification"), {"email": "ana@example.com"})

    assert Notification.objects.get(kind="email_verification").language == "fr"


def test_emails_follow_a_language_changed_after_sign_up(
    client, ana, django_capture_on_commit_callbacks
):
    client.force_login(ana)
    choose_language(client, "fr")
    client.post(reverse("accounts:logout"))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "ana@example.com"})

    assert Notification.objects.get(kind="password_reset").language == "fr"
