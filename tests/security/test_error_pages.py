"""Error answers in the portal's layout and the reader's language, the language cookie kept
to same-site posts, and a forged post refused by a page of ours rather than Django's."""

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import permission_denied, server_error

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

LAYOUT = 'class="site-header"'


def french_client() -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(preferred_language="fr"))
    return client


def assert_in_layout_and_french(response, words: str):
    page = response.content.decode()
    assert LAYOUT in page
    assert '<html lang="fr">' in page
    assert words in page


def test_a_missing_page_answers_in_the_layout_and_the_readers_language():
    response = french_client().get("/no-such-page/")

    assert response.status_code == 404
    assert_in_layout_and_french(response, "Page introuvable")


def test_a_forged_post_gets_the_portals_page_not_djangos():
    response = french_client().post(reverse("tenancy:members"), {"email": "x@example.com"})

    assert response.status_code == 403
    assert_in_layout_and_french(response, "Le formulaire a expiré")
    assert "cookie not set" not in response.content.decode(), "the reason is for logs only"


def test_a_refused_page_answers_in_the_layout_and_the_readers_language():
    request = RequestFactory().get("/")
    request.user = UserFactory(preferred_language="fr")
    with translation.override("fr"):
        response = permission_denied(request, exception=None)

    assert response.status_code == 403
    assert_in_layout_and_french(response, "Accès refusé")


def test_a_server_error_answers_in_the_layout_and_the_readers_language():
    with translation.override("fr"):
        response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert_in_layout_and_french(response, "Un problème est survenu")


def test_too_many_requests_has_its_page_in_the_layout_and_the_readers_language():
    with translation.override("fr"):
        page = render_to_string("429.html")

    assert LAYOUT in page and "Trop de demandes" in page


def test_a_locked_out_sign_in_answers_429_in_the_layout(settings):
    settings.AXES_FAILURE_LIMIT = 1
    client = Client()
    UserFactory(email="ana@example.com")
    client.post(reverse("accounts:login"), {"username": "ana@example.com", "password": "wrong"})

    response = client.post(
        reverse("accounts:login"), {"username": "ana@example.com", "password": "wrong"}
    )

    assert response.status_code == 429
    assert LAYOUT in response.content.decode()


def test_the_language_cookie_is_same_site_lax():
    response = Client().post(reverse("accounts:language_set"), {"language": "fr", "next": "/"})

    assert response.cookies["django_language"]["samesite"] == "Lax"
