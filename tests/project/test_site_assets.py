"""What every browser asks for besides the pages."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_favicon_is_served_and_every_page_names_it():
    client = Client()

    redirect = client.get("/favicon.ico")
    icon = client.get(redirect["Location"])

    assert redirect.status_code == 301
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)
    sign_in = client.get("/accounts/sign-in/").content.decode()
    assert 'rel="icon"' in sign_in and "favicon.svg" in sign_in
