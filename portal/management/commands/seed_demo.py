from datetime import date

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from agreements.models import Agreement, AgreementInvitation, LicensingContact, SubscriptionLevel
from agreements.onboarding.services import agreement_invitation_accept
from agreements.orders.services import order_place
from agreements.partner_links.services.claims import OpenLicenseClaim, partner_link_claim
from agreements.subscribers.services.assignments import SubscriberDetails, subscriptions_assign_bulk
from alerts.services import alerts_evaluate
from benefits.models import BenefitPackage, PackagePurchase, PartnerMembership
from benefits.services import package_provision, package_purchase
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
    # Belongs to no organization: tries flow 3 (OLP partner registration).
    ("frank.olsen@litware-partners.example", "Frank Olsen", "en"),
]

# A partner organization that has not joined the partner network: Benefits tells it to.
NON_MEMBER_PARTNER = "Adatum Partners"
NON_MEMBER_PARTNER_OWNER = "grace.lee@adatum-partners.example"

# Registered by Contoso Partners in the licensing service center, with no portal account
# yet: tries flow 2 (sign in to /licensing/, then sign up to the portal with this address).
LICENSING_CONTACT = "eve.moreau@contoso-partners.example"

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
    # authorization, license, customer name, customer email, customer org (None: not onboarded),
    # lines, partner link (linked by), for which flow
    (
        "V482019301",
        "6812045501",
        "Fabrikam Ltd",
        "chloe.durand@fabrikam.example",
        "Fabrikam Ltd",
        [("vs-enterprise", 10), ("vs-professional", 25)],
        None,  # flow 1: Ana links it with "+ New Open License"; flow 2 with Eve
    ),
    (
        "V553187602",
        "7193440211",
        "Northwind Traders",
        "david.kim@northwind.example",
        "Northwind Traders",
        [("vs-professional", 5), ("msdn-platforms", 3)],
        "bruno.petit@contoso-partners.example",  # David can remove Contoso's access
    ),
    (
        "V661042703",
        "8023157712",
        "Tailspin Toys",
        "ops@tailspin.example",
        None,
        [("vs-test-professional", 4)],
        None,  # flow 3: Frank registers as an OLP partner with these values
    ),
]


