"""The webhooks pages of account settings: for the organization's administrators only."""

import pytest
from django.urls import reverse

from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Role
from webhooks.models import WebhookAttempt, WebhookEndpoint

from ..conftest import client_for
from ..factories import MembershipFactory
from .conftest import endpoint_for
from .world import world_make

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_an_endpoint_and_sees_its_secret_once(receiver):
    world = world_make()
    client = client_for(world.boss)
    response = client.post(
        reverse("webhooks:endpoints"),
        {
            "url": receiver.url,
            "description": "PSA sync",
            "events": ["subscription.assigned", "partner_link.removed"],
            "is_active": "on",
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["subscription.assigned", "partner_link.removed"]
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    page = client.get(reverse("webhooks:endpoint", args=[endpoint.public_id]))
    assert page.status_code == 200
    assert endpoint.secret not in page.content.decode()
    assert AuditEntry.objects.filter(action=Action.WEBHOOK_ENDPOINT_ADDED).count() == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "must start with https://"),
        ("https://169.254.169.254/latest", "not reachable from the internet"),
        ("not a url", "Enter a valid URL"),
    ],
)
def test_a_bad_url_gets_a_clear_message_and_adds_nothing(url, message, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    world = world_make()
    response = client_for(world.boss).post(
        reverse("webhooks:endpoints"), {"url": url, "events": ["subscription.assigned"]}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_no_event_chosen_is_refused():
    world = world_make()
    response = client_for(world.boss).post(
        reverse("webhooks:endpoints"), {"url": "https://hooks.example.com/x"}
    )
    assert "Choose at least one event." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_member_who_is_not_an_administrator_and_another_organization_get_404():
    world = world_make()
    endpoint = endpoint_for(world.boss, world.customer, "https://hooks.example.com/x")
    member = MembershipFactory(organization=world.customer, role=Role.MEMBER).user
    urls = [
        reverse("webhooks:endpoints"),
        reverse("webhooks:endpoint", args=[endpoint.public_id]),
        reverse("webhooks:endpoint_edit", args=[endpoint.public_id]),
    ]
    for url in urls:
        assert client_for(member).get(url).status_code == 404
    partner = client_for(world.partner_owner)
    for url in urls[1:]:
        assert partner.get(url).status_code == 404
    assert (
        partner.post(reverse("webhooks:endpoint_delete", args=[endpoint.public_id])).status_code
        == 404
    )
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_the_test_event_is_delivered_and_logged_with_its_answer(
    receiver, django_capture_on_commit_callbacks
):
    world = world_make()
    endpoint = endpoint_for(world.boss, world.customer, receiver.url)
    client = client_for(world.boss)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhooks:endpoint_ping", args=[endpoint.public_id]))
    [request] = receiver.received
    assert b'"type":"ping"' in request.body
    page = client.get(reverse("webhooks:endpoint", args=[endpoint.public_id])).content.decode()
    assert "Test event" in page and "HTTP 200" in page


def test_redeliver_from_the_page_sends_the_same_event_again(
    receiver, django_capture_on_commit_callbacks
):
    world = world_make()
    endpoint = endpoint_for(world.boss, world.customer, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        world.assign("ana.martin@contoso.example")
    delivery = endpoint.deliveries.get()
    client = client_for(world.boss)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webhooks:delivery_redeliver", args=[delivery.public_id]))
    assert response.status_code == 302
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert WebhookAttempt.objects.filter(delivery=delivery, manual=True).count() == 1
    page = client.get(reverse("webhooks:delivery", args=[delivery.public_id])).content.decode()
    assert "Redelivered" in page


def test_a_new_secret_signs_what_follows(receiver, django_capture_on_commit_callbacks):
    from standardwebhooks import Webhook

    world = world_make()
    endpoint = endpoint_for(world.boss, world.customer, receiver.url)
    old = endpoint.secret
    response = client_for(world.boss).post(
        reverse("webhooks:endpoint_secret_roll", args=[endpoint.public_id])
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        world.assign("ana.martin@contoso.example")
    [request] = receiver.received
    assert Webhook(endpoint.secret).verify(request.body, request.headers)


def test_editing_switches_an_endpoint_off_and_removing_it_keeps_the_history():
    world = world_make()
    endpoint = endpoint_for(world.boss, world.customer, "https://hooks.example.com/x")
    client = client_for(world.boss)
    client.post(
        reverse("webhooks:endpoint_edit", args=[endpoint.public_id]),
        {"url": "https://hooks.example.com/y", "events": ["subscription.removed"]},
    )
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.is_active) == (
        "https://hooks.example.com/y",
        ["subscription.removed"],
        False,
    )
    client.post(reverse("webhooks:endpoint_delete", args=[endpoint.public_id]))
    assert not WebhookEndpoint.objects.exists()
    assert AuditEntry.objects.filter(action=Action.WEBHOOK_ENDPOINT_REMOVED).count() == 1
