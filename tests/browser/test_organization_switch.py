import pytest
from playwright.sync_api import Page, expect

from portal.tenancy.models import Role
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_switch_organization_from_the_header(page: Page):
    user = UserFactory(email="grace@contoso.example")
    # Without a choice in the session the portal starts in the first organization by name.
    MembershipFactory(user=user, organization=OrganizationFactory(name="Contoso"), role=Role.OWNER)
    MembershipFactory(user=user, organization=OrganizationFactory(name="Northwind Traders"))

    sign_in(page, "grace@contoso.example")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Contoso")

    switcher = page.locator("summary", has_text="Organization")
    switcher.click()
    page.get_by_role("button", name="Northwind Traders").click()

    expect(heading).to_have_text("Northwind Traders")
    expect(page.get_by_role("status")).to_contain_text("You are now working in Northwind Traders.")
    expect(page.get_by_text("Your role: Member.")).to_be_visible()

    # The choice sticks for the rest of the session, and switching back works the same way.
    page.reload()
    expect(heading).to_have_text("Northwind Traders")
    switcher.click()
    page.get_by_role("button", name="Contoso").click()
    expect(heading).to_have_text("Contoso")
    expect(page.get_by_text("Your role: Owner.")).to_be_visible()
