"""Operators edit the catalogue's English and French texts in the admin."""

from django.test import Client
from django.urls import reverse

from agreements.models import SubscriptionLevel
from benefits.models import BenefitProduct
from tests.factories import UserFactory


def test_the_admin_edits_a_product_in_english_and_french(db):
    operator = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator)
    product = BenefitProduct.objects.get(code="windows-11-pro")

    page = client.get(reverse("admin:benefits_benefitproduct_change", args=[product.pk]))
    level = SubscriptionLevel.objects.get(code="msdn-platforms")
    level_page = client.get(reverse("admin:agreements_subscriptionlevel_change", args=[level.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    for field in ("name_en", "name_fr", "instructions_en", "instructions_fr"):
        assert f'name="{field}"' in html
    assert 'name="download_links-0-label_fr"' in html
    assert 'name="name_fr"' in level_page.content.decode()
