"""The Benefits page: rows that expand, Software downloads, Cloud, Visual Studio
subscriptions and Support, each action checked against the user's permissions, and another
organization's benefits answering 404."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from benefits import services
from benefits.models import BenefitAssignment, BenefitPackage
from benefits.tasks import support_activations_run
from portal.audit.models import Action, AuditEntry

from ..conftest import actor_of
from ..factories import MembershipFactory, PartnerMembershipFactory, PartnerOrganizationFactory
from .conftest import benefit, buy, client_for

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _url(name, item, *args) -> str:
    return reverse(f"benefits:{name}", args=[item.public_id, *args])


def _membership_id(user, organization) -> str:
    return str(user.memberships.get(organization=organization).public_id)


# The page and its rows ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tab", "shown", "not_shown"),
    [
        ("software", "Windows 11 Pro", "Microsoft Azure"),
        ("cloud", "Microsoft Azure (usage-based)", "Windows 11 Pro"),
        ("visual-studio", "Visual Studio Professional subscription", "Windows 11 Pro"),
        ("support", "Product support incidents", "Windows 11 Pro"),
    ],
)
def test_each_tab_lists_its_benefits(ana_client, provisioned, tab, shown, not_shown):
    page = ana_client.get(reverse("benefits:benefits", args=[tab])).content.decode()

    assert shown in page and not_shown not in page
    assert 'aria-current="page">' in page


def test_the_cloud_tab_lists_usage_and_licence_based_subscriptions(ana_client, provisioned):
    page = ana_client.get(reverse("benefits:benefits", args=["cloud"])).content.decode()

    assert "Microsoft 365 Business Premium" in page


def test_an_unknown_tab_is_a_404(ana_client, partner_membership):
    assert ana_client.get(reverse("benefits:benefits", args=["games"])).status_code == 404


def test_a_row_expands_with_htmx_and_has_its_own_page_without_javascript(ana_client, provisioned):
    office = benefit(provisioned, "office-professional-plus")
    collapsed = ana_client.get(reverse("benefits:benefits", args=["software"])).content.decode()

    fragment = ana_client.get(_url("benefit", office), headers=HTMX).content.decode()
    page = ana_client.get(_url("benefit", office)).content.decode()
    closed = ana_client.get(_url("benefit", office) + "?expanded=0", headers=HTMX).content.decode()

    assert "Show details of Office Professional Plus 2024" in collapsed
    assert "Get keys" not in collapsed
    assert "<html" not in fragment and "Get keys" in fragment
    assert 'aria-expanded="true"' in fragment
    assert "<html" in page and "Get keys" in page
    assert "Get keys" not in closed and 'aria-expanded="false"' in closed


def test_the_benefits_page_runs_the_same_queries_however_many_benefits(
    partner, ana, ana_client, provisioned, django_capture_on_commit_callbacks
):
    url = reverse("benefits:benefits", args=["visual-studio"])
    silver = BenefitPackage.objects.get(code="silver-application-development")
    ana_client.get(url)
    with CaptureQueriesContext(connection) as one_package:
        ana_client.get(url)

    buy(ana, partner, silver, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as two_packages:
        page = ana_client.get(url).content.decode()

    assert "Visual Studio Enterprise subscription" in page
    assert len(two_packages.captured_queries) == len(one_package.captured_queries)


# Software ----------------------------------------------------------------------------------


def test_software_download_links_match_the_language_and_operating_system_chosen(
    ana_client, provisioned
):
    office = benefit(provisioned, "office-professional-plus")
    query = {"language": "fr", "operating_system": "windows-64"}

    fragment = ana_client.get(_url("benefit_downloads", office), query, headers=HTMX)
    page = ana_client.get(_url("benefit_downloads", office), query).content.decode()

    links = fragment.content.decode()
    assert "/office-professional-plus/fr/office-professional-plus-2024--64-bit--img" in links
    assert "(32-bit)" not in links and "/en/" not in links
    assert "<html" not in links
    assert "/office-professional-plus/fr/" in page and "<html" in page


def test_a_product_without_a_download_for_that_system_says_so(ana_client, provisioned):
    windows = benefit(provisioned, "windows-11-pro")

    page = ana_client.get(
        _url("benefit_downloads", windows),
        {"language": "de", "operating_system": "macos"},
        headers=HTMX,
    ).content.decode()

    assert "No download of this product in that language for that operating system." in page


# Cloud -------------------------------------------------------------------------------------


def test_a_usage_based_azure_subscription_is_activated_by_assigning_yourself(
    partner, ana, ana_client, provisioned
):
    azure = benefit(provisioned, "azure-credit")

    before = ana_client.get(_url("benefit", azure)).content.decode()
    response = ana_client.post(_url("benefit_assign", azure), headers=HTMX)

    assert "Assign yourself" in before
    page = response.content.decode()
    assert "Manage it in the Azure portal" in page
    assert "https://portal.azure.com/" in page
    assignment = BenefitAssignment.objects.get(benefit=azure)
    assert assignment.user == ana and assignment.status == "active"


def test_a_usage_based_azure_subscription_cannot_be_assigned_to_someone_else(
    partner, ana, bruno, provisioned
):
    azure = benefit(provisioned, "azure-credit")

    with pytest.raises(ValidationError, match="assigning yourself"):
        services.benefit_assign(actor=actor_of(ana, partner), benefit=azure, user=bruno)


def test_a_licence_based_subscription_shows_get_keys_and_its_activation_instructions(
    ana_client, provisioned
):
    microsoft_365 = benefit(provisioned, "microsoft-365-business")

    detail = ana_client.get(_url("benefit", microsoft_365)).content.decode()
    keys = ana_client.post(_url("benefit_keys", microsoft_365), headers=HTMX).content.decode()

    assert "Activation instructions" in detail and "Add a product key" in detail
    assert "Get keys" in detail
    assert "Product keys" in keys and "<code>" in keys


# Visual Studio subscriptions ---------------------------------------------------------------


def test_assigning_a_visual_studio_subscription_emails_the_user_in_their_language(
    partner, ana, bruno, ana_client, provisioned, django_capture_on_commit_callbacks
):
    vs = benefit(provisioned, "vs-professional")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = ana_client.post(
            _url("benefit_assign", vs), {"member": _membership_id(bruno, partner)}, headers=HTMX
        )

    page = response.content.decode()
    assert "bruno.petit@contoso-partners.example is assigned" in page
    assert "1 of 3 assigned" in page
    (message,) = mail.outbox
    assert message.to == [bruno.email]
    assert "Abonnement Visual Studio Professional" in message.subject, "the name in French too"
    assert "vous a attribué" in message.subject, "Bruno reads French"
    assert "/my-subscriptions/" in message.body
    assert AuditEntry.objects.filter(organization=partner, action=Action.BENEFIT_ASSIGNED).exists()


def test_the_assignee_sees_the_subscription_under_my_subscriptions(
    partner, ana, bruno, provisioned
):
    vs = benefit(provisioned, "vs-professional")
    services.benefit_assign(actor=actor_of(ana, partner), benefit=vs, user=bruno)

    page = client_for(bruno).get(reverse("my_subscriptions")).content.decode()

    assert "Abonnement Visual Studio Professional" in page, "in French: Bruno reads French"
    assert "Contoso Partners" in page


def test_each_seat_is_assigned_once_and_a_full_benefit_refuses_more(partner, ana, provisioned):
    vs = benefit(provisioned, "vs-professional")
    actor = actor_of(ana, partner)
    people = [MembershipFactory(organization=partner).user for _ in range(3)]
    for person in people:
        services.benefit_assign(actor=actor, benefit=vs, user=person)

    with pytest.raises(ValidationError, match="Every subscription of this benefit is assigned"):
        services.benefit_assign(actor=actor, benefit=vs, user=ana)
    with pytest.raises(ValidationError, match="already has this benefit"):
        services.benefit_unassign(actor=actor, assignment=vs.assignments.first())
        services.benefit_assign(actor=actor, benefit=vs, user=people[1])
    seats = sorted(vs.assignments.held().values_list("seat", flat=True))
    assert seats == [2, 3]


def test_a_subscription_is_reassigned_by_removing_its_user_and_assigning_another(
    partner, ana, bruno, chloe, ana_client, provisioned
):
    vs = benefit(provisioned, "vs-professional")
    first = services.benefit_assign(actor=actor_of(ana, partner), benefit=vs, user=bruno)

    ana_client.post(_url("assignment_remove", vs, first.public_id))
    ana_client.post(_url("benefit_assign", vs), {"member": _membership_id(chloe, partner)})

    first.refresh_from_db()
    assert first.status == "removed" and first.removed_by == ana
    (holder,) = vs.assignments.held()
    assert holder.user == chloe and holder.seat == first.seat
    assert AuditEntry.objects.filter(action=Action.BENEFIT_UNASSIGNED).count() == 1
    page = client_for(bruno).get(reverse("my_subscriptions")).content.decode()
    assert "Visual Studio Professional subscription" not in page


def test_only_users_of_the_organization_can_be_chosen(partner, ana, ana_client, provisioned):
    vs = benefit(provisioned, "vs-professional")
    outsider = MembershipFactory(organization=PartnerOrganizationFactory()).user

    page = ana_client.get(_url("benefit", vs)).content.decode()
    response = ana_client.post(
        _url("benefit_assign", vs),
        {"member": str(outsider.memberships.get().public_id)},
    )

    assert reverse("tenancy:members") in page and "Add users" in page
    assert outsider.email not in page
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError, match="user of your organization"):
        services.benefit_assign(actor=actor_of(ana, partner), benefit=vs, user=outsider)
    assert not vs.assignments.exists()


# Support -----------------------------------------------------------------------------------


def _assign_support(client, partner, item, user, alternate, capture):
    with capture(execute=True):
        return client.post(
            _url("benefit_assign", item),
            {"member": _membership_id(user, partner), "alternate_email": alternate},
            headers=HTMX,
        )


def test_support_needs_an_alternate_email_other_than_the_portal_account(
    partner, bruno, ana_client, provisioned, django_capture_on_commit_callbacks
):
    support = benefit(provisioned, "support-incidents")

    same = _assign_support(
        ana_client,
        partner,
        support,
        bruno,
        "Bruno.Petit@contoso-partners.example",
        django_capture_on_commit_callbacks,
    )
    missing = _assign_support(
        ana_client, partner, support, bruno, "", django_capture_on_commit_callbacks
    )
    too_long = _assign_support(
        ana_client,
        partner,
        support,
        bruno,
        "b" * 64 + "@" + "long-" * 40 + "example.com",
        django_capture_on_commit_callbacks,
    )

    assert "other than the one of their portal account" in same.content.decode()
    assert "This field is required" in missing.content.decode()
    assert too_long.status_code == 200
    assert "at most 254 characters" in too_long.content.decode()
    assert not support.assignments.exists()


def test_support_instructions_go_to_both_addresses_and_activation_is_pending(
    partner, bruno, ana_client, provisioned, settings, django_capture_on_commit_callbacks
):
    settings.SUPPORT_ACTIVATION_DELAY_DAYS = 3
    support = benefit(provisioned, "support-incidents")
    mail.outbox.clear()
    before = timezone.now()

    response = _assign_support(
        ana_client,
        partner,
        support,
        bruno,
        "bruno@home.example",
        django_capture_on_commit_callbacks,
    )

    page = response.content.decode()
    assert "Activation pending" in page
    assignment = support.assignments.get()
    assert assignment.status == "pending" and assignment.alternate_email == "bruno@home.example"
    assert before + timedelta(days=3) <= assignment.activate_at <= timezone.now() + timedelta(3)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "bruno.petit@contoso-partners.example",
        "bruno@home.example",
    ]
    assert all("support" in m.subject.lower() for m in mail.outbox)
    assert all("3 jours" in m.body for m in mail.outbox), "in Bruno's language"


def test_support_becomes_active_after_the_delay_and_the_user_is_emailed_again(
    partner, ana, bruno, provisioned, settings, django_capture_on_commit_callbacks
):
    settings.SUPPORT_ACTIVATION_DELAY_DAYS = 3
    support = benefit(provisioned, "support-incidents")
    assigned_at = timezone.now()
    assignment = services.benefit_assign(
        actor=actor_of(ana, partner),
        benefit=support,
        user=bruno,
        alternate_email="bruno@home.example",
        now=assigned_at,
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        early = services.support_activations_run(now=assigned_at + timedelta(days=2, hours=23))
    assignment.refresh_from_db()
    assert early == 0 and assignment.status == "pending" and not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        done = services.support_activations_run(now=assigned_at + timedelta(days=3, minutes=1))
        again = services.support_activations_run(now=assigned_at + timedelta(days=4))

    assignment.refresh_from_db()
    assert (done, again) == (1, 0)
    assert assignment.status == "active" and assignment.activated_at is not None
    (message,) = mail.outbox
    assert message.to == [bruno.email]
    assert "actif" in message.subject
    assert AuditEntry.objects.filter(organization=partner, action=Action.BENEFIT_ACTIVATED).exists()


def test_the_scheduled_task_activates_due_support(partner, ana, bruno, provisioned):
    support = benefit(provisioned, "support-incidents")
    services.benefit_assign(
        actor=actor_of(ana, partner),
        benefit=support,
        user=bruno,
        alternate_email="bruno@home.example",
        now=timezone.now() - timedelta(days=4),
    )

    assert support_activations_run.apply().get() == 1
    assert support.assignments.get().status == "active"


def test_the_beat_schedule_runs_support_activation(settings):
    tasks = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]

    assert "benefits.tasks.support_activations_run" in tasks


# Permissions on every action ---------------------------------------------------------------


def test_assigning_and_removing_need_the_assign_benefits_permission(partner, ana, eve, provisioned):
    vs = benefit(provisioned, "vs-professional")
    azure = benefit(provisioned, "azure-credit")
    held = services.benefit_assign(actor=actor_of(ana, partner), benefit=vs, user=ana)
    client = client_for(eve)
    actor = actor_of(eve, partner)

    page = client.get(_url("benefit", vs)).content.decode()
    responses = [
        client.post(_url("benefit_assign", vs), {"member": _membership_id(eve, partner)}),
        client.post(_url("benefit_assign", azure)),
        client.post(_url("assignment_remove", vs, held.public_id)),
    ]

    assert "Assign user" not in page and "Remove user" not in page
    assert "Your permissions do not include assigning benefits." in page
    assert [r.status_code for r in responses] == [403, 403, 403]
    with pytest.raises(PermissionDenied):
        services.benefit_assign(actor=actor, benefit=vs, user=eve)
    with pytest.raises(PermissionDenied):
        services.benefit_unassign(actor=actor, assignment=held)
    assert list(vs.assignments.held()) == [held]


def test_a_member_granted_assign_benefits_may_assign_but_not_see_keys(
    partner, bruno, chloe, provisioned
):
    vs = benefit(provisioned, "vs-professional")
    office = benefit(provisioned, "office-professional-plus")
    client = client_for(chloe)

    assigned = client.post(_url("benefit_assign", vs), {"member": _membership_id(bruno, partner)})
    keys = client.post(_url("benefit_keys", office))

    assert assigned.status_code == 302
    assert keys.status_code == 403


# Tenancy -----------------------------------------------------------------------------------


def test_another_organizations_benefits_answer_404(provisioned, ana, partner):
    rival = PartnerOrganizationFactory(name="Litware Partners")
    PartnerMembershipFactory(organization=rival)
    stranger = MembershipFactory(organization=rival, role="owner").user
    client = client_for(stranger)
    vs = benefit(provisioned, "vs-professional")
    office = benefit(provisioned, "office-professional-plus")
    held = services.benefit_assign(actor=actor_of(ana, partner), benefit=vs, user=ana)

    responses = [
        client.get(_url("benefit", office)),
        client.get(_url("benefit", office), headers=HTMX),
        client.post(_url("benefit_keys", office)),
        client.get(_url("benefit_downloads", office), {"language": "fr"}),
        client.post(_url("benefit_assign", vs), {"member": _membership_id(stranger, rival)}),
        client.post(_url("assignment_remove", vs, held.public_id)),
    ]

    assert [r.status_code for r in responses] == [404] * 6
    assert not AuditEntry.objects.filter(organization=rival).exists()
    page = client.get(reverse("benefits:benefits", args=["software"])).content.decode()
    assert "Office Professional Plus" not in page


def test_a_missing_benefit_answers_the_same_404(ana_client, partner_membership):
    assert ana_client.get(reverse("benefits:benefit", args=[uuid.uuid4()])).status_code == 404


def test_a_french_speaking_user_reads_the_benefits_page_in_french(bruno, provisioned):
    page = client_for(bruno).get(reverse("benefits:benefits", args=["software"])).content.decode()

    assert "Avantages" in page and "Logiciel" in page and "Abonnements Visual Studio" in page
    assert "Afficher les détails de Office Professional Plus 2024" in page
