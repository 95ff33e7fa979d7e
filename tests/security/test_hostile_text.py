"""Hostile text in every user-facing form: markup, 10,000-character strings, Unicode edge
cases, NUL bytes and malformed email addresses. Each value is either refused with a clear
error on its field, writing nothing, or accepted and then shown escaped on every page and in
every HTML email that shows it."""

import string

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from agreements.models import Agreement, AgreementLine, Subscription
from agreements.partner_links.services.claims import CLAIM_MISMATCH_MESSAGE
from portal.accounts.models import User
from portal.tenancy.models import Organization
from tests.factories import UserFactory

from .helpers import (
    IMG,
    LONG,
    MALFORMED_EMAILS,
    MARKUP,
    NUL,
    SCRIPT,
    UNICODE_EDGES,
    assert_escaped,
    assert_unchanged,
    client_for,
    html_parts,
    partner_make,
    snapshot,
)

pytestmark = pytest.mark.django_db

NUL_ERROR = "Null characters are not allowed."
EMAIL_ERROR = "Enter a valid email address."
TOO_LONG = "Ensure this value has at most"
HOSTILE_SETTINGS = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def post(probes, django_capture_on_commit_callbacks):
    """Submit one hostile form, its emails sent at once; never a server error, and whatever
    the page answers shows no markup it was given."""

    def submit(client, url, data, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data, **kwargs)
        probes.tried()
        assert response.status_code < 500, (url, data)
        assert_escaped(probes, response.content.decode(), url)
        return response

    return submit


@pytest.fixture
def refused(post, probes):
    """Submit, and expect the form back with `message` on `field` and nothing written."""

    def submit(client, url, data, *, field, message=None, **kwargs):
        before = snapshot()
        response = post(client, url, data, **kwargs)
        assert response.status_code == 200, (field, data.get(field))
        errors = response.context["form"].errors
        assert field in errors, (field, data.get(field), errors)
        if message:
            assert any(message in error for error in errors[field]), errors[field]
        assert_unchanged(probes, before, f"{url} with {field}={data.get(field)!r:.60}")
        return response

    return submit


def _too_long_and_nul(refused, client, url, data, fields):
    for field in fields:
        refused(client, url, {**data, field: LONG}, field=field, message=TOO_LONG)
        refused(client, url, {**data, field: NUL}, field=field, message=NUL_ERROR)


def _malformed_emails(refused, client, url, data, field):
    for email in MALFORMED_EMAILS:
        refused(client, url, {**data, field: email}, field=field)


def _pages_escape(probes, client, urls):
    for url in urls:
        response = client.get(url)
        probes.tried()
        assert response.status_code == 200, url
        assert_escaped(probes, response.content.decode(), url)


def _emails_escape(probes, messages):
    assert messages, "the accepted value was meant to reach an email"
    for html in html_parts(messages):
        probes.tried()
        assert_escaped(probes, html, "an HTML email")


# Accounts -----------------------------------------------------------------------------------


def test_sign_up_refuses_or_escapes_every_hostile_value(client, post, refused, probes):
    url = reverse("accounts:sign_up")
    data = {
        "full_name": "Ana Lima",
        "email": "ana@example.com",
        "password1": "a-long-passphrase-42",
        "password2": "a-long-passphrase-42",
        "preferred_language": "en",
    }
    _too_long_and_nul(refused, client, url, data, ["full_name"])
    _malformed_emails(refused, client, url, data, "email")
    refused(client, url, {**data, "preferred_language": SCRIPT}, field="preferred_language")
    for n, name in enumerate(MARKUP + UNICODE_EDGES):
        mail.outbox.clear()
        response = post(client, url, {**data, "full_name": name, "email": f"ana{n}@example.com"})
        assert response.status_code == 200
        assert "Check your email" in response.content.decode()
        assert User.objects.get(email=f"ana{n}@example.com").full_name == name
        _emails_escape(probes, mail.outbox)


