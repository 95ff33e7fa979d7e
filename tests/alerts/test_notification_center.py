"""The bell, the list of alerts, dismissing them (for oneself only; never a critical one), and
who sees which alerts."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.models import Alert, AlertDismissal, Kind, Severity
from alerts.selectors import alert_count
from alerts.services import alert_dismiss, alerts_dismiss_all

from ..conftest import actor_of, client_for
from ..factories import MembershipFactory, PartnerOrganizationFactory
from .conftest import TODAY, evaluate

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _alert(world, *, severity=Severity.WARNING, key="agreement_ending:test", organization=None):
    return Alert.objects.create(
        organization=organization or world.partner,
        kind=Kind.AGREEMENT_ENDING,
        severity=severity,
        agreement=world.agreement,
        key=key,
        args={
            "customer_name": "Fabrikam Ltd",
            "authorization_number": "V482019301",
            "ends_on": (TODAY + timedelta(days=40)).isoformat(),
        },
    )


def test_the_bell_counts_the_open_alerts_the_person_has_not_dismissed(world):
    warning = _alert(world, key="a")
    _alert(world, key="b", severity=Severity.CRITICAL)
    resolved = _alert(world, key="c")
    Alert.objects.filter(pk=resolved.pk).update(resolved_at=resolved.created_at)
    alert_dismiss(actor=actor_of(world.partner_owner, world.partner), alert=warning)

    page = client_for(world.partner_owner).get(reverse("home")).content.decode()
    assert '<span id="alert-count" class="alert-bell__count">1</span>' in page
    assert alert_count(actor=actor_of(world.partner_member, world.partner)) == 2, (
        "a colleague still sees the one dismissed"
    )


def test_the_bell_panel_lists_the_alerts_when_opened_and_leads_to_the_list_without_js(world):
    _alert(world)
    client = client_for(world.partner_owner)

    panel = client.get(reverse("alerts:bell"), headers=HTMX)
    plain = client.get(reverse("alerts:bell"))

    assert "The Open License V482019301 of Fabrikam Ltd ends on" in panel.content.decode()
    assert "<html" not in panel.content.decode()
    assert plain.status_code == 302 and plain["Location"] == reverse("alerts:list")


def test_the_list_shows_critical_alerts_first_and_without_a_dismiss_button(world):
    warning = _alert(world, key="a")
    critical = _alert(world, key="b", severity=Severity.CRITICAL)

    page = client_for(world.partner_owner).get(reverse("alerts:list")).content.decode()

    assert page.index("Critical") < page.index("Warning")
    assert reverse("alerts:dismiss", args=[warning.public_id]) in page
    assert reverse("alerts:dismiss", args=[critical.public_id]) not in page


def test_dismissing_by_a_plain_post_goes_back_to_the_list(world):
    alert = _alert(world)
    client = client_for(world.partner_owner)

    response = client.post(reverse("alerts:dismiss", args=[alert.public_id]))

    assert response.status_code == 302 and response["Location"] == reverse("alerts:list")
    assert AlertDismissal.objects.filter(alert=alert, user=world.partner_owner).exists()
    assert "ends on" not in client.get(reverse("alerts:list")).content.decode()


def test_dismissing_by_htmx_removes_the_row_and_updates_the_bell(world):
    alert = _alert(world, key="a")
    _alert(world, key="b")

    response = client_for(world.partner_owner).post(
        reverse("alerts:dismiss", args=[alert.public_id]), headers=HTMX
    )

    assert response.status_code == 200
    assert response.content.decode().strip() == (
        '<span id="alert-count" class="alert-bell__count" hx-swap-oob="true">1</span>'
    )


def test_a_critical_alert_cannot_be_dismissed_by_the_service_or_a_post(world):
    critical = _alert(world, severity=Severity.CRITICAL)

    with pytest.raises(ValidationError):
        alert_dismiss(actor=actor_of(world.partner_owner, world.partner), alert=critical)
    response = client_for(world.partner_owner).post(
        reverse("alerts:dismiss", args=[critical.public_id]), follow=True
    )

    assert "A critical alert stays until what it reports is resolved." in (
        response.content.decode()
    )
    assert not AlertDismissal.objects.exists()


def test_dismiss_all_leaves_critical_alerts_and_colleagues_alone(world):
    _alert(world, key="a")
    _alert(world, key="b")
    _alert(world, key="c", severity=Severity.CRITICAL)

    assert alerts_dismiss_all(actor=actor_of(world.partner_owner, world.partner)) == 2
    response = client_for(world.partner_owner).post(reverse("alerts:dismiss_all"), headers=HTMX)

    assert response["HX-Redirect"] == reverse("alerts:list")
    assert alert_count(actor=actor_of(world.partner_owner, world.partner)) == 1
    assert alert_count(actor=actor_of(world.partner_member, world.partner)) == 3


def test_a_foreign_organizations_alert_is_a_404_and_stays_undismissed(world):
    alert = _alert(world)
    outsider = MembershipFactory(organization=PartnerOrganizationFactory()).user

    response = client_for(outsider).post(reverse("alerts:dismiss", args=[alert.public_id]))

    assert response.status_code == 404
    assert not AlertDismissal.objects.exists()
    assert "Fabrikam" not in client_for(outsider).get(reverse("alerts:list")).content.decode()


def test_a_resolved_alert_cannot_be_dismissed(world):
    alert = _alert(world)
    Alert.objects.filter(pk=alert.pk).update(resolved_at=alert.created_at)

    response = client_for(world.partner_owner).post(
        reverse("alerts:dismiss", args=[alert.public_id])
    )

    assert response.status_code == 404


def test_a_customer_member_sees_no_alert_about_an_agreement_they_do_not_administer(world):
    """The alert follows the one access rule: an organization's member who is none of the
    agreement's administrators does not see it."""
    _alert(world, organization=world.customer)
    clerk = MembershipFactory(organization=world.customer).user

    assert alert_count(actor=actor_of(world.customer_owner, world.customer)) == 1
    assert alert_count(actor=actor_of(clerk, world.customer)) == 0


