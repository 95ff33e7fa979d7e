"""The people and data the security tests attack with: two customers, each with an onboarded
Open License and a subscriber, and a partner."""

from dataclasses import dataclass

from django.test import Client

from agreements.models import Agreement, Subscription, SubscriptionLevel
from agreements.services.subscriptions import SubscriberDetails, subscription_assign
from portal.accounts.models import User
from portal.tenancy.context import actor_build
from portal.tenancy.models import Organization, Role
from tests.factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerOrganizationFactory,
    UserFactory,
)


def client_for(user: User, ip_address: str = "127.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=ip_address)
    client.force_login(user)
    return client


@dataclass
class Customer:
    organization: Organization
    owner: User
    agreement: Agreement
    subscription: Subscription

    @property
    def level(self) -> SubscriptionLevel:
        return self.subscription.line.level


def customer_make(name: str) -> Customer:
    """A customer organization whose owner is the super admin of its agreement, which has
    one level (Enterprise) with one subscriber."""
    slug = name.lower().replace(" ", "-")
    organization = OrganizationFactory(name=name)
    owner = MembershipFactory(
        organization=organization,
        role=Role.OWNER,
        user=UserFactory(email=f"owner@{slug}.example", full_name=f"{name} Owner"),
    ).user
    agreement = AgreementFactory(
        customer_organization=organization,
        customer_name=name,
        customer_email=f"it@{slug}.example",
    )
    AgreementLineFactory(agreement=agreement, seats_purchased=20)
    AgreementAdminFactory(agreement=agreement, user=owner)
    level = agreement.lines.get().level
    subscription = subscription_assign(
        actor=actor_build(user=owner, organization_id=organization.pk),
        agreement=agreement,
        level=level,
        details=SubscriberDetails(
            first_name="Sam", last_name="Subscriber", sign_in_email=f"sam@{slug}.example"
        ),
    )
    return Customer(organization, owner, agreement, subscription)


def partner_make(name: str = "Contoso Partners") -> tuple[Organization, User]:
    partner = PartnerOrganizationFactory(name=name)
    user = MembershipFactory(organization=partner, role=Role.OWNER).user
    return partner, user
