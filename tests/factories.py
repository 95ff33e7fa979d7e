from datetime import date, timedelta

import factory
from django.utils import timezone

from agreements.models import (
    AdminRole,
    Agreement,
    AgreementAdmin,
    AgreementLine,
    LicensingContact,
    LinkMethod,
    PartnerLink,
    SubscriptionLevel,
)
from portal.accounts.models import User
from portal.tenancy.models import Invitation, Membership, Organization, Role

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    preferred_language = "en"
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    is_customer = True
    is_partner = False
    country = "FR"


class PartnerOrganizationFactory(OrganizationFactory):
    is_customer = False
    is_partner = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.MEMBER
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    authorization_number = factory.Sequence(lambda n: f"V{1000000 + n}")
    license_number = factory.Sequence(lambda n: f"{60000000 + n}")
    customer_name = factory.Sequence(lambda n: f"Customer {n}")
    customer_email = factory.Sequence(lambda n: f"buyer{n}@customer.example")
    customer_organization = factory.SubFactory(OrganizationFactory)
    partner_of_record = factory.SubFactory(PartnerOrganizationFactory)
    status = Agreement.Status.ACTIVE
    starts_on = date(2026, 1, 1)
    ends_on = date(2028, 12, 31)


class AgreementLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementLine

    agreement = factory.SubFactory(AgreementFactory)
    level = factory.LazyFunction(lambda: SubscriptionLevel.objects.get(code="vs-enterprise"))
    seats_purchased = 10


class AgreementAdminFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementAdmin

    agreement = factory.SubFactory(AgreementFactory)
    user = factory.SubFactory(UserFactory)
    role = AdminRole.SUPER_ADMIN


class PartnerLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerLink

    agreement = factory.SubFactory(AgreementFactory)
    partner_organization = factory.SubFactory(PartnerOrganizationFactory)
    method = LinkMethod.NEW_LICENSE
    linked_by = factory.SubFactory(UserFactory)


class LicensingContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LicensingContact

    organization = factory.SubFactory(PartnerOrganizationFactory)
    email = factory.Sequence(lambda n: f"licensing{n}@partner.example")


# Partner network benefits ---------------------------------------------------------------


class PartnerMembershipFactory(factory.django.DjangoModelFactory):
    """A current one-year membership of the partner network."""

    class Meta:
        model = "benefits.PartnerMembership"

    organization = factory.SubFactory(PartnerOrganizationFactory)
    level = "action_pack"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=364))


class BenefitProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "benefits.BenefitProduct"

    code = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    kind = "software"
    instructions = "Use one key per computer."


class BenefitPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "benefits.BenefitPackage"

    code = factory.Sequence(lambda n: f"package-{n}")
    name = factory.Sequence(lambda n: f"Package {n}")


class PackageGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "benefits.PackageGrant"

    package = factory.SubFactory(BenefitPackageFactory)
    product = factory.SubFactory(BenefitProductFactory)
    quantity = 5
    unit = "licences"
    key_count = 1
