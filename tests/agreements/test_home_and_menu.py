"""A partner with hundreds of customers: the agreements dropdown names the first ten and
leads to the home page, which pages and searches them all."""

import pytest
from django.urls import reverse

from agreements.selectors import AGREEMENT_MENU_SIZE
from portal.views import HOME_PAGE_SIZE

from ..factories import AgreementFactory, AgreementLineFactory, PartnerLinkFactory

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


def _menu(client, **params) -> str:
    """The dropdown's items, as the menu fetches them when it is first opened."""
    return client.get(reverse("agreements:agreements_menu"), params).content.decode()


def test_pages_load_the_agreements_menu_only_when_it_is_opened(partner_client, many_customers):
    page = partner_client.get(reverse("home")).content.decode()
    menu = page.split('id="agreements-menu"')[1].split("</details>")[0]

    assert f'hx-get="{reverse("agreements:agreements_menu")}"' in menu
    assert 'hx-trigger="toggle once"' in menu
    # Before it loads, and without JavaScript, the menu leads to the list of them all.
    assert "Customer 000" not in menu and "All agreements…" in menu
    assert "+ New Open License" in menu


def test_the_agreements_menu_names_the_first_ten_and_leads_to_all(partner_client, many_customers):
    menu = _menu(partner_client)

    assert menu.count('class="menu__item" href="/agreements/') == AGREEMENT_MENU_SIZE
    assert "Customer 000" in menu and "Customer 010" not in menu
    assert "All agreements…" in menu


def test_a_short_agreements_menu_has_no_link_to_more(partner_client, partner):
    PartnerLinkFactory(
        agreement=AgreementFactory(customer_name="Only Ltd"), partner_organization=partner
    )

    menu = _menu(partner_client)

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


def test_the_agreements_menu_marks_the_current_one_and_hides_others_agreements(
    partner_client, partner
):
    mine = AgreementFactory(customer_name="Mine Ltd")
    PartnerLinkFactory(agreement=mine, partner_organization=partner)
    PartnerLinkFactory(agreement=AgreementFactory(customer_name="Someone Else's Ltd"))

    menu = _menu(partner_client, current=str(mine.public_id))

    assert "Mine Ltd" in menu and "Someone Else" not in menu
    assert 'aria-current="page"' in menu.split("Mine Ltd")[0]
    assert 'aria-current="page"' not in _menu(partner_client, current="not-a-uuid")


def test_the_agreements_menu_is_for_signed_in_members_only(client):
    response = client.get(reverse("agreements:agreements_menu"))

    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_the_home_page_counts_each_lines_seats_in_the_readers_language(
    partner_client, partner, partner_user
):
    agreement = AgreementFactory(customer_name="Seats Ltd")
    PartnerLinkFactory(agreement=agreement, partner_organization=partner)
    AgreementLineFactory(agreement=agreement, seats_purchased=10, seats_assigned=3)

    english = _main(partner_client.get(reverse("home")))
    partner_user.preferred_language = "fr"
    partner_user.save(update_fields=["preferred_language"])
    french = _main(partner_client.get(reverse("home")))

    assert "Visual Studio Enterprise: 3 of 10 assigned" in english
    assert "Visual Studio Enterprise\u00a0: 3 licence(s) attribuée(s) sur 10" in french
