"""Every URL of the project, called by everyone who must not see a customer's data.

The sweep walks the URL conf itself, so a new page is swept without anyone adding it. Each
parameter is filled with an object of the victim organizations; every pattern is called with
GET and POST, plain and htmx, by each role of a foreign customer, each role of a foreign
partner, a partner whose link to the victim's agreement was removed, and an anonymous
visitor. Pages that name a victim object must answer 404 (anonymous visitors: the sign-in
page); no answer may carry a victim's name, email, number or product key; and no probe may
write anything. A pattern with a parameter the sweep does not know fails the test until it
is taught below.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import serializers
from django.db.models import Max
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from agreements.models import Agreement, AgreementAdmin, BulkImport, PartnerLink, Subscription
from agreements.subscribers.services.assignments import SubscriberDetails, subscription_assign
from alerts.models import Alert, Kind, Severity
from api.services import api_token_create
from benefits.catalogue import catalogue_install_current
from benefits.crypto import key_decrypt
from benefits.models import Benefit, BenefitAssignment, BenefitPackage, ProductKey
from benefits.services import benefit_assign, package_purchase
from command_center.models import AgreementTag, Tag
from portal.tenancy.models import Invitation, Membership, Role
from webhooks.services import webhook_endpoint_create, webhook_ping

from ..conftest import actor_of
from ..factories import (
    AgreementAdminFactory,
    AgreementFactory,
    AgreementLineFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerLinkFactory,
    PartnerMembershipFactory,
    PartnerOrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
SIGN_IN = "/accounts/sign-in/"
# Apps whose tables a probe must never change (sessions and axes' logs may change: a probe
# signs in, and a foreign visitor's own session is theirs).
WATCHED_APPS = (
    "accounts",
    "tenancy",
    "audit",
    "agreements",
    "benefits",
    "notifications",
    "api",
    "command_center",
    "webhooks",
    "alerts",
)


@dataclass
class Victims:
    """The organizations under attack, their objects, and the strings that must not leak."""

    params: dict[str, object]
    markers: list[str]
    rows: list = field(default_factory=list)


def _victims(capture) -> Victims:
    customer = OrganizationFactory(name="Victim Industries", is_customer=True)
    boss = UserFactory(email="victor.boss@victim-industries.example", full_name="Victor Boss")
    MembershipFactory(organization=customer, user=boss, role=Role.OWNER)
    clerk_membership = MembershipFactory(
        organization=customer,
        user=UserFactory(email="clara.clerk@victim-industries.example", full_name="Clara Clerk"),
    )
    agreement = AgreementFactory(
        customer_organization=customer,
        customer_name="Victim Industries",
        customer_email="licensing@victim-industries.example",
        authorization_number="V990011223",
        license_number="9900112233",
    )
    AgreementLineFactory(agreement=agreement, seats_purchased=10)
    AgreementAdminFactory(agreement=agreement, user=boss)
    deputy = AgreementAdminFactory(
        agreement=agreement,
        user=UserFactory(email="dora.deputy@victim-industries.example", full_name="Dora Deputy"),
        role="admin",
    )
    with capture(execute=True):
        subscription = subscription_assign(
            actor=actor_of(boss, customer),
            agreement=agreement,
            level=agreement.lines.get().level,
            details=SubscriberDetails(
                first_name="Valentina",
                last_name="Victimova",
                sign_in_email="valentina.victimova@victim-industries.example",
                reference="VICTIM-REF-77",
            ),
        )
    bulk_import = BulkImport.objects.create(
        agreement=agreement,
        uploaded_by=boss,
        organization=customer,
        kind=BulkImport.Kind.ADD,
        file_name="victim-secret-roster.xlsx",
        content=b"not read by the sweep",
    )
    trusted = PartnerOrganizationFactory(name="Trusted Victim Partner")
    active_link = PartnerLinkFactory(agreement=agreement, partner_organization=trusted)
    # The trusted partner's own label on the agreement: nobody else may read it.
    tag = Tag.objects.create(organization=trusted, name="Trusted Partner Secret Tag")
    AgreementTag.objects.create(tag=tag, agreement=agreement)
    # The trusted partner's alert about the agreement (a dismissable one): nobody else may
    # read or dismiss it, the customer's own people included (it is the partner's).
    alert = Alert.objects.create(
        organization=trusted,
        kind=Kind.PARTNER_ACCESS_ENDING,
        severity=Severity.WARNING,
        agreement=agreement,
        key=f"partner_access_ending:{active_link.pk}:2030-01-01",
        args={
            "customer_name": "Victim Industries",
            "authorization_number": "V990011223",
            "partner_name": "Trusted Victim Partner",
            "ends_on": "2030-01-01",
        },
    )
    invitation = InvitationFactory(
        organization=customer, email="new.hire@victim-industries.example", invited_by=boss
    )

    # The victim's partner side: a member of the partner network with a provisioned package.
    catalogue_install_current()
    partner = PartnerOrganizationFactory(name="Victim Partner Network Co")
    PartnerMembershipFactory(organization=partner)
    owner = MembershipFactory(
        organization=partner,
        role=Role.OWNER,
        user=UserFactory(email="penny.partner@victim-partner.example", full_name="Penny Partner"),
    ).user
    with capture(execute=True):
        purchase = package_purchase(
            actor=actor_of(owner, partner),
            package=BenefitPackage.objects.get(code="action-pack"),
        )
    keyed = Benefit.objects.filter(purchase=purchase, keys__isnull=False).first()
    visual_studio = Benefit.objects.filter(purchase=purchase, kind="visual_studio").first()
    with capture(execute=True):
        assignment = benefit_assign(
            actor=actor_of(owner, partner), benefit=visual_studio, user=owner
        )
    product_keys = [key_decrypt(key.ciphertext) for key in ProductKey.objects.all()]
    api_token, _secret = api_token_create(
        actor=actor_of(boss, customer), name="Victim Nightly Sync", scope="write"
    )
    endpoint = webhook_endpoint_create(
        actor=actor_of(boss, customer),
        url="https://hooks.victim-industries.example/portal",
        events=["subscription.assigned"],
    )
    # Written, not sent: the test's transaction never commits it to a worker.
    delivery = webhook_ping(actor=actor_of(boss, customer), endpoint=endpoint)

    return Victims(
        params={
            "agreement": agreement.public_id,
            "subscription": subscription.guid,
            "bulk_import": bulk_import.public_id,
            "partner_link": active_link.public_id,
            "agreement_admin": deputy.pk,
            "membership": clerk_membership.public_id,
            "invitation": invitation.public_id,
            "benefit": keyed.public_id,
            "assignment": assignment.public_id,
            "api_token": api_token.public_id,
            "webhook_endpoint": endpoint.public_id,
            "webhook_delivery": delivery.public_id,
            "alert": alert.public_id,
        },
        markers=[
            "Victim Industries",
            "V990011223",
            "9900112233",
            "victim-industries.example",
            "Victor Boss",
            "Clara Clerk",
            "Dora Deputy",
            "Valentina",
            "Victimova",
            "VICTIM-REF-77",
            "victim-secret-roster",
            "Trusted Victim Partner",
            "Trusted Partner Secret Tag",
            "Victim Partner Network Co",
            "Penny Partner",
            "Victim Nightly Sync",
            "victim-partner.example",
            *product_keys,
        ],
        rows=[
            customer,
            agreement,
            *agreement.lines.all(),
            *Subscription.objects.filter(agreement=agreement),
            *AgreementAdmin.objects.filter(agreement=agreement),
            *PartnerLink.objects.filter(agreement=agreement),
            bulk_import,
            tag,
            *AgreementTag.objects.filter(tag=tag),
            *Membership.objects.filter(organization__in=[customer, partner]),
            *Invitation.objects.filter(organization=customer),
            partner,
            *Benefit.objects.filter(organization=partner),
            *BenefitAssignment.objects.filter(benefit__organization=partner),
            *ProductKey.objects.filter(benefit__organization=partner),
            api_token,
            endpoint,
            delivery,
            delivery.event,
            alert,
        ],
    )


# How to fill each parameter: (URL namespace, parameter) -> a victim object's key in
# Victims.params, or a literal for parameters that name no tenant data.
FILL = {
    ("agreements", "public_id"): "agreement",
    ("licensing_center", "public_id"): "agreement",
    ("agreements", "guid"): "subscription",
    ("agreements", "import_id"): "bulk_import",
    ("agreements", "link_id"): "partner_link",
    ("agreements", "admin_id"): "agreement_admin",
    ("benefits", "public_id"): "benefit",
    ("benefits", "assignment_id"): "assignment",
    ("api", "agreement_id"): "agreement",
    ("api", "subscriber_id"): "subscription",
    ("api_tokens", "public_id"): "api_token",
    ("command_center", "public_id"): "agreement",
    ("api", "link_id"): "partner_link",
    ("api", "benefit_id"): "benefit",
    ("api", "assignment_id"): "assignment",
    ("webhooks", "public_id"): "webhook_endpoint",
    ("alerts", "public_id"): "alert",
}
FILL_BY_NAME = {
    "tenancy:membership_permissions": {"public_id": "membership"},
    "tenancy:membership_remove": {"public_id": "membership"},
    "tenancy:invitation_revoke": {"public_id": "invitation"},
    "tenancy:invitation_resend": {"public_id": "invitation"},
    "webhooks:delivery": {"public_id": "webhook_delivery"},
    "webhooks:delivery_redeliver": {"public_id": "webhook_delivery"},
}
# Parameters that are capabilities (signed tokens) or catalogue data, not tenant objects.
LITERALS = {
    "token": "forged-token-abc",
    "uidb64": "MQ",
    "code": "action-pack",
    "tab": "software",
    "kind": "invitation",
    "language": "fr",
}
ADMIN_LITERALS = {"app_label": "agreements", "url": "x"}
# Patterns that open on a signed token: a forged one must get nowhere, but the answer is a
# page that says so, not a 404.
TOKEN_PAGES = {
    "tenancy:invitation_accept",
    "accounts:verify_email",
    "accounts:password_reset_confirm",
    "agreements:invitation_accept",
    "agreements:licensing_link",
    "licensing_center:sign_in_link",
}
# The licensing service center has a sign-in of its own: without it, its pages send there.
LICENSING_PAGES = {"licensing_center:license", "licensing_center:relationships"}
STAFF_ONLY = ("admin:", "notifications:preview")
# The admin's own sign-in and sign-out are open to anyone, and show nothing of a tenant.
PUBLIC_STAFF_PAGES = {"admin:login", "admin:logout"}


@dataclass(frozen=True)
class Route:
    name: str
    namespace: str
    params: tuple[str, ...]


def _routes(patterns=None, namespace: str = "") -> Iterator[Route]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from _routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            # A path() names its parameters with converters, a re_path() with named groups.
            params = pattern.pattern.converters or pattern.pattern.regex.groupindex
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield Route(name=name, namespace=namespace, params=tuple(params))


def _kwargs(route: Route, victims: Victims) -> dict[str, object] | None:
    kwargs = {}
    if route.namespace == "admin":
        # Staff only: a visitor who is not staff is sent to the admin's sign-in before any
        # object is looked up, so any value does.
        return {param: ADMIN_LITERALS.get(param, "1") for param in route.params}
    for param in route.params:
        key = FILL_BY_NAME.get(route.name, {}).get(param) or FILL.get((route.namespace, param))
        if key is not None:
            kwargs[param] = victims.params[key]
        elif param in LITERALS:
            kwargs[param] = LITERALS[param]
        else:
            return None
    return kwargs


def _fingerprint(victims: Victims) -> tuple:
    """Row counts and highest ids of every watched table, and the victims' rows in full."""
    tables = []
    for app_label in WATCHED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            tables.append(
                (
                    model._meta.label,
                    model._base_manager.count(),
                    model._base_manager.aggregate(top=Max("pk"))["top"],
                )
            )
    fresh = [type(row)._base_manager.filter(pk=row.pk) for row in victims.rows]
    return tuple(tables), serializers.serialize("json", [r for qs in fresh for r in qs])


