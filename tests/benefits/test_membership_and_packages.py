"""Joining, renewing and upgrading the partner network; buying packages, provisioning them,
and at most one Action Pack a membership year."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from benefits import services
from benefits.models import Benefit, BenefitPackage, PackagePurchase, PartnerMembership
from benefits.tasks import package_provision
from portal.accounts.models import User
from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Permission

from ..conftest import actor_of
from ..factories import PartnerMembershipFactory
from .conftest import buy, client_for, member_of

pytestmark = pytest.mark.django_db


# Membership gate -------------------------------------------------------------------------


def test_a_non_member_who_opens_benefits_is_told_to_join_first_and_where(partner, ana_client):
    page = ana_client.get(reverse("benefits:benefits", args=["software"])).content.decode()

    assert "Join the partner network first" in page
    assert reverse("benefits:membership") in page


def test_a_non_member_sees_the_packages_but_no_buy_button(partner, ana_client):
    page = ana_client.get(reverse("benefits:packages")).content.decode()

    assert "Action Pack" in page
    assert "Join the partner network first" in page
    assert 'aria-label="Buy Action Pack"' not in page


def test_a_non_member_cannot_buy_a_package(partner, ana, action_pack, ana_client):
    with pytest.raises(ValidationError, match="Join the partner network"):
        services.package_purchase(actor=actor_of(ana, partner), package=action_pack)

    response = ana_client.post(reverse("benefits:package_buy", args=["action-pack"]), follow=True)

    assert "Join the partner network before you buy" in response.content.decode()
    assert not PackagePurchase.objects.exists()


def test_a_lapsed_membership_is_no_membership(partner, ana, action_pack):
    today = timezone.localdate()
    PartnerMembershipFactory(
        organization=partner,
        starts_on=today - timedelta(days=400),
        ends_on=today - timedelta(days=36),
    )

    with pytest.raises(ValidationError, match="Join the partner network"):
        services.package_purchase(actor=actor_of(ana, partner), package=action_pack)


def test_a_customer_organization_has_no_partnership_pages(owner_client):
    for name in ("benefits:membership", "benefits:packages", "benefits:benefits_index"):
        assert owner_client.get(reverse(name)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("benefits:benefits", args=["software"]))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# Join, renew, upgrade ----------------------------------------------------------------------


def test_a_partner_joins_the_network_for_a_year(partner, ana, ana_client):
    response = ana_client.post(reverse("benefits:membership_join"), {"level": "network"})

    assert response.status_code == 302
    membership = PartnerMembership.objects.get(organization=partner)
    assert membership.level == "network"
    assert membership.starts_on == timezone.localdate()
    assert (membership.ends_on - membership.starts_on).days in (364, 365)
    assert AuditEntry.objects.filter(
        organization=partner, action=Action.PARTNER_NETWORK_JOINED
    ).exists()


def test_a_member_cannot_join_twice(partner, partner_membership, ana):
    with pytest.raises(ValidationError, match="already a member"):
        services.partner_network_join(actor=actor_of(ana, partner), level="network")


def test_renewing_is_refused_before_the_renewal_window(partner, ana, settings):
    settings.PARTNER_NETWORK_RENEWAL_WINDOW_DAYS = 90
    today = timezone.localdate()
    PartnerMembershipFactory(organization=partner, starts_on=today, ends_on=today + timedelta(200))

    with pytest.raises(ValidationError, match="You can renew from"):
        services.partner_network_renew(actor=actor_of(ana, partner))


def test_a_member_renews_in_the_renewal_window_for_the_next_year(partner, ana, ana_client):
    today = timezone.localdate()
    current = PartnerMembershipFactory(
        organization=partner, starts_on=today - timedelta(300), ends_on=today + timedelta(64)
    )

    ana_client.post(reverse("benefits:membership_renew"))

    renewal = PartnerMembership.objects.exclude(pk=current.pk).get()
    assert renewal.starts_on == current.ends_on + timedelta(days=1)
    assert renewal.level == current.level
    with pytest.raises(ValidationError, match="already renewed"):
        services.partner_network_renew(actor=actor_of(ana, partner))
    page = ana_client.get(reverse("benefits:membership")).content.decode()
    assert "already renewed" in page


def test_a_member_upgrades_to_a_higher_level_only(partner, partner_membership, ana, ana_client):
    ana_client.post(reverse("benefits:membership_upgrade"), {"level": "gold"})

    partner_membership.refresh_from_db()
    assert partner_membership.level == "gold"
    with pytest.raises(ValidationError, match="higher level"):
        services.partner_network_upgrade(actor=actor_of(ana, partner), level="silver")


def test_joining_renewing_and_upgrading_need_the_buy_packages_permission(
    partner, partner_membership, bruno
):
    actor = actor_of(bruno, partner)
    for call in (
        lambda: services.partner_network_join(actor=actor, level="network"),
        lambda: services.partner_network_renew(actor=actor),
        lambda: services.partner_network_upgrade(actor=actor, level="gold"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    client = client_for(bruno)
    assert client.post(reverse("benefits:membership_upgrade"), {"level": "gold"}).status_code == 403


# Buying and provisioning -------------------------------------------------------------------


def test_a_purchase_is_provisioning_until_its_task_has_run(
    partner, partner_membership, ana, action_pack, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        purchase = services.package_purchase(actor=actor_of(ana, partner), package=action_pack)

    assert purchase.status == PackagePurchase.Status.PROVISIONING
    assert purchase.membership == partner_membership
    assert not Benefit.objects.exists(), "nothing is usable before provisioning"
    assert callbacks, "provisioning is queued once the purchase commits"

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    purchase.refresh_from_db()
    assert purchase.status == PackagePurchase.Status.AVAILABLE
    assert purchase.available_at is not None
    kinds = sorted(purchase.benefits.values_list("kind", flat=True))
    assert kinds == [
        "cloud_licence",
        "cloud_usage",
        "software",
        "software",
        "support",
        "visual_studio",
    ]
    windows = purchase.benefits.get(product__code="windows-11-pro")
    assert windows.quantity == 10 and windows.keys.count() == 2
    assert AuditEntry.objects.filter(
        organization=partner, action=Action.BENEFIT_PACKAGE_PURCHASED
    ).exists()
    assert AuditEntry.objects.filter(
        organization=partner, action=Action.BENEFIT_PACKAGE_AVAILABLE
    ).exists()
    (message,) = mail.outbox
    assert message.to == [ana.email]
    assert "Action Pack" in message.subject
    assert "/partnership/benefits/software/" in message.body


def test_provisioning_twice_creates_the_benefits_once(provisioned):
    count = provisioned.benefits.count()

    package_provision.apply(args=[provisioned.pk])

    assert provisioned.benefits.count() == count


def test_buying_from_the_packages_page_shows_the_benefits(
    partner, partner_membership, ana_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ana_client.post(reverse("benefits:package_buy", args=["action-pack"]))

    # The buyer lands on the Benefits page, which shows the provisioning until it is ready.
    assert response.status_code == 302
    assert response["Location"] == reverse("benefits:benefits", args=["software"])
    packages = ana_client.get(reverse("benefits:packages")).content.decode()
    assert "Available" in packages
    page = ana_client.get(reverse("benefits:benefits", args=["software"])).content.decode()
    assert "Office Professional Plus 2024" in page


def test_a_member_buys_at_most_one_action_pack_a_membership_year(
    partner, partner_membership, ana, action_pack, django_capture_on_commit_callbacks
):
    buy(ana, partner, action_pack, django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError, match="already has an Action Pack"):
        services.package_purchase(actor=actor_of(ana, partner), package=action_pack)
    assert PackagePurchase.objects.count() == 1


def test_the_database_refuses_a_second_action_pack_in_the_same_year(
    partner, partner_membership, ana, action_pack, provisioned
):
    with pytest.raises(IntegrityError, match="one_action_pack_per_year"), transaction.atomic():
        PackagePurchase.objects.create(
            organization=partner,
            membership=partner_membership,
            package=action_pack,
            is_action_pack=True,
            purchased_by=ana,
        )


def test_a_cancelled_action_pack_leaves_room_for_another(
    partner, partner_membership, ana, action_pack, provisioned, django_capture_on_commit_callbacks
):
    PackagePurchase.objects.filter(pk=provisioned.pk).update(status="cancelled")

    again = buy(ana, partner, action_pack, django_capture_on_commit_callbacks)

    assert again.status == PackagePurchase.Status.AVAILABLE


def test_the_next_membership_year_can_have_its_own_action_pack(
    partner, partner_membership, ana, action_pack, provisioned, django_capture_on_commit_callbacks
):
    next_start = partner_membership.ends_on + timedelta(days=1)
    PartnerMembershipFactory(organization=partner, starts_on=next_start)

    with django_capture_on_commit_callbacks(execute=True):
        second = services.package_purchase(
            actor=actor_of(ana, partner), package=action_pack, today=next_start
        )

    assert second.membership.starts_on == next_start


def test_other_packages_can_be_bought_beside_the_action_pack(
    partner, partner_membership, ana, provisioned, django_capture_on_commit_callbacks
):
    silver = BenefitPackage.objects.get(code="silver-application-development")

    purchase = buy(ana, partner, silver, django_capture_on_commit_callbacks)

    assert purchase.status == PackagePurchase.Status.AVAILABLE


def test_a_package_for_a_higher_level_is_refused(partner, partner_membership, ana):
    gold = BenefitPackage.objects.get(code="gold-cloud-platform")

    with pytest.raises(ValidationError, match="Gold membership or higher"):
        services.package_purchase(actor=actor_of(ana, partner), package=gold)


def test_buying_needs_the_buy_packages_permission(partner, partner_membership, eve, action_pack):
    with pytest.raises(PermissionDenied):
        services.package_purchase(actor=actor_of(eve, partner), package=action_pack)

    client = client_for(eve)
    page = client.get(reverse("benefits:packages")).content.decode()
    response = client.post(reverse("benefits:package_buy", args=["action-pack"]))

    assert "Your permissions do not include buying packages." in page
    assert response.status_code == 403
    assert not PackagePurchase.objects.exists()


def test_a_member_granted_buy_packages_may_buy(
    partner, partner_membership, action_pack, django_capture_on_commit_callbacks
):
    buyer = member_of(partner, Permission.BUY_PACKAGES)

    purchase = buy(buyer, partner, action_pack, django_capture_on_commit_callbacks)

    assert purchase.purchased_by == buyer


# Demo data ---------------------------------------------------------------------------------


def test_the_demo_has_a_member_with_a_provisioned_package_and_a_partner_that_is_not_one():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    (purchase,) = PackagePurchase.objects.all()
    assert purchase.organization.name == "Contoso Partners"
    assert purchase.status == PackagePurchase.Status.AVAILABLE
    ana = client_for(User.objects.get(email="ana.martin@contoso-partners.example"))
    software = ana.get(reverse("benefits:benefits", args=["software"])).content.decode()
    assert "Office Professional Plus 2024" in software
    grace = client_for(User.objects.get(email="grace.lee@adatum-partners.example"))
    gate = grace.get(reverse("benefits:benefits", args=["software"])).content.decode()
    assert "Join the partner network first" in gate
