"""Ids of another organization's rows, slipped into hidden fields, htmx parameters and URLs
of one's own pages: each is answered as if the row did not exist (404, or a form error for a
choice), and nothing changes, on either side. The URL sweep of every page is
test_tenant_sweep.py; this is the parameters a page's own forms carry."""

import uuid

import pytest
from django.urls import reverse

from agreements.models import BulkImport, SubscriptionLevel
from portal.tenancy.context import SESSION_ORGANIZATION_KEY
from portal.tenancy.models import Role
from tests.factories import (
    AgreementAdminFactory,
    InvitationFactory,
    MembershipFactory,
    PartnerLinkFactory,
    UserFactory,
)

from .helpers import assert_unchanged, client_for, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(probes, django_capture_on_commit_callbacks):
    """Send one request carrying a foreign id; it must change nothing, anywhere."""

    def send(client, method, url, data=None, *, status=None, **kwargs):
        before = snapshot()
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(client, method)(url, data or {}, **kwargs)
        probes.tried()
        if status is not None:
            assert response.status_code == status, (url, data)
        assert_unchanged(probes, before, f"{method.upper()} {url} {data!r:.80}")
        return response

    return send


def test_grid_actions_on_another_agreements_subscriptions_touch_nothing(
    fabrikam, northwind, attempt, mailoutbox
):
    client = client_for(fabrikam.owner)
    url = reverse("agreements:subscriber_actions", args=[fabrikam.agreement.public_id])
    foreign = str(northwind.subscription.guid)
    mailoutbox.clear()
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = attempt(
            client, "post", url, {"action": "resend", "selected": foreign}, follow=True, **htmx
        )
        # (Followed with HX-Request, the redirect answers the grid fragment, without messages.)
        assert htmx or "sent again to 0 subscribers" in response.content.decode()
        response = attempt(
            client, "post", url, {"action": "delete", "selected": foreign}, follow=True, **htmx
        )
        assert htmx or "None of the selected subscribers is left" in response.content.decode()
        attempt(
            client, "post", url, {"action": "delete", "selected": foreign, "confirm": "1"}, **htmx
        )
        # All matching a filter that only the other agreement's subscriber would match.
        attempt(
            client,
            "post",
            url,
            {"action": "delete", "all_matching": "1", "q": "northwind", "confirm": "1"},
            **htmx,
        )
    attempt(client, "post", url, {"action": "resend", "selected": [foreign, "not-a-guid"]})
    assert mailoutbox == []
    northwind.subscription.refresh_from_db()
    assert northwind.subscription.is_assigned


def test_another_agreements_subscriber_cannot_be_opened_edited_or_removed(
    fabrikam, northwind, attempt
):
    client = client_for(fabrikam.owner)
    own, foreign = fabrikam.agreement.public_id, northwind.subscription.guid
    edit = reverse("agreements:subscriber_edit", args=[own, foreign])
    remove = reverse("agreements:subscriber_remove", args=[own, foreign])
    data = {"first_name": "Hijacked", "last_name": "X", "sign_in_email": "x@example.com"}
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        attempt(client, "get", edit, status=404, **htmx)
        attempt(client, "post", edit, {**data, "level": "vs-enterprise"}, status=404, **htmx)
        attempt(client, "post", remove, status=404, **htmx)
    # The other agreement's own URL is not found either, for anything.
    theirs = northwind.agreement.public_id
    for name in ("subscriber_edit", "subscriber_remove"):
        attempt(client, "post", reverse(f"agreements:{name}", args=[theirs, foreign]), status=404)


def test_a_level_the_agreement_did_not_buy_is_refused_as_a_choice(fabrikam, attempt):
    client = client_for(fabrikam.owner)
    agreement = fabrikam.agreement
    guid = fabrikam.subscription.guid
    not_bought = [
        level.code
        for level in SubscriptionLevel.objects.exclude(pk=fabrikam.level.pk).order_by("pk")
    ]
    assert not_bought
    data = {
        "first_name": "Lee",
        "last_name": "Park",
        "sign_in_email": "lee@fabrikam.example",
        "country": "FR",
        "language": "en",
    }
    for code in not_bought:
        for url in (
            reverse("agreements:subscriber_add", args=[agreement.public_id]),
            reverse("agreements:subscriber_edit", args=[agreement.public_id, guid]),
        ):
            response = attempt(client, "post", url, {**data, "level": code}, status=200)
            assert "level" in response.context["form"].errors
        preferences = reverse("agreements:preferences", args=[agreement.public_id])
        response = attempt(
            client,
            "post",
            preferences,
            {
                "default_level": SubscriptionLevel.objects.get(code=code).pk,
                "default_language": "en",
            },
            status=200,
        )
        assert "default_level" in response.context["form"].errors


