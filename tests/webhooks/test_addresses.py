"""Deliveries go to public https hosts only: no loopback, private, link-local or metadata
address, whatever the URL says and whatever its host resolves to."""

import pytest

from webhooks.addresses import AddressRefused, addresses_resolve, url_problem
from webhooks.models import WebhookAttempt, WebhookDelivery
from webhooks.sending import webhook_post

from .conftest import endpoint_for
from .world import world_make

REFUSED_URLS = [
    "http://hooks.example.com/portal",
    "ftp://hooks.example.com/portal",
    "https://127.0.0.1/hook",
    "https://127.1.2.3:8443/hook",
    "https://10.0.0.7/hook",
    "https://172.16.5.4/hook",
    "https://192.168.1.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hook",
    "https://[fe80::1]/hook",
    "https://[fc00::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",
    "https://localhost/hook",
    "https://api.localhost/hook",
    "https://user:pass@hooks.example.com/hook",
    "https://",
    "https://hooks.example.com:99999/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_an_unreachable_or_unsafe_url_is_refused_with_a_reason(url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    assert url_problem(url)


@pytest.mark.parametrize(
    "url", ["https://hooks.example.com/portal", "https://93.184.215.14:8443/x?y=1"]
)
def test_a_public_https_url_is_accepted(url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    assert url_problem(url) is None


def test_a_host_name_resolving_to_loopback_is_refused_at_sending_time(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(AddressRefused, match=r"127\.0\.0\.1"):
        addresses_resolve("localhost", 443)


def test_an_unknown_host_is_refused_with_a_reason(settings):
    with pytest.raises(AddressRefused, match="resolved"):
        addresses_resolve("no-such-host.invalid", 443)


@pytest.mark.django_db
def test_a_delivery_to_a_loopback_receiver_never_leaves_when_private_addresses_are_refused(
    receiver, settings, django_capture_on_commit_callbacks
):
    world = world_make()
    endpoint_for(world.boss, world.customer, receiver.url)  # allowed while registering
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    with django_capture_on_commit_callbacks(execute=True):
        world.assign("ana.martin@contoso.example")
    assert receiver.received == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "not reachable from the internet" in attempt.error
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING


def test_a_receiver_whose_certificate_is_not_trusted_is_not_sent_the_body(receiver, settings):
    settings.WEBHOOKS_CA_BUNDLE = ""  # the public CAs only: the test CA is not among them
    answer = webhook_post(url=receiver.url, body=b"{}", headers={})
    assert answer.status_code is None
    assert "certificate" in answer.error.lower()
    assert receiver.received == []


def test_a_redirect_is_not_followed(receiver):
    receiver.answers = [307]
    receiver.location = receiver.url + "/elsewhere"  # followed, it would reach us twice
    answer = webhook_post(url=receiver.url, body=b"{}", headers={})
    assert answer.status_code == 307
    assert not answer.succeeded
    assert len(receiver.received) == 1