@dataclass
class Intruder:
    label: str
    user: object | None
    # What this visitor proved themselves (the authorization number they typed to link):
    # their own home page may name it beside "removed by the customer".
    knows: tuple[str, ...] = ()


def _intruders() -> list[Intruder]:
    """Every role of a foreign customer (each a super admin of its own agreement), every role
    of a foreign partner (linked to that agreement), and the partner whose link to the
    victim's agreement was removed."""
    intruders = []
    customer = OrganizationFactory(name="Intruder Corp")
    own_agreement = AgreementFactory(customer_organization=customer, customer_name="Intruder Corp")
    AgreementLineFactory(agreement=own_agreement)
    partner = PartnerOrganizationFactory(name="Intruder Partners")
    PartnerLinkFactory(agreement=own_agreement, partner_organization=partner)
    for organization in (customer, partner):
        for role in Role:
            user = UserFactory(email=f"{role.value}@{organization.name.split()[1].lower()}.example")
            MembershipFactory(organization=organization, user=user, role=role)
            if organization is customer:
                AgreementAdminFactory(agreement=own_agreement, user=user)
            intruders.append(Intruder(f"{organization.name} {role.label}", user))
    return intruders


def _agreement_pk(victims: Victims) -> int:
    return AgreementAdmin.objects.get(pk=victims.params["agreement_admin"]).agreement_id


