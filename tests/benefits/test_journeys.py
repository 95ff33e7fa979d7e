"""No dead ends on the benefits pages: constraint violations recognised by name on every
database, Buy offered only where allowed and confirmed first, removals confirmed first, and
a purchase shown as provisioning until the page updates itself."""

import sqlite3

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.urls import reverse

from benefits import services
from benefits.integrity import constraint_violated
from benefits.models import BenefitAssignment, BenefitPackage, PackagePurchase
from benefits.services import ONE_ACTION_PACK, ONE_HOLDER_PER_SEAT, ONE_SEAT_PER_USER

from ..conftest import actor_of
from .conftest import benefit, client_for

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Constraint violations by name ------------------------------------------------------------


def test_postgresql_names_the_broken_constraint(partner, partner_membership, ana, provisioned):
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        PackagePurchase.objects.create(
            organization=partner,
            membership=partner_membership,
            package=provisioned.package,
            is_action_pack=True,
            purchased_by=ana,
        )

    assert constraint_violated(caught.value, PackagePurchase, ONE_ACTION_PACK)
    assert not constraint_violated(caught.value, BenefitAssignment, ONE_SEAT_PER_USER)


def _sqlite_error(schema: list[str], insert: str) -> IntegrityError:
    """The IntegrityError Django raises for a real SQLite refusal (in memory)."""
    database = sqlite3.connect(":memory:")
    for statement in schema:
        database.execute(statement)
    database.execute(insert)
    try:
        database.execute(insert)
    except sqlite3.IntegrityError as refusal:
        error = IntegrityError(*refusal.args)
        error.__cause__ = refusal
        return error
    finally:
        database.close()
    raise AssertionError("SQLite accepted the duplicate")


def test_sqlite_names_a_unique_constraint_by_its_columns_and_it_is_still_recognised():
    error = _sqlite_error(
        [
            "CREATE TABLE benefits_packagepurchase (id INTEGER PRIMARY KEY, "
            "membership_id INTEGER, is_action_pack BOOL, status TEXT)",
            "CREATE UNIQUE INDEX benefits_packagepurchase_one_action_pack_per_year "
            "ON benefits_packagepurchase (membership_id) "
            "WHERE is_action_pack AND NOT status = 'cancelled'",
        ],
        "INSERT INTO benefits_packagepurchase (membership_id, is_action_pack, status) "
        "VALUES (1, 1, 'available')",
    )

    assert "one_action_pack_per_year" not in str(error), "SQLite gives columns, not the name"
    assert constraint_violated(error, PackagePurchase, ONE_ACTION_PACK)


def test_sqlite_errors_of_two_constraints_on_one_table_are_told_apart():
    error = _sqlite_error(
        [
            "CREATE TABLE benefits_benefitassignment (id INTEGER PRIMARY KEY, "
            "benefit_id INTEGER, user_id INTEGER, seat INTEGER)",
            "CREATE UNIQUE INDEX a ON benefits_benefitassignment (benefit_id, user_id)",
        ],
        "INSERT INTO benefits_benefitassignment (benefit_id, user_id, seat) VALUES (1, 1, 1)",
    )

    assert constraint_violated(error, BenefitAssignment, ONE_SEAT_PER_USER)
    assert not constraint_violated(error, BenefitAssignment, ONE_HOLDER_PER_SEAT)
    assert not constraint_violated(error, PackagePurchase, ONE_ACTION_PACK)


# A second Action Pack ---------------------------------------------------------------------


def test_a_forged_post_for_a_second_action_pack_gets_the_clear_message_and_writes_nothing(
    partner, ana_client, provisioned
):
    response = ana_client.post(reverse("benefits:package_buy", args=["action-pack"]))

    assert response.status_code == 302
    assert response["Location"] == reverse("benefits:packages")
    assert _messages(response) == [
        "Your organization already has an Action Pack for this membership year."
    ]
    assert PackagePurchase.objects.count() == 1


def test_the_packages_page_offers_buy_only_where_it_will_be_allowed(ana_client, provisioned):
    page = ana_client.get(reverse("benefits:packages")).content.decode()

    assert 'aria-label="Buy Action Pack"' not in page
    assert "Your organization already has an Action Pack for this membership year." in page
    gold = BenefitPackage.objects.get(code="gold-cloud-platform")
    assert f'aria-label="Buy {gold.name}"' not in page
    assert f"{gold.name} needs a Gold membership or higher." in page
    assert "Upgrade your membership</a> to buy it." in page
    silver = BenefitPackage.objects.get(code="silver-application-development")
    assert f'href="{reverse("benefits:package_buy", args=[silver.code])}"' in page


# The confirmation step --------------------------------------------------------------------


