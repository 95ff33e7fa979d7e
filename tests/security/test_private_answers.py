"""Every signed-in answer is for one person: `Cache-Control: private, no-store`, so that no
shared cache keeps it and the browser does not store it for the next person at the desk."""

import pytest
from django.test import Client
from django.urls import reverse

from .helpers import client_for

pytestmark = pytest.mark.django_db

PRIVATE = "private, no-store"


def assert_private(response):
    assert response["Cache-Control"] == PRIVATE, response.request["PATH_INFO"]


def test_signed_in_pages_are_private(fabrikam):
    client = client_for(fabrikam.owner)
    agreement = fabrikam.agreement.public_id

    for url in (
        reverse("home"),
        reverse("tenancy:members"),
        reverse("agreements:overview", args=[agreement]),
        reverse("agreements:subscribers", args=[agreement]),
    ):
        assert_private(client.get(url))


def test_htmx_fragments_are_private(fabrikam):
    client = client_for(fabrikam.owner)

    assert_private(client.get(reverse("agreements:agreements_menu"), headers={"HX-Request": "1"}))


def test_exports_are_private(fabrikam):
    client = client_for(fabrikam.owner)
    agreement = fabrikam.agreement.public_id

    for name in ("subscribers_export_csv", "subscribers_export_xlsx", "usage_export"):
        response = client.get(reverse(f"agreements:{name}", args=[agreement]))
        assert response.status_code == 200
        assert_private(response)


def test_signed_in_errors_and_redirects_are_private(fabrikam):
    client = client_for(fabrikam.owner)

    assert_private(client.get("/no-such-page/"))
    assert_private(client.post(reverse("accounts:logout")))


def test_a_licensing_center_session_is_private(fabrikam):
    client = Client()
    session = client.session
    session["licensing_contact_email"] = "it@fabrikam.example"
    session.save()

    assert_private(client.get(reverse("licensing_center:relationships")))


def test_an_anonymous_sign_in_page_is_not_marked_private():
    response = Client().get(reverse("accounts:login"))

    assert response.get("Cache-Control") != PRIVATE
