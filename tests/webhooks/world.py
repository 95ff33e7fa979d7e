"""A customer with one agreement of ten seats, and a partner linked to it, each with an
owner who may register webhook endpoints."""

from dataclasses import dataclass

from agreements.models import Agreement, AgreementLine, PartnerLink, Subscription
from agreements.subscribers.services.assignments import subscription_assign
from agreements.subscribers.services.seats import SubscriberDetails
from portal.accounts.models import User
from portal.tenancy.models import Organization, Role

from ..conftest import actor_of
from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerLinkFactory,
    PartnerOrganizationFactory,
    UserFactory,
)


@dataclass
class World:
    customer: Organization
    boss: User
    agreement: Agreement
    line: AgreementLine
    partner: Organization
    partner_owner: User
    link: PartnerLink

    def assign(self, email: str, *, first: str = "Ana", last: str = "Martin") -> Subscription:
        return subscription_assign(
            actor=actor_of(self.boss, self.customer),
            agreement=self.agreement,
            level=self.line.level,
            details=SubscriberDetails(first_name=first, last_name=last, sign_in_email=email),
        )


def world_make(seats: int = 10) -> World:
    customer = OrganizationFactory(name="Contoso", is_customer=True)
    boss = UserFactory(email="boss@contoso.example")
    MembershipFactory(organization=customer, user=boss, role=Role.OWNER)
    agreement = AgreementFactory(customer_organization=customer, customer_name="Contoso")
    line = AgreementLineFactory(agreement=agreement, seats_purchased=seats)
    AgreementAdminFactory(agreement=agreement, user=boss)
    partner = PartnerOrganizationFactory(name="Fabrikam Partners")
    partner_owner = UserFactory(email="owner@fabrikam.example")
    MembershipFactory(organization=partner, user=partner_owner, role=Role.OWNER)
    link = PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    return World(customer, boss, agreement, line, partner, partner_owner, link)
