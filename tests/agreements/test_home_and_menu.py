"""A partner with hundreds of customers: the agreements dropdown names the first ten and
leads to the home page, which pages and searches them all."""

import pytest
from django.urls import reverse

from agreements.selectors import AGREEMENT_MENU_SIZE
from portal.views import HOME_PAGE_SIZE

from ..factories import AgreementFactory, PartnerLinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_customers(partner):
    count = HOME_PAGE_SIZE + 5
    for n in range(count):
        agreement = AgreementFactory(
            customer_name=f"Customer {n:03}", authorization_number=f"V77{n:07}"
        )
        PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    return count


def _main(response) -> str:
    return response.content.decode().split("<main")[1]


def _menu(page: str) -> str:
    return page.split('aria-label="Open License agreements"')[1].split("</nav>")[0]


def test_the_agreements_menu_names_the_first_ten_and_leads_to_all(partner_client, many_customers):
    menu = _menu(partner_client.get(reverse("home")).content.decode())

    assert menu.count('class="menu__item" href="/agreements/') == AGREEMENT_MENU_SIZE
    assert "Customer 000" in menu and "Customer 010" not in menu
    assert "All agreements…" in menu


def test_a_short_agreements_menu_has_no_link_to_more(partner_client, partner):
    PartnerLinkFactory(
        agreement=AgreementFactory(customer_name="Only Ltd"), partner_organization=partner
    )

    menu = _menu(partner_client.get(reverse("home")).content.decode())

    assert "Only Ltd" in menu and "All agreements…" not in menu


def test_the_home_page_pages_the_agreements(partner_client, many_customers):
    first = _main(partner_client.get(reverse("home")))
    second = _main(partner_client.get(reverse("home"), {"page": 2}))

    assert first.count("<tr>") - 1 == HOME_PAGE_SIZE
    assert second.count("<tr>") - 1 == many_customers - HOME_PAGE_SIZE
    assert "Page 2 of 2" in second


def test_the_home_page_searches_customers_and_numbers(partner_client, many_customers):
    by_name = _main(partner_client.get(reverse("home"), {"q": "customer 007"}))
    by_number = _main(partner_client.get(reverse("home"), {"q": "V770000012"}))
    nothing = _main(partner_client.get(reverse("home"), {"q": "zzz"}))

    assert "Customer 007" in by_name and "Customer 008" not in by_name
    assert "Customer 012" in by_number and by_number.count("<tr>") == 2
    assert "No agreement matches “zzz”." in nothing