# Fabrikam's subscribers, so that the grid, the exports and Maximum usage have something
# to show: first name, last name, level, reference, language.
SUBSCRIBERS = [
    ("Léa", "Bernard", "vs-enterprise", "R&D", "fr"),
    ("Hugo", "Lefebvre", "vs-enterprise", "R&D", "fr"),
    ("Camille", "Moreau", "vs-professional", "Web", "fr"),
    ("Nina", "Schmidt", "vs-professional", "Web", "en"),
    ("Omar", "Haddad", "vs-professional", "QA", "fr"),
    ("Sofia", "Rossi", "vs-professional", "Data", "en"),
    ("Thomas", "Girard", "vs-enterprise", "Platform", "fr"),
    ("Yuki", "Tanaka", "vs-professional", "Mobile", "en"),
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
        LicensingContact.objects.get_or_create(organization=partner, email=LICENSING_CONTACT)
        for row in AGREEMENTS:
            if not Agreement.objects.filter(authorization_number=row[0]).exists():
                self._agreement(row, partner=partner, users=users, organizations=organizations)
        year = timezone.localdate().year
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
            self.stdout.write(
                f"  {email:42} {DEMO_PASSWORD}   ({name}, {orgs or 'no organization'})"
            )
        self.stdout.write(f"  {staff.email:42} {DEMO_PASSWORD}   (staff: /admin/)")
        self.stdout.write("Open Licenses (authorization / license / customer email):")
        for authorization, license_number, name, email, *_rest in AGREEMENTS:
            self.stdout.write(f"  {authorization} / {license_number} / {email}   ({name})")
        self.stdout.write(f"Licensing service center contact (/licensing/): {LICENSING_CONTACT}")
        self._subscribers(customer=users["chloe.durand@fabrikam.example"])
        self._benefits(partner=partner, users=users)
        # The evaluation beat runs nightly (the demo has no beat), so the bell shows what the
        # demo's data raises as soon as it is seeded. Running it again changes nothing.
        counts = alerts_evaluate(today=timezone.localdate())
        self.stdout.write(f"Alerts: {counts.raised} raised, {counts.resolved} resolved.")

    def _agreement(self, row, *, partner, users, organizations) -> None:
        """One Open License as people would have made it: Ana orders it, the customer's
        owner accepts the invitation into their organization, and the linker links it by
        "+ New Open License"; History, audit and emails are theirs."""
        authorization, license_number, name, email, customer, lines, linker = row
        levels = {level.code: level for level in SubscriptionLevel.objects.all()}
        organization = organizations.get(customer)
        ana = users["ana.martin@contoso-partners.example"]
        agreement = order_place(
            actor=actor_build(user=ana, organization_id=partner.pk),
            partner=partner,
            customer_name=name,
            customer_email=email,
            seats={levels[code]: seats for code, seats in lines},
            default_language=organization.default_language if organization else "en",
            country=organization.country if organization else "GB",
            numbers=(authorization, license_number),
        )
        if organization is not None:
            agreement_invitation_accept(
                actor=actor_build(user=users[email], organization_id=organization.pk),
                invitation=AgreementInvitation.objects.get(agreement=agreement, email=email),
                organization=organization,
            )
        if linker:
            partner_link_claim(
                actor=actor_build(user=users[linker], organization_id=partner.pk),
                claim=OpenLicenseClaim(
                    authorization_number=authorization,
                    license_number=license_number,
                    customer_email=email,
                ),
            )

    def _subscribers(self, *, customer: User) -> None:
        agreement = Agreement.objects.get(authorization_number="V482019301")
        if agreement.subscriptions.exists():
            return
        levels = {level.code: level for level in SubscriptionLevel.objects.all()}
        rows = [
            (
                levels[code],
                SubscriberDetails(
                    first_name=first,
                    last_name=last,
                    sign_in_email=f"{first}.{last}@fabrikam.example".lower().replace("é", "e"),
                    reference=reference,
                    country="FR",
                    language=language,
                ),
            )
            for first, last, code, reference, language in SUBSCRIBERS
        ]
        subscriptions_assign_bulk(
            actor=actor_build(user=customer, organization_id=agreement.customer_organization_id),
            agreement=agreement,
            rows=rows,
        )

    def _benefits(self, *, partner: Organization, users: dict[str, User]) -> None:
        """Contoso Partners, a member, has its Action Pack provisioned; Bruno may assign
        benefits but not see keys. Adatum Partners is a partner that has not joined."""
        ana = users["ana.martin@contoso-partners.example"]
        bruno = partner.memberships.get(user__email="bruno.petit@contoso-partners.example")
        if not bruno.can_assign_benefits:
            bruno.can_assign_benefits = True
            bruno.save(update_fields=["can_assign_benefits"])
        membership = PartnerMembership.objects.filter(organization=partner).current().first()
        if not PackagePurchase.objects.filter(membership=membership).exists():
            purchase = package_purchase(
                actor=actor_build(user=ana, organization_id=partner.pk),
                package=BenefitPackage.objects.get(code="action-pack"),
            )
            # Provisioned now rather than by a worker, so the demo is ready when this ends;
            # the queued task then finds nothing left to do.
            package_provision(purchase_id=purchase.pk)
        grace = self._user(NON_MEMBER_PARTNER_OWNER, "Grace Lee", "en")
        if not Organization.objects.filter(name=NON_MEMBER_PARTNER).exists():
            organization_create(
                actor=actor_build(user=grace),
                name=NON_MEMBER_PARTNER,
                is_partner=True,
                country="GB",
                default_language="en",
            )
        self.stdout.write(
            f"Partner network benefits (/partnership/benefits/): Contoso Partners is a member "
            f"with a provisioned Action Pack; {NON_MEMBER_PARTNER} is not a member yet:\n"
            f"  {grace.email:42} {DEMO_PASSWORD}   (Grace Lee, {NON_MEMBER_PARTNER})"
        )

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
