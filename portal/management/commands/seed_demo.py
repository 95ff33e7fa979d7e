from datetime import date

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from agreements.models import Agreement, AgreementLine, SubscriptionLevel
from benefits.models import PartnerMembership
from portal.accounts.models import User
from portal.tenancy.context import actor_build
from portal.tenancy.models import Membership, Organization, Role
from portal.tenancy.services import organization_create

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105  (printed for the demo, by design)

USERS = [
    ("ana.martin@contoso-partners.example", "Ana Martin", "en"),
    ("bruno.petit@contoso-partners.example", "Bruno Petit", "fr"),
    ("chloe.durand@fabrikam.example", "Chloé Durand", "fr"),
    ("david.kim@northwind.example", "David Kim", "en"),
]

ORGANIZATIONS = [
    # name, owner, other members, customer, partner, country, language
    (
        "Contoso Partners",
        "ana.martin@contoso-partners.example",
        [("bruno.petit@contoso-partners.example", Role.MEMBER)],
        False,
        True,
        "FR",
        "fr",
    ),
    ("Fabrikam Ltd", "chloe.durand@fabrikam.example", [], True, False, "FR", "fr"),
    ("Northwind Traders", "david.kim@northwind.example", [], True, False, "US", "en"),
]

AGREEMENTS = [
    # authorization, license, customer org, customer email, lines
    (
        "V4820193",
        "68120455",
        "Fabrikam Ltd",
        "chloe.durand@fabrikam.example",
        [("vs-enterprise", 10), ("vs-professional", 25)],
    ),
    (
        "V5531876",
        "71934402",
        "Northwind Traders",
        "david.kim@northwind.example",
        [("vs-professional", 5), ("msdn-platforms", 3)],
    ),
]


class Command(BaseCommand):
    help = "Create a believable demo world. Running it again changes nothing."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        users = {email: self._user(email, name, lang) for email, name, lang in USERS}
        staff = self._user("operator@portal.example", "Portal Operator", "en", staff=True)
        organizations = {}
        for name, owner, others, customer, partner, country, lang in ORGANIZATIONS:
            organization = Organization.objects.filter(name=name).first()
            if organization is None:
                organization = organization_create(
                    actor=actor_build(user=users[owner]),
                    name=name,
                    is_customer=customer,
                    is_partner=partner,
                    country=country,
                    default_language=lang,
                )
            for email, role in others:
                Membership.objects.get_or_create(
                    user=users[email], organization=organization, defaults={"role": role}
                )
            organizations[name] = organization

        partner = organizations["Contoso Partners"]
        year = timezone.localdate().year
        for authorization, license_number, customer, email, lines in AGREEMENTS:
            agreement, _ = Agreement.objects.get_or_create(
                authorization_number=authorization,
                defaults={
                    "license_number": license_number,
                    "customer_email": email,
                    "customer_organization": organizations[customer],
                    "partner_of_record": partner,
                    "status": Agreement.Status.ACTIVE,
                    "starts_on": date(year, 1, 1),
                    "ends_on": date(year + 2, 12, 31),
                    "default_language": organizations[customer].default_language,
                    "country": organizations[customer].country,
                },
            )
            for code, seats in lines:
                AgreementLine.objects.get_or_create(
                    agreement=agreement,
                    level=SubscriptionLevel.objects.get(code=code),
                    defaults={"seats_purchased": seats},
                )
        PartnerMembership.objects.get_or_create(
            organization=partner,
            starts_on=date(year, 1, 1),
            defaults={"level": PartnerMembership.Level.ACTION_PACK, "ends_on": date(year, 12, 31)},
        )

        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in at /accounts/sign-in/ with:")
        )
        for email, name, _lang in USERS:
            orgs = ", ".join(m.organization.name for m in users[email].memberships.all())
            self.stdout.write(f"  {email:42} {DEMO_PASSWORD}   ({name}, {orgs})")
        self.stdout.write(f"  {staff.email:42} {DEMO_PASSWORD}   (staff: /admin/)")

    def _user(self, email: str, name: str, language: str, staff: bool = False) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                full_name=name,
                preferred_language=language,
                email_verified_at=timezone.now(),
                is_staff=staff,
                is_superuser=staff,
            )
        return user
