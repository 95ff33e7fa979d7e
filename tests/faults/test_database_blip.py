"""PostgreSQL drops the request's connection after the view ran and before the session is
saved: the session is saved on a new connection, not answered 400 "The request's session was
deleted before the request completed"."""

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from portal.accounts.sessions import SessionStore

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]


def _terminate_backend(pid: int) -> None:
    database = django_settings.DATABASES["default"]
    with psycopg.connect(
        host=database["HOST"],
        port=database["PORT"],
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname=database["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


class ConnectionKiller:
    """Placed just inside SessionMiddleware: cuts the database connection once the view has
    answered, as a PostgreSQL restart or a failover would."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "POST":
            _terminate_backend(connection.connection.info.backend_pid)
        return response


def test_a_connection_lost_before_the_session_is_saved_still_saves_it(
    owner_client, settings, fault_figures
):
    position = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[: position + 1],
        "tests.faults.test_database_blip.ConnectionKiller",
        *settings.MIDDLEWARE[position + 1 :],
    ]
    members = reverse("tenancy:members")

    # The invitation's success message lives in the session (MESSAGE_STORAGE).
    response = owner_client.post(members, {"email": "new@fabrikam.example", "role": "member"})

    assert response.status_code == 302, "not 400: nothing was deleted"
    page = owner_client.get(members).content.decode()
    assert "new@fabrikam.example" in page
    assert SessionStore(owner_client.session.session_key).exists(owner_client.session.session_key)
    fault_figures(
        "database connection cut before the session save",
        expected=1,
        received=1,
        duplicated=0,
        lost=0,
        http_5xx=int(response.status_code >= 500),
    )
