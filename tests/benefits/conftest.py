"""A partner organization that is a member of the partner network, its people, and helpers
to buy and provision packages as the portal would."""

import pytest
from django.utils import translation

from benefits.catalogue import catalogue_install_current
from benefits.models import Benefit, BenefitPackage, PackagePurchase
from benefits.services import package_purchase
from portal.tenancy.models import Permission, Role

from ..conftest import (
    actor_of,
    client_for,
)
from ..factories import (
    MembershipFactory,
    PartnerMembershipFactory,
    PartnerOrganizationFactory,
    UserFactory,
)


def member_of(organization, *permissions, role=Role.MEMBER, **user):
    membership = MembershipFactory(organization=organization, role=role, user=UserFactory(**user))
    membership.permissions_set(permissions)
    membership.save()
    return membership.user


@pytest.fixture(autouse=True)
def _english():
    """Messages are read in English unless a test says otherwise, whatever language an
    earlier request left active in this thread."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _catalogue(db):
    """The catalogue is data a migration writes; a test that commits ends with a flush."""
    catalogue_install_current()


@pytest.fixture
def partner():
    return PartnerOrganizationFactory(name="Contoso Partners")


@pytest.fixture
def partner_membership(partner):
    return PartnerMembershipFactory(organization=partner, level="silver")


@pytest.fixture
def ana(partner):
    """The owner: every permission."""
    return member_of(
        partner,
        role=Role.OWNER,
        email="ana.martin@contoso-partners.example",
        full_name="Ana Martin",
    )


@pytest.fixture
def bruno(partner):
    """A member with no permission at all, in French."""
    return member_of(
        partner,
        email="bruno.petit@contoso-partners.example",
        full_name="Bruno Petit",
        preferred_language="fr",
    )


@pytest.fixture
def eve(partner):
    """A member with no permission at all, in English."""
    return member_of(partner, email="eve.laurent@contoso-partners.example", full_name="Eve Laurent")


@pytest.fixture
def chloe(partner):
    """A member who may assign benefits, and nothing else."""
    return member_of(
        partner,
        Permission.ASSIGN_BENEFITS,
        email="chloe.roux@contoso-partners.example",
        full_name="Chloé Roux",
    )


@pytest.fixture
def ana_client(ana):
    return client_for(ana)


@pytest.fixture
def action_pack():
    return BenefitPackage.objects.get(code="action-pack")


def buy(user, organization, package, capture) -> PackagePurchase:
    """Buy `package` and run what the commit triggers: the provisioning task, the emails."""
    with capture(execute=True):
        purchase = package_purchase(actor=actor_of(user, organization), package=package)
    purchase.refresh_from_db()
    return purchase


@pytest.fixture
def provisioned(partner, partner_membership, ana, action_pack, django_capture_on_commit_callbacks):
    """The Action Pack, bought and provisioned."""
    return buy(ana, partner, action_pack, django_capture_on_commit_callbacks)


def benefit(purchase, code) -> Benefit:
    return purchase.benefits.get(product__code=code)