def _partner_in_state(victims: Victims, name: str, **state) -> Intruder:
    """The owner of a partner organization whose link to the victim's agreement is in
    `state`: it asked and waits, was declined, expired, removed, or ended by its date."""
    former = PartnerOrganizationFactory(name=f"{name.title()} Partners")
    user = UserFactory(email=f"owner@{name}-partners.example")
    MembershipFactory(organization=former, user=user, role=Role.OWNER)
    PartnerLinkFactory(
        agreement_id=_agreement_pk(victims), partner_organization=former, linked_by=user, **state
    )
    return Intruder(f"partner whose link is {name}", user, knows=("V990011223",))


def _partners_without_access(victims: Victims, capture) -> list[Intruder]:
    now = timezone.now()
    retrying = _partner_in_state(
        victims, "removed", status=PartnerLink.Status.REMOVED, removed_at=now
    )
    # Removed, then retrying with the three values: refused, and still nothing to see.
    agreement = Agreement.objects.get(pk=_agreement_pk(victims))
    claim = {
        "authorization_number": agreement.authorization_number,
        "license_number": agreement.license_number,
        "customer_email": agreement.customer_email,
        "confirm": "on",
    }
    with capture(execute=True):
        refused = _client(retrying).post(reverse("agreements:new_open_license"), claim)
    assert "The customer removed the access" in refused.content.decode()
    retrying.label = "partner whose link was removed, retrying"
    return [
        retrying,
        _partner_in_state(
            victims,
            "pending",
            status=PartnerLink.Status.PENDING,
            request_expires_at=now + timedelta(days=30),
        ),
        _partner_in_state(victims, "declined", status=PartnerLink.Status.DECLINED, removed_at=now),
        _partner_in_state(victims, "expired", status=PartnerLink.Status.EXPIRED, removed_at=now),
        _partner_in_state(
            victims, "past-its-end-date", ends_on=timezone.localdate() - timedelta(days=1)
        ),
    ]