def test_a_person_named_with_markup_sees_it_escaped_on_their_pages(fabrikam, probes):
    fabrikam.owner.full_name = SCRIPT + IMG
    fabrikam.owner.save()
    client = client_for(fabrikam.owner)
    _pages_escape(
        probes,
        client,
        [
            reverse("home"),
            reverse("tenancy:members"),
            reverse("tenancy:history"),
            reverse("accounts:password_change"),
            reverse("my_subscriptions"),
            reverse("agreements:administrators", args=[fabrikam.agreement.public_id]),
        ],
    )


def test_email_only_forms_refuse_malformed_addresses_and_write_nothing(client, refused):
    for url_name in ("accounts:password_reset", "accounts:resend_verification"):
        _malformed_emails(refused, client, reverse(url_name), {}, "email")
    _malformed_emails(refused, client, reverse("accounts:login"), {"password": "x"}, "username")


def test_a_language_that_is_not_offered_changes_nothing(fabrikam, post, probes):
    client = client_for(fabrikam.owner)
    for language in (SCRIPT, LONG, NUL, "de", "en\r\nSet-Cookie: x=1"):
        before = snapshot()
        response = post(client, reverse("accounts:language_set"), {"language": language})
        assert response.status_code == 302
        assert "django_language" not in response.cookies
        assert_unchanged(probes, before, "language_set")
    fabrikam.owner.refresh_from_db()
    assert fabrikam.owner.preferred_language == "en"


# Organizations ------------------------------------------------------------------------------


def test_member_invitations_refuse_malformed_addresses_and_odd_roles(fabrikam, refused):
    client = client_for(fabrikam.owner)
    url = reverse("tenancy:members")
    data = {"email": "guest@example.com", "role": "member"}
    _malformed_emails(refused, client, url, data, "email")
    for role in (SCRIPT, "superuser", LONG):
        refused(client, url, {**data, "role": role}, field="role")
    refused(client, url, {**data, "permissions": [SCRIPT]}, field="permissions")


def test_switching_to_garbage_instead_of_an_organization_id_is_not_found(fabrikam, post, probes):
    client = client_for(fabrikam.owner)
    for value in (SCRIPT, LONG, NUL, "1", str(fabrikam.organization.pk)):
        before = snapshot()
        response = post(client, reverse("tenancy:organization_switch"), {"organization": value})
        assert response.status_code == 404
        assert_unchanged(probes, before, "organization_switch")


# Orders and the partner flows ---------------------------------------------------------------


@pytest.fixture
def partner():
    return partner_make()


def _order(**fields) -> dict:
    return {
        "customer_name": "Adatum",
        "customer_email": "it@adatum.example",
        "default_language": "en",
        "country": "FR",
        "seats_vs-enterprise": "5",
        **fields,
    }


def test_an_order_refuses_hostile_values(partner, refused):
    client = client_for(partner[1])
    url = reverse("agreements:order_new")
    _too_long_and_nul(refused, client, url, _order(), ["customer_name"])
    _malformed_emails(refused, client, url, _order(), "customer_email")
    for country in (SCRIPT, "F", "FRA", "1\x00", "\u0301A"):
        refused(client, url, _order(country=country), field="country")
    for seats in ("-1", "10001", "1e9", SCRIPT, "9" * 400):
        refused(client, url, _order(**{"seats_vs-enterprise": seats}), field="seats_vs-enterprise")


