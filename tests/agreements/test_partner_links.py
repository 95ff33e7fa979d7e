"""Flows 1 and 3: a partner proves the three values of a customer's Open License and gets
access; the customer is told, stays in control and sees it all in the history."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from agreements.models import LinkMethod, PartnerLink
from notifications.models import Notification
from portal import limits
from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Membership, Organization, Role

from ..factories import MembershipFactory, PartnerLinkFactory, UserFactory
from .conftest import client_for, link_in

pytestmark = pytest.mark.django_db

MISMATCH = "These details do not match an Open License"
LOCKED = "Too many unsuccessful attempts"
NEW_OPEN_LICENSE = reverse("agreements:new_open_license")


def _overview(agreement) -> str:
    return reverse("agreements:overview", args=[agreement.public_id])


def _subscribers(agreement) -> str:
    """Where a partner lands after a link: the subscribers it came to manage."""
    return reverse("agreements:subscribers", args=[agreement.public_id])


def _submit(client, data, capture, **headers):
    with capture(execute=True):
        return client.post(NEW_OPEN_LICENSE, data, **headers)


def test_being_partner_of_record_gives_no_access_by_itself(partner, partner_client, agreement):
    agreement.partner_of_record = partner
    agreement.save()

    assert partner_client.get(_overview(agreement)).status_code == 404


def test_flow_1_links_the_agreement_and_tells_the_customer(
    partner,
    partner_user,
    partner_client,
    agreement,
    super_admin,
    claim,
    django_capture_on_commit_callbacks,
):
    response = _submit(partner_client, claim, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response.url == _subscribers(agreement)
    link = PartnerLink.objects.get(agreement=agreement)
    assert (link.partner_organization, link.linked_by, link.method) == (
        partner,
        partner_user,
        LinkMethod.NEW_LICENSE,
    )
    page = partner_client.get(_overview(agreement))
    assert page.status_code == 200
    assert "Fabrikam Ltd" in page.content.decode()

    # The super admin and the agreement's work email are told, each in their language (the
    # super admin's preference; the agreement's language for an address with no account),
    # with a link to the Partners page that works for the customer.
    emails = {message.to[0]: message for message in mail.outbox}
    assert set(emails) == {"chloe.durand@fabrikam.example", "it@fabrikam.example"}
    assert "Contoso Partners was added" in emails["chloe.durand@fabrikam.example"].subject
    assert "Contoso Partners a été ajouté" in emails["it@fabrikam.example"].subject
    assert all(len(message.alternatives) == 1 for message in emails.values())
    partners_page = link_in(emails["chloe.durand@fabrikam.example"], "/agreements/")
    assert partners_page == reverse("agreements:partners", args=[agreement.public_id])
    page = client_for(super_admin).get(partners_page)
    assert "Contoso Partners" in page.content.decode()
    assert "Bruno Petit" in page.content.decode()


def test_flow_1_in_the_fly_out_panel_redirects_the_whole_page(
    partner_client, agreement, claim, django_capture_on_commit_callbacks
):
    panel = partner_client.get(NEW_OPEN_LICENSE, headers={"HX-Request": "true"})
    assert '<dialog class="flyout"' in panel.content.decode()
    assert "<html" not in panel.content.decode(), "htmx gets the panel, not a page"

    response = _submit(
        partner_client, claim, django_capture_on_commit_callbacks, headers={"HX-Request": "true"}
    )

    # django-htmx's client redirect: htmx follows HX-Redirect on a 200.
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == _subscribers(agreement)


def test_values_are_trimmed_and_the_email_is_matched_regardless_of_case(
    partner_client, agreement, claim, django_capture_on_commit_callbacks
):
    claim |= {
        "authorization_number": f"  {agreement.authorization_number} ",
        "license_number": f"{agreement.license_number}  ",
        "customer_email": "IT@Fabrikam.Example",
    }

    _submit(partner_client, claim, django_capture_on_commit_callbacks)

    assert PartnerLink.objects.filter(agreement=agreement).exists()


@pytest.mark.parametrize(
    "wrong",
    [
        {"authorization_number": "V000000000"},
        {"license_number": "1000000000"},
        {"customer_email": "someone.else@fabrikam.example"},
        {"authorization_number": "V000000000", "customer_email": "x@example.com"},
        {"authorization_number": "6812045501", "license_number": "V482019301"},
    ],
)
def test_every_mismatch_gets_the_same_message_and_changes_nothing(
    partner_client, agreement, claim, wrong, django_capture_on_commit_callbacks
):
    response = _submit(partner_client, claim | wrong, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    page = response.content.decode()
    assert MISMATCH in page
    for word in ("authorization number is", "license number is", "email is wrong"):
        assert word not in page
    assert not PartnerLink.objects.exists()
    assert not Notification.objects.exists()


def test_the_confirmation_checkbox_is_required(
    partner_client, agreement, claim, django_capture_on_commit_callbacks
):
    del claim["confirm"]

    response = _submit(partner_client, claim, django_capture_on_commit_callbacks)

    assert "Confirm that you act on behalf of this customer" in response.content.decode()
    assert not PartnerLink.objects.exists()


def test_only_partner_organizations_get_the_new_open_license_form(owner_client, agreement, claim):
    assert owner_client.get(NEW_OPEN_LICENSE).status_code == 404
    assert owner_client.post(NEW_OPEN_LICENSE, claim).status_code == 404


def test_linking_an_agreement_already_linked_says_so_and_changes_nothing(
    partner_client, agreement, claim, django_capture_on_commit_callbacks
):
    _submit(partner_client, claim, django_capture_on_commit_callbacks)
    emails_before = len(mail.outbox)

    response = _submit(partner_client, claim, django_capture_on_commit_callbacks)

    assert "already has access to Open License V482019301" in response.content.decode()
    assert PartnerLink.objects.count() == 1
    assert len(mail.outbox) == emails_before
    assert AuditEntry.objects.filter(action=Action.PARTNER_LINKED).count() == 1


def test_failed_attempts_are_limited_per_user(
    partner, partner_client, agreement, claim, django_capture_on_commit_callbacks
):
    wrong = claim | {"license_number": "1000000000"}
    pages = [
        _submit(partner_client, wrong, django_capture_on_commit_callbacks).content.decode()
        for _ in range(5)
    ]

    assert all(MISMATCH in page for page in pages[:4])
    assert LOCKED in pages[4], "the attempt that reaches the limit says so"
    # Even the right values are not checked any more.
    response = _submit(partner_client, claim, django_capture_on_commit_callbacks)
    assert LOCKED in response.content.decode()
    assert not PartnerLink.objects.exists()
    lockouts = AuditEntry.objects.filter(action=Action.PARTNER_LINK_LOCKED_OUT)
    assert lockouts.count() == 1, "one entry for the lockout, not one per refused attempt"
    assert lockouts.get().organization == partner


def test_the_limit_follows_the_user_to_another_address(
    partner_user, agreement, claim, django_capture_on_commit_callbacks
):
    first = client_for(partner_user, ip_address="10.0.0.1")
    for _ in range(5):
        _submit(
            first, claim | {"customer_email": "x@example.com"}, django_capture_on_commit_callbacks
        )

    second = client_for(partner_user, ip_address="10.0.0.2")
    response = _submit(second, claim, django_capture_on_commit_callbacks)

    assert LOCKED in response.content.decode()


def test_one_persons_failures_lock_out_nobody_else_behind_the_same_address(
    partner, partner_user, agreement, claim, django_capture_on_commit_callbacks
):
    """An office behind one NAT address: a colleague of the locked-out person links as usual."""
    clumsy = client_for(partner_user, ip_address="203.0.113.9")
    for _ in range(5):
        _submit(clumsy, claim | {"license_number": "1"}, django_capture_on_commit_callbacks)
    colleague = MembershipFactory(organization=partner, role=Role.MEMBER).user

    _submit(
        client_for(colleague, ip_address="203.0.113.9"), claim, django_capture_on_commit_callbacks
    )

    assert PartnerLink.objects.filter(agreement=agreement, partner_organization=partner).exists()


def test_many_accounts_guessing_from_one_address_lock_that_address_out(
    partner, agreement, claim, settings, django_capture_on_commit_callbacks
):
    budget = settings.PARTNER_LINK_ATTEMPT_IP_LIMIT
    assert budget > settings.PARTNER_LINK_ATTEMPT_LIMIT
    guessers = [MembershipFactory(organization=partner).user for _ in range(budget // 4 + 1)]
    for n in range(budget):
        client = client_for(guessers[n // 4], ip_address="203.0.113.9")
        _submit(client, claim | {"license_number": str(n)}, django_capture_on_commit_callbacks)
    fresh = MembershipFactory(organization=partner).user

    same_address = client_for(fresh, ip_address="203.0.113.9")
    other_address = client_for(fresh, ip_address="198.51.100.7")

    assert (
        LOCKED in _submit(same_address, claim, django_capture_on_commit_callbacks).content.decode()
    )
    _submit(other_address, claim, django_capture_on_commit_callbacks)
    assert PartnerLink.objects.filter(agreement=agreement, partner_organization=partner).exists()


def test_the_lockout_message_gives_the_time_really_left(
    partner_client, claim, monkeypatch, django_capture_on_commit_callbacks
):
    wrong = claim | {"license_number": "1000000000"}
    for _ in range(5):
        page = _submit(partner_client, wrong, django_capture_on_commit_callbacks).content.decode()
    assert "try again in 15 minutes" in page

    locked_at = limits._now()
    monkeypatch.setattr(limits, "_now", lambda: locked_at + 14 * 60 + 30)
    page = _submit(partner_client, claim, django_capture_on_commit_callbacks).content.decode()

    assert "try again in 1 minute." in page


# Flow 3 ------------------------------------------------------------------------------------


@pytest.fixture
def newcomer():
    return UserFactory(email="dana.lopez@adatum-partners.example", full_name="Dana Lopez")


def test_a_person_with_no_organization_is_told_they_are_not_recognised(newcomer):
    client = client_for(newcomer)

    response = client.get(reverse("home"), follow=True)

    page = response.content.decode()
    assert "You are not a recognised user" in page
    assert "OLP partners" in page
    assert reverse("agreements:olp_partner_register") in page


def test_flow_3_registers_the_partner_organization_and_links_the_agreement(
    newcomer, agreement, super_admin, claim, django_capture_on_commit_callbacks
):
    client = client_for(newcomer)
    data = claim | {"organization_name": "Adatum Partners", "country": "fr"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("agreements:olp_partner_register"), data)

    assert response.status_code == 302
    assert response.url == _subscribers(agreement)
    organization = Organization.objects.get(name="Adatum Partners")
    assert organization.is_partner and organization.country == "FR"
    assert Membership.objects.get(user=newcomer).role == Role.OWNER
    link = PartnerLink.objects.get(agreement=agreement)
    assert (link.partner_organization, link.method) == (organization, LinkMethod.OLP_REGISTRATION)
    assert client.get(_overview(agreement)).status_code == 200
    assert {m.to[0] for m in mail.outbox} == {
        "chloe.durand@fabrikam.example",
        "it@fabrikam.example",
    }


def test_flow_3_with_a_mismatch_creates_no_organization(
    newcomer, agreement, claim, django_capture_on_commit_callbacks
):
    client = client_for(newcomer)
    data = claim | {"organization_name": "Adatum Partners", "customer_email": "x@example.com"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("agreements:olp_partner_register"), data)

    assert MISMATCH in response.content.decode()
    assert not Organization.objects.filter(name="Adatum Partners").exists()
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_lockout_before_registration_is_in_the_audit_log(
    newcomer, agreement, claim, django_capture_on_commit_callbacks
):
    client = client_for(newcomer)
    data = claim | {"organization_name": "Adatum Partners", "license_number": "1"}
    for _ in range(5):
        client.post(reverse("agreements:olp_partner_register"), data)

    entry = AuditEntry.objects.get(action=Action.PARTNER_LINK_LOCKED_OUT)
    assert entry.actor == newcomer
    assert entry.organization is None


def test_members_of_an_organization_are_sent_home_from_the_registration(partner_client):
    response = partner_client.get(reverse("agreements:olp_partner_register"))

    assert response.status_code == 302


# The customer stays in control -------------------------------------------------------------


@pytest.fixture
def linked(partner, partner_user, agreement):
    return PartnerLinkFactory(
        agreement=agreement, partner_organization=partner, linked_by=partner_user
    )


def test_removal_takes_effect_on_the_partners_next_request_and_the_partner_is_told(
    linked,
    partner,
    partner_client,
    agreement,
    customer_client,
    django_capture_on_commit_callbacks,
):
    colleague = MembershipFactory(organization=partner, role=Role.ADMIN).user
    assert partner_client.get(_overview(agreement)).status_code == 200
    assert "V482019301" in partner_client.get(reverse("home")).content.decode()
    remove = reverse("agreements:partner_remove", args=[agreement.public_id, linked.public_id])
    confirmation = customer_client.get(remove)
    assert "Remove the access of Contoso Partners?" in confirmation.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(remove)

    assert response.status_code == 302
    assert partner_client.get(_overview(agreement)).status_code == 404
    home = partner_client.get(reverse("home")).content.decode()
    assert _overview(agreement) not in home
    assert "Access removed by the customer" in home
    linked.refresh_from_db()
    assert linked.removed_at is not None
    assert linked.status == PartnerLink.Status.REMOVED
    told = {message.to[0]: message for message in mail.outbox}
    # The partner's managers and linker, and the customer's super admins: both sides.
    assert set(told) == {
        "bruno.petit@contoso-partners.example",
        colleague.email,
        "chloe.durand@fabrikam.example",
    }
    assert "Fabrikam Ltd removed your access" in told[colleague.email].subject
    assert "access removed" in told["chloe.durand@fabrikam.example"].subject


def test_partners_cannot_see_the_customers_partners_or_history_pages(
    linked, partner_client, agreement
):
    for name in ("partners", "history", "administrators"):
        url = reverse(f"agreements:{name}", args=[agreement.public_id])
        assert partner_client.get(url).status_code == 404
    remove = reverse("agreements:partner_remove", args=[agreement.public_id, linked.public_id])
    assert partner_client.post(remove).status_code == 404
    linked.refresh_from_db()
    assert linked.is_active


def test_the_agreement_history_shows_linking_and_removal_to_the_customer(
    partner_client, agreement, claim, linked, customer_client, django_capture_on_commit_callbacks
):
    linked.delete()  # start unlinked, then link through the form
    _submit(partner_client, claim, django_capture_on_commit_callbacks)
    link = PartnerLink.objects.get(agreement=agreement)
    remove = reverse("agreements:partner_remove", args=[agreement.public_id, link.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(remove)

    page = customer_client.get(reverse("agreements:history", args=[agreement.public_id]))

    text = page.content.decode()
    assert "Partner added" in text
    assert "Partner access removed" in text
    assert "bruno.petit@contoso-partners.example" in text
    actions = list(AuditEntry.objects.filter(agreement=agreement).values_list("action", flat=True))
    assert actions == [Action.PARTNER_REMOVED, Action.PARTNER_LINKED]


def test_another_customer_cannot_see_or_remove_the_link(linked, agreement, stranger):
    client = client_for(stranger)
    remove = reverse("agreements:partner_remove", args=[agreement.public_id, linked.public_id])

    assert client.get(reverse("agreements:partners", args=[agreement.public_id])).status_code == 404
    assert client.post(remove).status_code == 404
    linked.refresh_from_db()
    assert linked.is_active


def test_a_member_of_the_customer_who_is_not_an_admin_sees_nothing(agreement, organization):
    member = MembershipFactory(organization=organization, role=Role.MEMBER).user

    assert client_for(member).get(_overview(agreement)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(agreement):
    response = Client().get(_overview(agreement))

    assert response.status_code == 302
    assert reverse("accounts:login") in response.url
