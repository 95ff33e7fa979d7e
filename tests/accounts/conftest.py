import pytest
from django.urls import reverse

from tests.factories import UserFactory

from .helpers import NEW_PASSWORD


@pytest.fixture
def ana(db):
    """A verified account, signing in with the factories' PASSWORD."""
    return UserFactory(email="ana@example.com", full_name="Ana Lima")


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    """Fill in the sign-up form as a newcomer would; the emails it queues are sent."""

    def submit(**fields):
        data = {
            "full_name": "Ana Lima",
            "email": "ana@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "preferred_language": "en",
            **fields,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("accounts:sign_up"), data)

    return submit