def _client(intruder: Intruder) -> Client:
    client = Client(REMOTE_ADDR="203.0.113.9")
    if intruder.user is not None:
        client.force_login(intruder.user)
    return client


def _names_an_object(route: Route) -> bool:
    return any(
        FILL_BY_NAME.get(route.name, {}).get(param) or FILL.get((route.namespace, param))
        for param in route.params
    )


def _refused(route: Route, intruder: Intruder, response) -> str | None:
    """Why this answer is wrong, or None."""
    status, location = response.status_code, response.get("Location", "")
    if status >= 500:
        return f"server error {status}"
    if route.name in PUBLIC_STAFF_PAGES:
        return None
    if route.name.startswith(STAFF_ONLY):
        if status == 302 and location.startswith("/admin/login/"):
            return None
        return f"staff page gave {status}"
    if route.name.startswith("anymail:"):
        return None if status in (400, 401, 403, 405) else f"webhook gave {status}"
    if not _names_an_object(route):
        return None  # a page of the visitor's own; the leak check covers it
    if status in (404, 405):
        return None
    # The API reads no session: a signed-in visitor without a token is nobody there
    # (tests/api/test_api_tenant_sweep.py sweeps it with tokens).
    if status == 401 and route.namespace == "api":
        return None
    if status == 302 and route.name in LICENSING_PAGES and location.startswith("/licensing/"):
        return None
    if status == 302 and intruder.user is None and location.startswith(SIGN_IN):
        return None
    return f"a foreign object gave {status} {location}".strip()


def _leaks(response, markers: list[str], knows: tuple[str, ...] = ()) -> list[str]:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    text = body.decode("utf-8", errors="replace")
    return [marker for marker in markers if marker in text and marker not in knows]


def _sweep(routes: list[Route], victims: Victims, intruders: list[Intruder]) -> tuple[int, list]:
    problems: list[str] = []
    probes = 0
    before = _fingerprint(victims)
    for route in routes:
        url = reverse(route.name, kwargs=_kwargs(route, victims))
        for intruder in intruders:
            client = _client(intruder)
            for method in ("get", "post"):
                for headers in ({}, HTMX):
                    response = getattr(client, method)(url, headers=headers)
                    probes += 1
                    where = (
                        f"{method.upper()}{' htmx' if headers else ''} {url} as {intruder.label}"
                    )
                    if reason := _refused(route, intruder, response):
                        problems.append(f"{where}: {reason}")
                    if leaked := _leaks(response, victims.markers, intruder.knows):
                        problems.append(f"{where}: shows {leaked}")
        after = _fingerprint(victims)
        if after != before:
            problems.append(f"{route.name}: a probe wrote to the database")
            before = after
    return probes, problems


