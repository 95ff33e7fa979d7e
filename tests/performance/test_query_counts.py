"""Every list page makes as many queries for 1,000 rows as for 10, so an N+1 cannot land.

Each case names a page, who looks at it, and how its rows grow. The test shows the page
with 10 rows, then with 1,000, and compares the queries; it also checks the rows are really
on the page, so that a page that shows nothing cannot pass by accident.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import (
    AdminRole,
    Agreement,
    AgreementAdmin,
    AgreementInvitation,
    AgreementLine,
    BulkImport,
    LinkMethod,
    PartnerLink,
    Subscription,
    SubscriptionLevel,
    UsageSnapshot,
)
from alerts.models import Alert, Kind, Severity
from licensing_center.views import LICENSING_SESSION_KEY
from notifications.models import Notification
from portal.accounts.models import User
from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Invitation, Membership, Organization, Role

from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    LicensingContactFactory,
    MembershipFactory,
    PartnerLinkFactory,
    PartnerOrganizationFactory,
)

pytestmark = pytest.mark.django_db

FEW, MANY = 10, 1000
LICENSING_CONTACT = "licensing@contoso.example"


@dataclass
class World:
    """A customer with an onboarded agreement, its super admin, and a partner linked to it
    that is also its partner of record and has a licensing contact."""

    customer: Organization
    agreement: Agreement
    line: AgreementLine
    customer_admin: User
    partner: Organization
    partner_user: User


@pytest.fixture
def world(organization) -> World:
    partner = PartnerOrganizationFactory(name="Contoso Partners")
    partner_user = MembershipFactory(organization=partner, role=Role.OWNER).user
    LicensingContactFactory(organization=partner, email=LICENSING_CONTACT)
    agreement = AgreementFactory(customer_organization=organization, partner_of_record=partner)
    line = AgreementLineFactory(agreement=agreement, seats_purchased=0)
    customer_admin = MembershipFactory(organization=organization, role=Role.OWNER).user
    AgreementAdminFactory(agreement=agreement, user=customer_admin)
    PartnerLinkFactory(agreement=agreement, partner_organization=partner, linked_by=partner_user)
    return World(organization, agreement, line, customer_admin, partner, partner_user)


def _ago(n: int):
    """Row n is n seconds older than row 0, so pages sorted newest first start with row 0."""
    return timezone.now() - timedelta(seconds=n)


def _users(start: int, count: int, domain: str) -> list[User]:
    return User.objects.bulk_create(
        User(
            email=f"row{n:04}@{domain}",
            full_name=f"Row{n:04} Person",
            password="!",
            email_verified_at=timezone.now(),
        )
        for n in range(start, start + count)
    )


def _agreements(start: int, count: int, *, world: World, **fields) -> list[Agreement]:
    """Agreements whose customer is named Row0000 ..., each with one line."""
    level = SubscriptionLevel.objects.get(code="vs-professional")
    agreements = Agreement.objects.bulk_create(
        Agreement(
            authorization_number=f"R{n:09}",
            license_number=f"L{n:09}",
            customer_name=f"Row{n:04} Customer",
            customer_email=f"row{n:04}@customer.example",
            partner_of_record=world.partner,
            status=Agreement.Status.ACTIVE,
            starts_on=date(2026, 1, 1),
            ends_on=date(2028, 12, 31),
            created_at=_ago(n),
            **fields,
        )
        for n in range(start, start + count)
    )
    AgreementLine.objects.bulk_create(
        AgreementLine(agreement=agreement, level=level, seats_purchased=5, seats_assigned=1)
        for agreement in agreements
    )
    return agreements


# How each page's rows grow: (world, first row number, how many).


def grow_subscribers(world: World, start: int, count: int) -> None:
    now = timezone.now()
    Subscription.objects.bulk_create(
        Subscription(
            agreement=world.agreement,
            line=world.line,
            first_name=f"Row{n:04}",
            last_name="Numbered",
            sign_in_email=f"row{n:04}@fabrikam.example",
            last_assignee_email=f"row{n:04}@fabrikam.example",
            assigned_at=now,
            last_assigned_at=now,
        )
        for n in range(start, start + count)
    )
    AgreementLine.objects.filter(pk=world.line.pk).update(
        seats_purchased=F("seats_purchased") + count, seats_assigned=F("seats_assigned") + count
    )


def grow_orders(world: World, start: int, count: int) -> None:
    _agreements(start, count, world=world)


def grow_linked_agreements(world: World, start: int, count: int) -> None:
    agreements = _agreements(start, count, world=world, customer_organization=world.customer)
    PartnerLink.objects.bulk_create(
        PartnerLink(
            agreement=agreement,
            partner_organization=world.partner,
            method=LinkMethod.NEW_LICENSE,
            linked_by=world.partner_user,
        )
        for agreement in agreements
    )


def grow_linked_agreements_with_usage(world: World, start: int, count: int) -> None:
    """Linked agreements, each line with snapshots of the last three days."""
    grow_linked_agreements(world, start, count)
    today = timezone.localdate()
    lines = AgreementLine.objects.filter(
        agreement__authorization_number__in=[f"R{n:09}" for n in range(start, start + count)]
    )
    UsageSnapshot.objects.bulk_create(
        UsageSnapshot(line=line, day=today - timedelta(days=days_ago), max_assigned=days_ago)
        for line in lines
        for days_ago in range(3)
    )


def grow_administered_agreements(world: World, start: int, count: int) -> None:
    """Agreements of the customer organization that its super admin administers."""
    agreements = _agreements(start, count, world=world, customer_organization=world.customer)
    AgreementAdmin.objects.bulk_create(
        AgreementAdmin(agreement=agreement, user=world.customer_admin, role=AdminRole.SUPER_ADMIN)
        for agreement in agreements
    )


def grow_partner_links(world: World, start: int, count: int) -> None:
    partners = Organization.objects.bulk_create(
        Organization(name=f"Row{n:04} Partners", is_partner=True)
        for n in range(start, start + count)
    )
    linkers = _users(start, count, "partners.example")
    PartnerLink.objects.bulk_create(
        PartnerLink(
            agreement=world.agreement,
            partner_organization=partner,
            method=LinkMethod.LICENSING_CENTER,
            linked_by=linker,
            linked_at=_ago(n),
            # Every other one was removed since: the page lists those too.
            status=PartnerLink.Status.REMOVED if n % 2 else PartnerLink.Status.ACTIVE,
            removed_at=_ago(n) if n % 2 else None,
            removed_by=world.customer_admin if n % 2 else None,
        )
        for n, partner, linker in zip(range(start, start + count), partners, linkers, strict=True)
    )


def grow_audit(world: World, start: int, count: int) -> None:
    AuditEntry.objects.bulk_create(
        AuditEntry(
            created_at=_ago(n),
            actor=world.customer_admin,
            actor_email=world.customer_admin.email,
            organization=world.customer,
            agreement=world.agreement,
            action=Action.SUBSCRIPTION_ASSIGNED,
            target_type="subscription",
            target_repr=f"row{n:04}@fabrikam.example",
        )
        for n in range(start, start + count)
    )


def grow_admins(world: World, start: int, count: int) -> None:
    users = _users(start, count, "fabrikam.example")
    AgreementAdmin.objects.bulk_create(
        AgreementAdmin(agreement=world.agreement, user=user, role=AdminRole.ADMIN) for user in users
    )
    AgreementInvitation.objects.bulk_create(
        AgreementInvitation(
            agreement=world.agreement,
            email=f"invited{n:04}@fabrikam.example",
            role=AdminRole.ADMIN,
            invited_by=world.customer_admin,
            expires_at=timezone.now() + timedelta(days=14),
        )
        for n in range(start, start + count)
    )


def grow_members(world: World, start: int, count: int) -> None:
    users = _users(start, count, "fabrikam.example")
    Membership.objects.bulk_create(
        Membership(user=user, organization=world.customer, role=Role.MEMBER) for user in users
    )
    Invitation.objects.bulk_create(
        Invitation(
            organization=world.customer,
            email=f"invited{n:04}@fabrikam.example",
            invited_by=world.customer_admin,
            expires_at=timezone.now() + timedelta(days=14),
        )
        for n in range(start, start + count)
    )


def grow_notifications(world: World, start: int, count: int) -> None:
    Notification.objects.bulk_create(
        Notification(
            kind="subscription_assigned",
            dedupe_key=f"bench:{n}",
            recipient=f"row{n:04}@fabrikam.example",
            language="en",
            organization=world.customer,
            status=Notification.Status.SENT,
            created_at=_ago(n),
        )
        for n in range(start, start + count)
    )


def grow_my_subscriptions(world: World, start: int, count: int) -> None:
    """Subscriptions of the customer admin's own email, on as many agreements."""
    agreements = _agreements(start, count, world=world, customer_organization=world.customer)
    lines = AgreementLine.objects.filter(agreement__in=agreements).select_related("agreement")
    now = timezone.now()
    email = world.customer_admin.email
    subscriptions = Subscription.objects.bulk_create(
        Subscription(
            agreement=line.agreement,
            line=line,
            sign_in_email=email,
            last_assignee_email=email,
            assigned_at=now,
            last_assigned_at=now,
        )
        for line in lines
    )
    # Opened before, as a page one revisits is: a visit that records their first opening
    # writes a fixed number of queries more (tests/agreements/test_activity.py counts it).
    Subscription.objects.filter(pk__in=[subscription.pk for subscription in subscriptions]).update(
        activated_at=now, last_seen_at=now
    )