def test_buy_asks_first_naming_the_package_and_what_it_grants(partner_membership, ana_client):
    response = ana_client.get(reverse("benefits:package_buy", args=["action-pack"]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Buy Action Pack?" in page
    assert "Windows 11 Pro: 10 licences" in page
    assert 'method="post"' in page and "Confirm purchase" in page
    assert not PackagePurchase.objects.exists(), "asking writes nothing"


def test_the_confirmation_of_a_refused_package_sends_back_with_the_reason(
    partner_membership, ana_client
):
    response = ana_client.get(reverse("benefits:package_buy", args=["gold-cloud-platform"]))

    assert response["Location"] == reverse("benefits:packages")
    assert "needs a Gold membership or higher" in _messages(response)[0]


def test_the_confirmation_needs_the_buy_packages_permission(partner_membership, eve):
    response = client_for(eve).get(reverse("benefits:package_buy", args=["action-pack"]))

    assert response.status_code == 403


# Removals ---------------------------------------------------------------------------------


@pytest.fixture
def bruno_on_visual_studio(partner, ana, bruno, provisioned):
    return services.benefit_assign(
        actor=actor_of(ana, partner),
        benefit=benefit(provisioned, "vs-professional"),
        user=bruno,
    )


def _remove_url(assignment) -> str:
    return reverse(
        "benefits:assignment_remove",
        args=[assignment.benefit.public_id, assignment.public_id],
    )


def test_remove_user_asks_first_and_asking_keeps_the_user(ana_client, bruno_on_visual_studio):
    row = ana_client.get(
        reverse("benefits:benefit", args=[bruno_on_visual_studio.benefit.public_id])
    ).content.decode()
    assert f'href="{_remove_url(bruno_on_visual_studio)}"' in row

    response = ana_client.get(_remove_url(bruno_on_visual_studio))

    page = response.content.decode()
    assert "Remove bruno.petit@contoso-partners.example from" in page
    assert 'method="post"' in page and "Cancel" in page
    bruno_on_visual_studio.refresh_from_db()
    assert bruno_on_visual_studio.status == BenefitAssignment.Status.ACTIVE


def test_confirming_the_removal_frees_the_seat(ana_client, bruno_on_visual_studio):
    response = ana_client.post(_remove_url(bruno_on_visual_studio))

    assert response.status_code == 302
    bruno_on_visual_studio.refresh_from_db()
    assert bruno_on_visual_studio.status == BenefitAssignment.Status.REMOVED
    assert "you can assign it to someone else" in _messages(response)[0]


@pytest.mark.parametrize("code", ["azure-credit", "support-incidents"])
def test_the_azure_and_support_removals_ask_first_too(partner, ana, ana_client, provisioned, code):
    target = benefit(provisioned, code)
    extra = {"alternate_email": "ana@home.example"} if "support" in code else {}
    assignment = services.benefit_assign(
        actor=actor_of(ana, partner), benefit=target, user=ana, **extra
    )

    page = ana_client.get(_remove_url(assignment)).content.decode()

    assert "Remove ana.martin@contoso-partners.example from" in page
    assignment.refresh_from_db()
    assert assignment.status != BenefitAssignment.Status.REMOVED


def test_after_removing_the_azure_user_the_message_offers_only_assign_yourself(
    partner, ana, ana_client, provisioned
):
    azure = benefit(provisioned, "azure-credit")
    assignment = services.benefit_assign(actor=actor_of(ana, partner), benefit=azure, user=ana)

    response = ana_client.post(_remove_url(assignment), HTTP_HX_REQUEST="true")

    row = response.content.decode()
    assert "To activate it again, assign yourself." in row
    assert "someone else" not in row
    assert "Assign yourself" in row


def test_the_removal_confirmation_needs_the_assign_benefits_permission(eve, bruno_on_visual_studio):
    response = client_for(eve).get(_remove_url(bruno_on_visual_studio))

    assert response.status_code == 403


# Provisioning -----------------------------------------------------------------------------


def test_a_purchase_is_shown_as_provisioning_and_polled_until_ready(
    partner, partner_membership, ana, ana_client, action_pack, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.package_purchase(actor=actor_of(ana, partner), package=action_pack)
    poll = reverse("benefits:benefits_provisioning", args=["software"])

    page = ana_client.get(reverse("benefits:benefits", args=["software"])).content.decode()
    assert "Your package is being provisioned…" in page
    assert "No benefit here yet" not in page
    assert f'hx-get="{poll}" hx-trigger="every 2s"' in page

    still = ana_client.get(poll, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in still.content.decode()
    assert "HX-Request" in still["Vary"]

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    ready = ana_client.get(poll, HTTP_HX_REQUEST="true").content.decode()

    assert "hx-trigger" not in ready, "polling stops once it is ready"
    assert "Your package is ready: its benefits are below." in ready
    assert 'id="benefit-list"' in ready and 'hx-swap-oob="true"' in ready
    assert "Office Professional Plus 2024" in ready
    assert "<script" not in ready and "style=" not in ready


def test_the_poll_without_htmx_is_the_tab_itself(partner_membership, ana_client):
    response = ana_client.get(reverse("benefits:benefits_provisioning", args=["cloud"]))

    assert response["Location"] == reverse("benefits:benefits", args=["cloud"])


def test_with_nothing_provisioning_the_tab_neither_polls_nor_hides_the_empty_state(
    partner_membership, ana_client
):
    page = ana_client.get(reverse("benefits:benefits", args=["software"])).content.decode()

    assert 'hx-trigger="every 2s"' not in page
    assert "No benefit here yet" in page


def test_the_confirmation_and_the_provisioning_notice_read_in_french(
    partner, partner_membership, ana, action_pack, django_capture_on_commit_callbacks
):
    ana.preferred_language = "fr"
    ana.save(update_fields=["preferred_language"])
    client = client_for(ana)
    with django_capture_on_commit_callbacks(execute=False):
        services.package_purchase(
            actor=actor_of(ana, partner),
            package=BenefitPackage.objects.get(code="silver-application-development"),
        )

    confirm = client.get(
        reverse("benefits:package_buy", args=["action-pack"]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    tab = client.get(reverse("benefits:benefits", args=["software"]), HTTP_ACCEPT_LANGUAGE="fr")

    assert "Acheter Action Pack\u00a0?" in confirm.content.decode()
    assert "Confirmer l'achat" in confirm.content.decode()
    assert "Votre package est en cours de provisionnement…" in tab.content.decode()