def test_a_customer_named_with_markup_is_escaped_on_every_page_and_email(partner, post, probes):
    organization, user = partner
    client = client_for(user)
    for n, name in enumerate(MARKUP + UNICODE_EDGES):
        mail.outbox.clear()
        email = f"it{n}@adatum.example"
        response = post(
            client,
            reverse("agreements:order_new"),
            _order(customer_name=name, customer_email=email),
        )
        assert response.status_code == 302
        agreement = Agreement.objects.get(customer_email=email)
        assert agreement.customer_name == name
        _emails_escape(probes, mail.outbox)
        [invitation] = mail.outbox
        accept = next(
            word.removeprefix(settings.PORTAL_BASE_URL)
            for word in invitation.body.split()
            if word.startswith(settings.PORTAL_BASE_URL + "/agreements/invitations/")
        )
        _pages_escape(probes, client, [reverse("agreements:orders")])
        # The customer opens the invitation, signed out and then signed in.
        _pages_escape(probes, Client(), [accept])
        _pages_escape(probes, client_for(UserFactory(email=email)), [accept])
    assert Agreement.objects.filter(partner_of_record=organization).count() == len(
        MARKUP + UNICODE_EDGES
    )


def _claim(**fields) -> dict:
    return {
        "authorization_number": "V000000001",
        "license_number": "60000001",
        "customer_email": "it@nowhere.example",
        "confirm": "on",
        **fields,
    }


def test_flow_one_refuses_hostile_values_on_their_field(partner, refused):
    client = client_for(partner[1])
    url = reverse("agreements:new_open_license")
    for field in ("authorization_number", "license_number"):
        refused(client, url, _claim(**{field: LONG}), field=field, message=TOO_LONG)
        refused(client, url, _claim(**{field: NUL}), field=field, message=NUL_ERROR)
    _malformed_emails(refused, client, url, _claim(), "customer_email")


printable = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=32
).filter(str.strip)
garbage_number = st.one_of(st.sampled_from(MARKUP + UNICODE_EDGES).map(lambda s: s[:32]), printable)
local_part = st.text(
    alphabet=string.ascii_letters + string.digits + "._+-", min_size=1, max_size=20
)


@HOSTILE_SETTINGS
@given(authorization=garbage_number, license=garbage_number, mailbox=local_part)
def test_flow_one_answers_the_same_mismatch_for_any_garbage_and_writes_nothing(
    partner, post, probes, authorization, license, mailbox
):
    cache.clear()  # the attempt limit is not under test here: every answer is
    before = snapshot()
    claim = _claim(
        authorization_number=authorization,
        license_number=license,
        customer_email=f"{mailbox.strip('.')}x@example.com",
    )

    response = post(client_for(partner[1]), reverse("agreements:new_open_license"), claim)

    assert response.status_code == 200
    form = response.context["form"]
    if form.errors.keys() - {"__all__"}:
        return  # Django refused a field of it (a dot in the wrong place): also fine
    assert form.non_field_errors() == [str(CLAIM_MISMATCH_MESSAGE)]
    assert_unchanged(probes, before, "a mismatched claim")


def test_flow_three_registration_refuses_hostile_values_and_creates_no_organization(
    refused, post, probes
):
    newcomer = UserFactory()
    client = client_for(newcomer)
    url = reverse("agreements:olp_partner_register")
    data = _claim(organization_name="Adatum Partners", country="FR")
    _too_long_and_nul(refused, client, url, data, ["organization_name"])
    refused(client, url, {**data, "country": SCRIPT}, field="country")
    _malformed_emails(refused, client, url, data, "customer_email")
    for name in MARKUP + UNICODE_EDGES:
        cache.clear()
        before = snapshot()
        response = post(client, url, {**data, "organization_name": name})
        assert str(CLAIM_MISMATCH_MESSAGE) in response.context["form"].non_field_errors()
        assert_unchanged(probes, before, "a registration with a mismatched claim")


def test_a_partner_registered_with_a_markup_name_is_escaped_for_the_customer(
    fabrikam, post, probes
):
    newcomer = UserFactory()
    agreement = fabrikam.agreement
    data = _claim(
        organization_name=SCRIPT + IMG,
        country="FR",
        authorization_number=agreement.authorization_number,
        license_number=agreement.license_number,
        customer_email=agreement.customer_email,
    )
    mail.outbox.clear()

    response = post(client_for(newcomer), reverse("agreements:olp_partner_register"), data)

    assert response.status_code == 302
    assert Organization.objects.filter(name=SCRIPT + IMG).exists()
    _emails_escape(probes, mail.outbox)
    _pages_escape(
        probes,
        client_for(fabrikam.owner),
        [
            reverse("agreements:overview", args=[agreement.public_id]),
            reverse("agreements:partners", args=[agreement.public_id]),
            reverse("agreements:history", args=[agreement.public_id]),
        ],
    )
    _pages_escape(probes, client_for(newcomer), [reverse("home"), reverse("tenancy:members")])