def grow_usage(world: World, start: int, count: int) -> None:
    today = timezone.localdate()
    UsageSnapshot.objects.bulk_create(
        UsageSnapshot(line=world.line, day=today - timedelta(days=n), max_assigned=n % 7)
        for n in range(start, start + count)
    )


def grow_uploads(world: World, start: int, count: int) -> None:
    BulkImport.objects.bulk_create(
        BulkImport(
            agreement=world.agreement,
            uploaded_by=world.customer_admin,
            organization=world.customer,
            kind=BulkImport.Kind.ADD,
            file_name=f"row{n:04}.xlsx",
            content=b"",
            status=BulkImport.Status.FAILED,
            result=b"errors" if n % 2 else None,
            created_at=_ago(n),
        )
        for n in range(start, start + count)
    )


def grow_alerts(world: World, start: int, count: int) -> None:
    """Open alerts of the partner about the agreement, every third one critical."""
    Alert.objects.bulk_create(
        Alert(
            organization=world.partner,
            kind=Kind.AGREEMENT_ENDING,
            severity=Severity.WARNING if n % 3 else Severity.CRITICAL,
            agreement=world.agreement,
            key=f"bench:{n}",
            args={
                "customer_name": f"Row{n:04} Customer",
                "authorization_number": f"R{n:09}",
                "ends_on": "2028-12-31",
            },
            created_at=_ago(n),
        )
        for n in range(start, start + count)
    )


