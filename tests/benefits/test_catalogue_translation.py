"""Catalogue content in the reader's language (django-modeltranslation): French where it is
written, English where it is not; an email names the product in its recipient's language."""

from django.core import mail
from django.urls import reverse
from django.utils import translation

from benefits import services
from benefits.models import BenefitPackage, BenefitProduct

from ..conftest import actor_of
from .conftest import benefit, client_for


def test_products_and_packages_read_in_the_active_language_with_english_as_fallback(db):
    azure = BenefitProduct.objects.get(code="azure-credit")
    with translation.override("fr"):
        assert azure.name == "Microsoft Azure (à l'usage)"
        assert azure.instructions.startswith("Le crédit mensuel se renouvelle le 1er")
        assert BenefitPackage.objects.get(code="action-pack").description.startswith(
            "Logiciels, services cloud"
        )
    with translation.override("en"):
        assert azure.name == "Microsoft Azure (usage-based)"

    BenefitProduct.objects.filter(code="azure-credit").update(instructions_fr="")
    azure.refresh_from_db()
    with translation.override("fr"):
        assert azure.instructions.startswith("The monthly credit renews")


def test_the_packages_page_is_in_french_for_a_french_reader(partner_membership, bruno):
    page = client_for(bruno).get(reverse("benefits:packages")).content.decode()

    assert "Compétence Gold\u00a0: Cloud Platform" in page
    assert "Gold competency" not in page


def test_an_assignment_email_names_the_product_in_the_recipients_language(
    partner, ana, bruno, provisioned, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.benefit_assign(
            actor=actor_of(ana, partner),
            benefit=benefit(provisioned, "vs-professional"),
            user=bruno,
        )

    (email,) = [message for message in mail.outbox if message.to == [bruno.email]]
    assert "vous a attribué\u00a0: Abonnement Visual Studio Professional" in email.subject
    assert "subscription" not in email.subject