def test_licensing_sign_in_refuses_malformed_addresses(client, refused):
    _malformed_emails(refused, client, reverse("licensing_center:sign_in"), {}, "email")


# Subscribers, preferences, administrators ----------------------------------------------------


def _subscriber(**fields) -> dict:
    return {
        "first_name": "Lee",
        "last_name": "Park",
        "sign_in_email": "lee@fabrikam.example",
        "notification_email": "",
        "level": "vs-enterprise",
        "downloads_enabled": "on",
        "reference": "",
        "country": "FR",
        "language": "en",
        **fields,
    }


def test_the_subscriber_form_refuses_hostile_values_on_add_and_edit(fabrikam, refused):
    client = client_for(fabrikam.owner)
    agreement = fabrikam.agreement
    edit = reverse(
        "agreements:subscriber_edit", args=[agreement.public_id, fabrikam.subscription.guid]
    )
    for url in (reverse("agreements:subscriber_add", args=[agreement.public_id]), edit):
        for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
            _too_long_and_nul(
                refused, client, url, _subscriber(), ["first_name", "last_name", "reference"]
            )
            for field in ("sign_in_email", "notification_email"):
                _malformed_emails(refused, client, url, _subscriber(), field)
            for field in ("level", "language", "country"):
                refused(client, url, _subscriber(**{field: SCRIPT}), field=field, **htmx)
    fabrikam.subscription.refresh_from_db()
    assert fabrikam.subscription.first_name == "Sam"


name_text = st.one_of(
    st.sampled_from(MARKUP + UNICODE_EDGES + (LONG, NUL)),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120),
)


@HOSTILE_SETTINGS
@given(first_name=name_text, last_name=name_text, reference=name_text)
def test_any_subscriber_name_is_refused_clearly_or_stored_exactly_and_shown_escaped(
    fabrikam, post, probes, first_name, last_name, reference
):
    AgreementLine.objects.filter(agreement=fabrikam.agreement).update(seats_purchased=10_000)
    client = client_for(fabrikam.owner)
    agreement = fabrikam.agreement
    email = f"s{Subscription.objects.count()}@fabrikam.example"
    data = _subscriber(
        first_name=first_name, last_name=last_name, reference=reference, sign_in_email=email
    )
    before = snapshot()
    mail.outbox.clear()

    response = post(
        client,
        reverse("agreements:subscriber_add", args=[agreement.public_id]),
        data,
        HTTP_HX_REQUEST="true",
    )

    if "HX-Redirect" not in response.headers:
        assert response.status_code == 200
        assert response.context["form"].errors, "refused, and says why"
        assert_unchanged(probes, before, "a refused subscriber")
        return
    # Saved: django-htmx's client redirect (a 200 that htmx follows) back to the grid.
    assert response.headers["HX-Redirect"] == reverse(
        "agreements:subscribers", args=[agreement.public_id]
    )
    subscription = Subscription.objects.get(agreement=agreement, sign_in_email=email)
    assert (subscription.first_name, subscription.last_name, subscription.reference) == (
        first_name.strip(),
        last_name.strip(),
        reference.strip(),
    )
    _emails_escape(probes, mail.outbox)
    grid = reverse("agreements:subscribers", args=[agreement.public_id])
    _pages_escape(
        probes,
        client,
        [
            grid,
            f"{grid}?q={email}",
            reverse("agreements:subscriber_edit", args=[agreement.public_id, subscription.guid]),
            reverse("agreements:subscriber_remove", args=[agreement.public_id, subscription.guid]),
        ],
    )