def test_no_foreign_visitor_sees_or_changes_anything_on_any_page(
    django_capture_on_commit_callbacks, capsys
):
    victims = _victims(django_capture_on_commit_callbacks)
    intruders = [
        *_intruders(),
        *_partners_without_access(victims, django_capture_on_commit_callbacks),
        Intruder("anonymous visitor", None),
    ]
    routes = list(_routes())
    unfillable = [route.name for route in routes if _kwargs(route, victims) is None]
    assert unfillable == [], f"teach the sweep how to fill these patterns' parameters: {unfillable}"

    probes, problems = _sweep(routes, victims, intruders)

    with capsys.disabled():
        print(
            f"\ntenant sweep: {len(routes)} URL patterns, {len(intruders)} kinds of visitor, "
            f"{probes} probes, {len(problems)} problems (leaks or writes)"
        )
    assert problems == [], "\n".join(problems)


def _reader(victims: Victims) -> Intruder:
    """A Reader of the victim's agreement, one of the customer's own people."""
    agreement = AgreementAdmin.objects.get(pk=victims.params["agreement_admin"]).agreement
    user = UserFactory(email="rita.reader@victim-industries.example")
    MembershipFactory(organization=agreement.customer_organization, user=user)
    AgreementAdminFactory(agreement=agreement, user=user, role="reader")
    return Intruder("the customer's reader", user)


@pytest.mark.parametrize("who", ["read-only partner", "reader"])
def test_a_read_only_visitor_writes_nothing_anywhere(
    django_capture_on_commit_callbacks, capsys, who
):
    """A partner the customer made read-only, and the customer's Reader, see the agreement;
    every POST to every URL (plain and htmx) is refused before it writes, or writes nothing;
    forms they cannot use are a 404 too."""
    victims = _victims(django_capture_on_commit_callbacks)
    if who == "reader":
        visitor = _reader(victims)
    else:
        visitor = _partner_in_state(victims, "read-only", scope=PartnerLink.Scope.READ_ONLY)
    client = _client(visitor)
    overview = reverse("agreements:overview", args=[victims.params["agreement"]])
    assert client.get(overview).status_code == 200, "they see the agreement"
    problems, posts = [], 0
    for name in ("subscriber_add", "workbook_add", "workbook_template"):
        url = reverse(f"agreements:{name}", args=[victims.params["agreement"]])
        if client.get(url).status_code != 404:
            problems.append(f"GET {url}: a form they cannot use is shown")
    # Signing out would make the rest of the probes anonymous ones.
    routes = [
        route
        for route in _routes()
        if _kwargs(route, victims) is not None and not route.name.endswith("logout")
    ]
    before = _fingerprint(victims)
    for route in routes:
        url = reverse(route.name, kwargs=_kwargs(route, victims))
        for headers in ({}, HTMX):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(url, headers=headers)
            posts += 1
            if response.status_code >= 500:
                problems.append(f"POST {url}: server error {response.status_code}")
        after = _fingerprint(victims)
        if after != before:
            problems.append(f"{route.name}: a {who}'s POST wrote to the database")
            before = after

    with capsys.disabled():
        print(f"\n{who} sweep: {posts} POSTs, {len(problems)} problems")
    assert problems == [], "\n".join(problems)


@pytest.mark.urls("tests.security.leaky_urls")
def test_the_sweep_catches_a_page_that_shows_or_changes_a_foreign_agreement(
    django_capture_on_commit_callbacks,
):
    victims = _victims(django_capture_on_commit_callbacks)
    intruders = _intruders()[:1]
    leaky = [route for route in _routes() if route.name == "agreements:leaky"]

    probes, problems = _sweep(leaky, victims, intruders)

    assert probes == 4
    assert any("a foreign object gave 200" in problem for problem in problems)
    assert any("shows ['Victim Industries'" in problem for problem in problems)
    assert "agreements:leaky: a probe wrote to the database" in problems


def test_a_pattern_with_an_unknown_parameter_cannot_be_filled(django_capture_on_commit_callbacks):
    victims = _victims(django_capture_on_commit_callbacks)
    route = Route(name="agreements:new_page", namespace="agreements", params=("gadget_id",))

    assert _kwargs(route, victims) is None