def test_switching_to_someone_elses_organization_is_not_found(fabrikam, northwind, attempt):
    client = client_for(fabrikam.owner)
    url = reverse("tenancy:organization_switch")
    client.get(reverse("home"))
    session_before = client.session.get(SESSION_ORGANIZATION_KEY)
    for public_id in (northwind.organization.public_id, uuid.uuid4()):
        attempt(client, "post", url, {"organization": str(public_id)}, status=404)
    assert client.session.get(SESSION_ORGANIZATION_KEY) == session_before


def test_another_organizations_members_and_invitations_are_not_found(fabrikam, northwind, attempt):
    client = client_for(fabrikam.owner)
    member = MembershipFactory(organization=northwind.organization, role=Role.MEMBER)
    invitation = InvitationFactory(organization=northwind.organization, invited_by=northwind.owner)
    for name, public_id, data in (
        ("membership_permissions", member.public_id, {"permissions": ["manage_users"]}),
        ("membership_remove", member.public_id, {}),
        ("invitation_revoke", invitation.public_id, {}),
        ("invitation_resend", invitation.public_id, {}),
    ):
        attempt(client, "post", reverse(f"tenancy:{name}", args=[public_id]), data, status=404)


def test_another_agreements_partner_link_administrator_and_upload_are_not_found(
    fabrikam, northwind, attempt
):
    client = client_for(fabrikam.owner)
    own = fabrikam.agreement.public_id
    link = PartnerLinkFactory(agreement=northwind.agreement)
    admin = AgreementAdminFactory(agreement=northwind.agreement, user=UserFactory())
    upload = BulkImport.objects.create(
        agreement=northwind.agreement,
        uploaded_by=northwind.owner,
        organization=northwind.organization,
        kind=BulkImport.Kind.ADD,
        file_name="theirs.xlsx",
        content=b"",
    )
    for method, url in (
        ("get", reverse("agreements:partner_remove", args=[own, link.public_id])),
        ("post", reverse("agreements:partner_remove", args=[own, link.public_id])),
        ("post", reverse("agreements:administrator_remove", args=[own, admin.pk])),
        ("get", reverse("agreements:workbook_import", args=[own, upload.public_id])),
        ("get", reverse("agreements:workbook_import_result", args=[own, upload.public_id])),
    ):
        attempt(client, method, url, status=404)
        attempt(client, method, url, status=404, HTTP_HX_REQUEST="true")
    link.refresh_from_db()
    assert link.removed_at is None


def test_onboarding_into_an_organization_one_does_not_belong_to_is_refused(
    northwind, attempt, django_capture_on_commit_callbacks, mailoutbox
):
    """The customer's first super admin picks where the agreement goes: a hidden choice of
    someone else's organization is not one of the choices."""
    from tests.agreements.conftest import link_in

    partner_user = MembershipFactory(
        organization=northwind.agreement.partner_of_record, role=Role.OWNER
    ).user
    with django_capture_on_commit_callbacks(execute=True):
        client_for(partner_user).post(
            reverse("agreements:order_new"),
            {
                "customer_name": "Adatum",
                "customer_email": "it@adatum.example",
                "default_language": "en",
                "seats_vs-enterprise": "1",
            },
        )
    accept = link_in(mailoutbox[-1], "/agreements/invitations/")
    customer = client_for(UserFactory(email="it@adatum.example"))
    response = attempt(
        customer,
        "post",
        accept,
        {"destination": str(northwind.organization.public_id), "organization_name": ""},
        status=200,
    )
    assert "destination" in response.context["form"].errors
