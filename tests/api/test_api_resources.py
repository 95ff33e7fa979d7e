"""Partner links, maximum usage, email status and benefits through the API: the pages'
rules, the pages' numbers."""

import pytest

from agreements.models import PartnerLink
from agreements.usage.selectors import maximum_usage
from benefits.catalogue import catalogue_install_current
from benefits.models import BenefitAssignment, BenefitPackage
from benefits.services import package_purchase
from notifications.models import Notification

from ..conftest import actor_of
from ..factories import MembershipFactory, PartnerMembershipFactory, PartnerOrganizationFactory
from ..webhooks.world import world_make
from .conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_make()


def _base(world) -> str:
    return f"/api/v1/agreements/{world.agreement.public_id}"


def test_the_customer_lists_its_partners_and_removes_one_for_good(world):
    client = ApiClient(token_for(world.boss, world.customer))
    [link] = client.get(f"{_base(world)}/partner-links").json()
    assert (link["partner"], link["status"]) == ("Fabrikam Partners", "active")
    response = client.post(
        f"{_base(world)}/partner-links/{link['id']}/remove", headers={"Idempotency-Key": "r1"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "removed"
    world.link.refresh_from_db()
    assert world.link.status == PartnerLink.Status.REMOVED
    partner = ApiClient(token_for(world.partner_owner, world.partner, scope="read"))
    assert partner.get(_base(world)).status_code == 404


def test_a_partner_sees_its_own_link_only_and_cannot_decide(world):
    other = PartnerOrganizationFactory(name="Other Partners")
    from ..factories import PartnerLinkFactory

    PartnerLinkFactory(agreement=world.agreement, partner_organization=other)
    partner = ApiClient(token_for(world.partner_owner, world.partner))
    links = partner.get(f"{_base(world)}/partner-links").json()
    assert [link["partner"] for link in links] == ["Fabrikam Partners"]
    response = partner.post(
        f"{_base(world)}/partner-links/{world.link.public_id}/remove",
        headers={"Idempotency-Key": "p1"},
    )
    assert response.status_code == 404
    world.link.refresh_from_db()
    assert world.link.status == PartnerLink.Status.ACTIVE


def test_a_pending_request_is_approved_or_declined_and_answered_once(world):
    from ..factories import PartnerLinkFactory

    pending = PartnerLinkFactory(agreement=world.agreement, status=PartnerLink.Status.PENDING)
    client = ApiClient(token_for(world.boss, world.customer))
    url = f"{_base(world)}/partner-links/{pending.public_id}"
    approved = client.post(f"{url}/approve", headers={"Idempotency-Key": "a1"})
    assert approved.json()["status"] == "active"
    again = client.post(f"{url}/decline", headers={"Idempotency-Key": "d1"})
    assert again.status_code == 422
    assert "already answered" in again.json()["detail"]


def test_usage_gives_the_maximum_usage_pages_numbers(world):
    for n in range(3):
        world.assign(f"person{n}@contoso.example")
    client = ApiClient(token_for(world.boss, world.customer, scope="read"))
    [level] = client.get(f"{_base(world)}/usage").json()
    [page] = maximum_usage(world.agreement)
    assert (level["purchased"], level["assigned"], level["peak"]) == (10, 3, page.peak)
    assert level["peak"] == 3
    assert len(level["months"]) == 12


def test_the_emails_list_shows_each_subscriber_email_and_its_status(world):
    world.assign("ana.martin@contoso.example")
    Notification.objects.update(status=Notification.Status.BOUNCED)
    client = ApiClient(token_for(world.partner_owner, world.partner, scope="read"))
    [email] = client.get(f"{_base(world)}/emails").json()["items"]
    assert (email["recipient"], email["status"]) == ("ana.martin@contoso.example", "bounced")


def test_a_partner_lists_assigns_and_frees_its_benefits(django_capture_on_commit_callbacks):
    partner = PartnerOrganizationFactory(name="Contoso Partners")
    owner = MembershipFactory(organization=partner, role="owner").user
    colleague = MembershipFactory(organization=partner).user
    PartnerMembershipFactory(organization=partner, level="silver")
    catalogue_install_current()
    with django_capture_on_commit_callbacks(execute=True):
        package_purchase(
            actor=actor_of(owner, partner), package=BenefitPackage.objects.get(code="action-pack")
        )
    client = ApiClient(token_for(owner, partner))
    benefits = client.get("/api/v1/benefits", data={"tab": "visual-studio"}).json()
    vs = next(b for b in benefits if b["kind"] == "visual_studio" or "Professional" in b["name"])
    response = client.post(
        f"/api/v1/benefits/{vs['id']}/assignments",
        {"email": colleague.email.upper()},
        headers={"Idempotency-Key": "b1"},
    )
    assert response.status_code == 201, response.content
    [holder] = response.json()["assignees"]
    assert holder["email"] == colleague.email
    twice = client.post(
        f"/api/v1/benefits/{vs['id']}/assignments",
        {"email": colleague.email},
        headers={"Idempotency-Key": "b2"},
    )
    assert twice.status_code == 422
    freed = client.delete(f"/api/v1/benefits/{vs['id']}/assignments/{holder['id']}")
    assert freed.status_code == 204
    assert not BenefitAssignment.objects.held().filter(user=colleague).exists()


def test_a_read_token_assigns_no_benefit(django_capture_on_commit_callbacks):
    partner = PartnerOrganizationFactory()
    owner = MembershipFactory(organization=partner, role="owner").user
    PartnerMembershipFactory(organization=partner, level="silver")
    catalogue_install_current()
    with django_capture_on_commit_callbacks(execute=True):
        purchase = package_purchase(
            actor=actor_of(owner, partner), package=BenefitPackage.objects.get(code="action-pack")
        )
    benefit = purchase.benefits.get(product__code="vs-professional")
    client = ApiClient(token_for(owner, partner, scope="read"))
    response = client.post(
        f"/api/v1/benefits/{benefit.public_id}/assignments",
        {"email": owner.email},
        headers={"Idempotency-Key": "r"},
    )
    assert response.status_code == 403
    assert not BenefitAssignment.objects.exists()