def test_a_subscriber_named_with_markup_is_escaped_everywhere_it_is_shown(fabrikam, post, probes):
    client = client_for(fabrikam.owner)
    agreement = fabrikam.agreement
    mail.outbox.clear()
    response = post(
        client,
        reverse("agreements:subscriber_add", args=[agreement.public_id]),
        _subscriber(first_name=SCRIPT, last_name=IMG, reference=SCRIPT),
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get(sign_in_email="lee@fabrikam.example")
    _emails_escape(probes, mail.outbox)
    grid = reverse("agreements:subscribers", args=[agreement.public_id])
    actions = reverse("agreements:subscriber_actions", args=[agreement.public_id])
    post(client, actions, {"action": "delete", "selected": str(subscription.guid)})
    _pages_escape(
        probes,
        client,
        [
            grid,
            f"{grid}?q=alert",
            f"{grid}?q={SCRIPT}",
            reverse("agreements:subscriber_edit", args=[agreement.public_id, subscription.guid]),
            reverse("agreements:subscriber_remove", args=[agreement.public_id, subscription.guid]),
            reverse("agreements:history", args=[agreement.public_id]),
            reverse("agreements:overview", args=[agreement.public_id]),
        ],
    )
    htmx = client.get(f"{grid}?q=alert", HTTP_HX_REQUEST="true")
    probes.tried()
    assert_escaped(probes, htmx.content.decode(), "the grid fragment")


def test_the_grid_takes_any_query_parameters_without_error(fabrikam, probes):
    client = client_for(fabrikam.owner)
    grid = reverse("agreements:subscribers", args=[fabrikam.agreement.public_id])
    for params in (
        {"q": NUL},
        {"q": LONG},
        {"q": SCRIPT},
        {"q": "%' OR 1=1 --"},
        {"sort": SCRIPT},
        {"sort": "-password"},
        {"page": "-1"},
        {"page": "9" * 40},
        {"size": "100000"},
        {"size": SCRIPT},
    ):
        for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.get(grid, params, **htmx)
            probes.tried()
            assert response.status_code == 200, params
            assert_escaped(probes, response.content.decode(), f"grid with {params!r:.40}")


def test_preferences_refuse_hostile_values(fabrikam, refused):
    client = client_for(fabrikam.owner)
    url = reverse("agreements:preferences", args=[fabrikam.agreement.public_id])
    data = {
        "default_level": "",
        "default_language": "en",
        "country": "FR",
        "default_downloads": "on",
        "subscriber_contact_email": "help@fabrikam.example",
    }
    _malformed_emails(refused, client, url, data, "subscriber_contact_email")
    for field in ("default_level", "default_language", "country"):
        refused(client, url, {**data, field: SCRIPT}, field=field)
    refused(client, url, {**data, "default_level": "999999"}, field="default_level")


def test_administrator_invitations_refuse_malformed_addresses_and_odd_roles(fabrikam, refused):
    client = client_for(fabrikam.owner)
    url = reverse("agreements:administrators", args=[fabrikam.agreement.public_id])
    data = {"email": "new.admin@fabrikam.example", "role": "admin"}
    _malformed_emails(refused, client, url, data, "email")
    refused(client, url, {**data, "role": SCRIPT}, field="role")
    refused(client, url, {**data, "role": "owner"}, field="role")


def test_an_invited_administrator_sees_markup_in_names_escaped(fabrikam, post, probes):
    fabrikam.owner.full_name = SCRIPT
    fabrikam.owner.save()
    Agreement.objects.filter(pk=fabrikam.agreement.pk).update(customer_name=IMG)
    mail.outbox.clear()
    url = reverse("agreements:administrators", args=[fabrikam.agreement.public_id])
    data = {"email": "new.admin@fabrikam.example", "role": "admin"}

    response = post(client_for(fabrikam.owner), url, data)

    assert response.status_code == 302
    _emails_escape(probes, mail.outbox)
