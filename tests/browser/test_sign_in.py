import re

import pytest
from playwright.sync_api import Page, expect

from portal.tenancy.models import Role
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_switch_language_and_sign_out(page: Page, live_server):
    user = UserFactory(email="ada@fabrikam.example", full_name="Ada Lovelace")
    organization = OrganizationFactory(name="Fabrikam Ltd")
    MembershipFactory(user=user, organization=organization, role=Role.OWNER)

    page.goto("/accounts/sign-in/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email address").fill("ada@fabrikam.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fabrikam Ltd")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="FR", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Accueil")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name="FR", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    user.refresh_from_db()
    assert user.preferred_language == "fr"

    page.get_by_label("Menu du compte").click()
    page.get_by_role("button", name="Se déconnecter").click()

    expect(page).to_have_url(re.compile(r"/accounts/sign-in/$"))
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    # The language chosen while signed in stays with this browser after signing out.
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/\?next=/$"))
