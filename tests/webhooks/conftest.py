import pytest
import trustme

from ..conftest import actor_of
from .receiver import Receiver, ReceiverServer


@pytest.fixture(scope="session")
def test_ca():
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_bundle(test_ca, tmp_path_factory):
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    test_ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def webhook_settings(settings, ca_bundle):
    """Deliveries may reach this machine's test receiver, whose CA they trust."""
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOKS_CA_BUNDLE = ca_bundle
    settings.WEBHOOKS_CONNECT_TIMEOUT = 1.0
    settings.WEBHOOKS_READ_TIMEOUT = 1.0
    return settings


@pytest.fixture
def receiver_server(test_ca, webhook_settings):
    server = ReceiverServer(test_ca, Receiver())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def receiver(receiver_server) -> Receiver:
    return receiver_server.receiver


def endpoint_for(user, organization, url, events=None, **kwargs):
    from webhooks.events import SUBSCRIBABLE
    from webhooks.services import webhook_endpoint_create

    return webhook_endpoint_create(
        actor=actor_of(user, organization),
        url=url,
        events=events or [str(event) for event in SUBSCRIBABLE],
        **kwargs,
    )
