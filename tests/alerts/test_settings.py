"""The organization's alert rules (owners and admins only, written in its History) and each
person's alert emails."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from alerts.models import AlertPreference, AlertRule, Digest, Kind
from alerts.selectors import alert_preference, alert_rules
from alerts.services import RuleChoice, alert_rules_save
from portal.audit.models import Action, AuditEntry
from portal.tenancy.models import Role

from ..conftest import actor_of, client_for
from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _rules_form(**changes) -> dict:
    """The settings form as the page shows it by default, with `changes`."""
    data = {
        "agreement_ending_enabled": "on",
        "agreement_ending_days": "60",
        "free_seats_enabled": "on",
        "free_seats_days": "14",
        "free_seats_percent": "30",
        "level_full_enabled": "on",
        "never_activated_enabled": "on",
        "never_activated_days": "30",
        "bulk_upload_failed_enabled": "on",
        "bulk_upload_failed_days": "7",
        "partner_access_ending_enabled": "on",
        "partner_access_ending_days": "30",
        "benefit_activation_enabled": "on",
        "benefit_activation_days": "7",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_rules_page_shows_the_defaults(world):
    page = client_for(world.partner_owner).get(reverse("alerts:rules")).content.decode()

    assert 'name="agreement_ending_days" value="60"' in page
    assert 'name="free_seats_percent" value="30"' in page
    assert 'name="free_seats_days" value="14"' in page
    assert 'name="never_activated_days" value="30"' in page


def test_an_owner_changes_a_threshold_and_switches_a_rule_off(world):
    client = client_for(world.partner_owner)

    response = client.post(
        reverse("alerts:rules"),
        _rules_form(agreement_ending_days="90", level_full_enabled=None),
        follow=True,
    )

    assert "Alert settings saved." in response.content.decode()
    rules = alert_rules(organization=world.partner)
    assert rules[Kind.AGREEMENT_ENDING].days == 90
    assert rules[Kind.LEVEL_FULL].enabled is False
    assert rules[Kind.FREE_SEATS].percent == 30
    assert AlertRule.objects.filter(organization=world.partner).count() == 2, "only the changes"
    entry = AuditEntry.objects.get(action=Action.ALERT_RULES_CHANGED)
    assert entry.organization == world.partner
    assert entry.details["rules"]["agreement_ending"]["days"] == 90


def test_saving_the_same_rules_again_writes_nothing(world):
    client = client_for(world.partner_owner)

    response = client.post(reverse("alerts:rules"), _rules_form(), follow=True)

    assert "Nothing changed." in response.content.decode()
    assert not AlertRule.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.ALERT_RULES_CHANGED).exists()


def test_a_threshold_out_of_range_is_refused_on_the_page(world):
    response = client_for(world.partner_owner).post(
        reverse("alerts:rules"), _rules_form(free_seats_percent="140")
    )

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 100." in response.content.decode()
    assert not AlertRule.objects.exists()


def test_only_owners_and_admins_see_or_change_the_organizations_rules(world):
    response = client_for(world.partner_member).post(
        reverse("alerts:rules"), _rules_form(agreement_ending_days="5")
    )

    assert response.status_code == 404
    assert client_for(world.partner_member).get(reverse("alerts:rules")).status_code == 404
    assert not AlertRule.objects.exists()
    with pytest.raises(PermissionDenied):
        alert_rules_save(
            actor=actor_of(world.partner_member, world.partner),
            choices=[RuleChoice(kind=Kind.AGREEMENT_ENDING, enabled=False, days=60)],
        )


def test_an_admin_may_change_the_rules(world):
    admin = MembershipFactory(organization=world.partner, role=Role.ADMIN).user

    alert_rules_save(
        actor=actor_of(admin, world.partner),
        choices=[RuleChoice(kind=Kind.NEVER_ACTIVATED, enabled=True, days=45)],
    )

    assert alert_rules(organization=world.partner)[Kind.NEVER_ACTIVATED].days == 45
    assert alert_rules(organization=world.customer)[Kind.NEVER_ACTIVATED].days == 30


def test_a_person_chooses_a_daily_digest_of_some_kinds(world):
    client = client_for(world.partner_member)
    assert alert_preference(user=world.partner_member).digest == Digest.WEEKLY

    response = client.post(
        reverse("alerts:preferences"),
        {"digest": "daily", "email_kinds": ["level_full", "agreement_ending"]},
        follow=True,
    )

    # Marc reads the portal in French.
    assert "Vos e-mails d&#x27;alerte sont enregistrés." in response.content.decode()
    saved = AlertPreference.objects.get(user=world.partner_member)
    assert saved.digest == Digest.DAILY
    assert saved.email_kinds == ["agreement_ending", "level_full"]


def test_the_preferences_form_refuses_an_unknown_digest(world):
    response = client_for(world.partner_member).post(
        reverse("alerts:preferences"), {"digest": "hourly"}
    )

    assert response.status_code == 200
    assert not AlertPreference.objects.exists()


def test_the_list_links_to_the_settings_an_owner_may_change(world):
    as_owner = client_for(world.partner_owner).get(reverse("alerts:list")).content.decode()
    as_member = client_for(world.partner_member).get(reverse("alerts:list")).content.decode()

    assert reverse("alerts:rules") in as_owner
    assert reverse("alerts:rules") not in as_member
    assert reverse("alerts:preferences") in as_member
