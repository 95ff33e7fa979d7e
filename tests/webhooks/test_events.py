"""Which events are written, for whom: the organizations that see the agreement, as the
pages' access rule says, and only for endpoints that chose the event."""

import json

import pytest

from agreements.models import PartnerLink
from agreements.partner_links.services.claims import OpenLicenseClaim, partner_link_claim
from agreements.partner_links.services.decisions import partner_link_approve, partner_link_remove
from agreements.subscribers.services.assignments import subscription_update, subscriptions_remove
from agreements.subscribers.services.seats import SubscriberDetails
from agreements.workbooks.services import bulk_import_process
from portal.tenancy.models import Role
from webhooks.models import WebhookDelivery, WebhookEvent

from ..agreements.test_workbooks import _person, _stored_upload, _xlsx
from ..conftest import actor_of
from ..factories import MembershipFactory, PartnerOrganizationFactory
from .conftest import endpoint_for
from .world import world_make

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/portal"


def _events(organization, type_=None) -> list[dict]:
    rows = WebhookEvent.objects.filter(organization=organization).order_by("created_at", "id")
    if type_:
        rows = rows.filter(type=type_)
    return [json.loads(row.body) for row in rows]


@pytest.fixture
def world():
    world = world_make(seats=10)
    endpoint_for(world.boss, world.customer, URL)
    endpoint_for(world.partner_owner, world.partner, URL + "/partner")
    return world


def test_an_assignment_is_told_to_the_customer_and_to_the_linked_partner(world):
    world.assign("ana.martin@contoso.example")
    [customer] = _events(world.customer)
    [partner] = _events(world.partner)
    assert customer["type"] == partner["type"] == "subscription.assigned"
    assert customer["id"] != partner["id"]
    assert customer["data"] == partner["data"]
    assert partner["organization"] == str(world.partner.public_id)
    assert WebhookDelivery.objects.count() == 2


def test_a_removed_partner_is_told_of_its_removal_and_then_of_nothing(world):
    partner_link_remove(actor=actor_of(world.boss, world.customer), link=world.link)
    [removed] = _events(world.partner)
    assert removed["type"] == "partner_link.removed"
    assert removed["data"]["partner_link"]["status"] == PartnerLink.Status.REMOVED
    assert [event["type"] for event in _events(world.customer)] == ["partner_link.removed"]

    world.assign("ana.martin@contoso.example")
    assert [event["type"] for event in _events(world.partner)] == ["partner_link.removed"]
    assert _events(world.customer)[-1]["type"] == "subscription.assigned"


def test_a_pending_request_and_its_approval_are_told_to_both_sides(world):
    world.agreement.partner_approval_required = True
    world.agreement.save()
    other = PartnerOrganizationFactory(name="Tailspin Partners")
    other_owner = MembershipFactory(organization=other, role=Role.OWNER).user
    endpoint_for(other_owner, other, URL + "/other")
    link = partner_link_claim(
        actor=actor_of(other_owner, other),
        claim=OpenLicenseClaim(
            authorization_number=world.agreement.authorization_number,
            license_number=world.agreement.license_number,
            customer_email=world.agreement.customer_email,
        ),
    )
    assert [event["type"] for event in _events(other)] == ["partner_link.pending"]
    assert _events(world.customer)[-1]["type"] == "partner_link.pending"
    partner_link_approve(actor=actor_of(world.boss, world.customer), link=link)
    assert [event["type"] for event in _events(other)] == [
        "partner_link.pending",
        "partner_link.added",
    ]


def test_an_endpoint_gets_only_the_events_it_chose_and_nothing_when_switched_off(world):
    chooser = endpoint_for(
        world.boss, world.customer, URL + "/links", events=["partner_link.removed"]
    )
    off = endpoint_for(world.boss, world.customer, URL + "/off")
    off.is_active = False
    off.save()
    world.assign("ana.martin@contoso.example")
    assert not WebhookDelivery.objects.filter(endpoint__in=[chooser, off]).exists()
    partner_link_remove(actor=actor_of(world.boss, world.customer), link=world.link)
    assert WebhookDelivery.objects.filter(endpoint=chooser).count() == 1
    assert not WebhookDelivery.objects.filter(endpoint=off).exists()


def test_only_organizations_with_an_endpoint_get_event_rows():
    world = world_make()
    endpoint_for(world.partner_owner, world.partner, URL + "/partner")
    world.assign("ana.martin@contoso.example")
    assert _events(world.customer) == []
    assert [event["type"] for event in _events(world.partner)] == ["subscription.assigned"]


def test_a_change_and_a_removal_carry_the_subscriber(world):
    subscription = world.assign("ana.martin@contoso.example")
    subscription_update(
        actor=actor_of(world.boss, world.customer),
        subscription=subscription,
        level=world.line.level,
        details=SubscriberDetails(
            first_name="Ana", last_name="Martín", sign_in_email="ana.martin@contoso.example"
        ),
    )
    [changed] = _events(world.customer, "subscription.changed")
    assert changed["data"]["subscribers"][0]["last_name"] == "Martín"
    assert changed["data"]["subscribers"][0]["changed"] == ["last_name"]
    subscriptions_remove(
        actor=actor_of(world.boss, world.customer),
        agreement=world.agreement,
        subscriptions=[subscription],
    )
    [removed] = _events(world.customer, "subscription.removed")
    assert removed["data"]["subscribers"][0]["sign_in_email"] == "ana.martin@contoso.example"
    assert removed["data"]["subscribers"][0]["id"] == str(subscription.guid)


def test_seats_running_out_is_told_once_when_the_last_tenth_is_reached(world):
    for n in range(8):
        world.assign(f"person{n}@contoso.example")
    assert _events(world.customer, "seats.running_out") == []
    world.assign("person8@contoso.example")  # 1 of 10 seats left
    [running_out] = _events(world.customer, "seats.running_out")
    assert running_out["data"]["levels"] == [
        {
            "code": world.line.level.code,
            "name": world.line.level.name,
            "purchased": 10,
            "assigned": 9,
            "available": 1,
        }
    ]
    world.assign("person9@contoso.example")  # full: already told
    assert len(_events(world.customer, "seats.running_out")) == 1


def test_a_workbook_upload_tells_its_outcome_and_its_subscribers(world):
    level = world.line.level.name
    content = _xlsx([_person(1, level=level), _person(2, level=level)])
    upload = _stored_upload(world.agreement, world.boss, content)
    bulk_import_process(bulk_import=upload, actor=actor_of(world.boss, world.customer))
    [finished] = _events(world.customer, "bulk_upload.finished")
    assert finished["data"]["upload"]["status"] == "succeeded"
    assert finished["data"]["upload"]["rows"] == 2
    [assigned] = _events(world.customer, "subscription.assigned")
    assert len(assigned["data"]["subscribers"]) == 2


def test_a_failed_workbook_upload_is_told_too(world):
    content = _xlsx([_person(1, level="No such level")])
    upload = _stored_upload(world.agreement, world.boss, content)
    bulk_import_process(bulk_import=upload, actor=actor_of(world.boss, world.customer))
    [finished] = _events(world.customer, "bulk_upload.finished")
    assert finished["data"]["upload"]["status"] == "failed"
    assert finished["data"]["upload"]["errors"] == 1
    assert _events(world.customer, "subscription.assigned") == []
