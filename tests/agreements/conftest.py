"""A partner, a customer with an onboarded agreement, and clients for the people involved."""

import pytest
from django.test import Client

from portal.tenancy.models import Role

from ..conftest import client_for
from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    PartnerOrganizationFactory,
    UserFactory,
)

BASE = "https://portal.test"


def link_in(message, path_prefix: str) -> str:
    """The portal path of the first link in `message` that starts with `path_prefix`."""
    url = next(word for word in message.body.split() if word.startswith(BASE + path_prefix))
    return url.removeprefix(BASE)


@pytest.fixture
def partner():
    return PartnerOrganizationFactory(name="Contoso Partners")


@pytest.fixture
def partner_user(partner):
    return MembershipFactory(
        organization=partner,
        role=Role.OWNER,
        user=UserFactory(email="bruno.petit@contoso-partners.example", full_name="Bruno Petit"),
    ).user


@pytest.fixture
def partner_client(partner_user) -> Client:
    return client_for(partner_user)


@pytest.fixture
def agreement(organization):
    """An onboarded Open License of Fabrikam Ltd, sold by another partner, in French."""
    agreement = AgreementFactory(
        customer_organization=organization,
        customer_name="Fabrikam Ltd",
        customer_email="it@fabrikam.example",
        authorization_number="V482019301",
        license_number="6812045501",
        default_language="fr",
    )
    AgreementLineFactory(agreement=agreement, seats_purchased=20)
    return agreement


@pytest.fixture
def super_admin(agreement, organization):
    # Reads the portal in English, while the agreement's language is French.
    user = UserFactory(email="chloe.durand@fabrikam.example", preferred_language="en")
    MembershipFactory(organization=organization, user=user, role=Role.OWNER)
    AgreementAdminFactory(agreement=agreement, user=user)
    return user


@pytest.fixture
def customer_client(super_admin) -> Client:
    return client_for(super_admin)


@pytest.fixture
def claim(agreement) -> dict:
    """The flow-1 form, filled in as printed on the agreement."""
    return {
        "authorization_number": agreement.authorization_number,
        "license_number": agreement.license_number,
        "customer_email": agreement.customer_email,
        "confirm": "on",
    }
