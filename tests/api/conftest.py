import pytest
from django.test import Client

from api.services import api_token_create

from ..conftest import actor_of


def token_for(user, organization, *, scope="write", name="Script", expires_at=None) -> str:
    """A real token made by the service an administrator uses, and its secret."""
    _token, secret = api_token_create(
        actor=actor_of(user, organization), name=name, scope=scope, expires_at=expires_at
    )
    return secret


class ApiClient:
    """A test client that sends one token on every request."""

    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path, **kwargs):
        return self.client.get(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )

    def _send(self, method, path, data=None, headers=None):
        return getattr(self.client, method)(
            path,
            data=data,
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def post(self, path, data=None, headers=None):
        return self._send("post", path, data, headers)

    def patch(self, path, data=None, headers=None):
        return self._send("patch", path, data, headers)

    def delete(self, path, headers=None):
        return self._send("delete", path, None, headers)


@pytest.fixture
def api_client():
    return ApiClient