def _agreement_url(name: str) -> Callable[[World], str]:
    return lambda world: reverse(f"agreements:{name}", args=[world.agreement.public_id])


def _url(name: str) -> Callable[[World], str]:
    return lambda world: reverse(name)


@dataclass(frozen=True)
class ListPage:
    name: str
    url: Callable[[World], str]
    viewer: str  # "customer" (the agreement's super admin, an owner) or "partner"
    grow: Callable[[World, int, int], None]
    # Text of the first row, on the page at 10 rows and still at 1,000; None: no row text.
    first_row: str | None = "row0000"


LIST_PAGES = [
    ListPage("subscribers grid", _agreement_url("subscribers"), "customer", grow_subscribers),
    ListPage("orders", _url("agreements:orders"), "partner", grow_orders),
    ListPage("partners", _agreement_url("partners"), "customer", grow_partner_links),
    ListPage("agreement history", _agreement_url("history"), "customer", grow_audit),
    ListPage("organization history", _url("tenancy:history"), "customer", grow_audit),
    ListPage("administrators", _agreement_url("administrators"), "customer", grow_admins),
    ListPage(
        "notifications", _url("notifications:organization_list"), "customer", grow_notifications
    ),
    ListPage("my subscriptions", _url("my_subscriptions"), "customer", grow_my_subscriptions),
    ListPage("usage", _agreement_url("usage"), "customer", grow_usage, first_row=None),
    ListPage(
        "licensing relationships",
        _url("licensing_center:relationships"),
        "licensing contact",
        grow_orders,
    ),
    ListPage("members", _url("tenancy:members"), "customer", grow_members),
    ListPage("home and agreements menu", _url("home"), "partner", grow_linked_agreements),
    ListPage("recent uploads", _agreement_url("workbook_add"), "customer", grow_uploads),
    ListPage("command center", _url("command_center:index"), "partner", grow_linked_agreements),
    ListPage(
        "command center sorted by free seats, filtered",
        lambda world: reverse("command_center:index") + "?sort=-free&ending=3650&free=0",
        "partner",
        grow_linked_agreements,
    ),
    ListPage(
        "command center of a customer's admin",
        _url("command_center:index"),
        "customer",
        grow_administered_agreements,
    ),
    ListPage(
        "reclaim",
        lambda world: reverse("command_center:reclaim") + "?never=0",
        "partner",
        grow_subscribers,
    ),
    ListPage(
        "pictures of use",
        lambda world: reverse("command_center:usage_chart", args=[world.agreement.public_id]),
        "customer",
        grow_usage,
        first_row=None,
    ),
    ListPage("alerts", _url("alerts:list"), "partner", grow_alerts),
    ListPage(
        "alerts, second page",
        lambda world: reverse("alerts:list") + "?page=2",
        "partner",
        grow_alerts,
        first_row=None,
    ),
    ListPage(
        "pictures of use across customers",
        _url("command_center:usage"),
        "partner",
        grow_linked_agreements_with_usage,
        # Every agreement's one line is of this level: the page has its chart.
        first_row="Visual Studio Professional",
    ),
    ListPage(
        "person search across customers",
        lambda world: reverse("command_center:people") + "?q=numbered",
        "partner",
        grow_subscribers,
    ),
]


def _client(world: World, viewer: str) -> Client:
    client = Client()
    if viewer == "licensing contact":
        session = client.session
        session[LICENSING_SESSION_KEY] = LICENSING_CONTACT
        session.save()
        return client
    client.force_login(world.customer_admin if viewer == "customer" else world.partner_user)
    return client


def _show(client: Client, url: str, first_row: str | None) -> CaptureQueriesContext:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    if first_row is not None:
        assert first_row.casefold() in response.content.decode().casefold()
    return queries


@pytest.mark.parametrize("page", LIST_PAGES, ids=[page.name for page in LIST_PAGES])
def test_a_list_page_makes_as_many_queries_for_1000_rows_as_for_10(world, page):
    client = _client(world, page.viewer)
    url = page.url(world)
    page.grow(world, 0, FEW)
    client.get(url)  # the first request fills caches and the session

    with_few = _show(client, url, page.first_row)
    page.grow(world, FEW, MANY - FEW)
    with_many = _show(client, url, page.first_row)

    assert len(with_many) == len(with_few), "\n".join(
        query["sql"] for query in with_many.captured_queries
    )