def test_alerts_belong_to_the_organization_the_person_acts_for(world):
    """A person in two organizations sees each one's alerts while acting for it."""
    _alert(world)
    MembershipFactory(organization=world.customer, user=world.partner_owner)

    assert alert_count(actor=actor_of(world.partner_owner, world.partner)) == 1
    assert alert_count(actor=actor_of(world.partner_owner, world.customer)) == 0


def test_the_list_page_answers_htmx_with_its_fragment(world):
    evaluate(TODAY)  # nothing holds: the list is empty
    response = client_for(world.partner_owner).get(reverse("alerts:list"), headers=HTMX)

    assert "No open alert." in response.content.decode()
    assert "<html" not in response.content.decode()
    assert "HX-Request" in response["Vary"]


def _bell_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("alerts:bell"), headers=HTMX)
    assert response.status_code == 200
    return len(queries)


def test_the_bell_panel_makes_as_many_queries_for_1000_alerts_as_for_10(world):
    client = client_for(world.partner_owner)
    for n in range(10):
        _alert(world, key=f"few:{n}")
    client.get(reverse("alerts:bell"), headers=HTMX)  # the session and caches warm up
    with_few = _bell_queries(client)

    Alert.objects.bulk_create(
        Alert(
            organization=world.partner,
            kind=Kind.LEVEL_FULL,
            severity=Severity.CRITICAL if n % 2 else Severity.INFO,
            agreement=world.agreement,
            key=f"many:{n}",
            args={
                "customer_name": "Fabrikam Ltd",
                "authorization_number": "V482019301",
                "level": "Visual Studio Enterprise",
                "seats": 10,
            },
        )
        for n in range(990)
    )

    assert _bell_queries(client) == with_few
