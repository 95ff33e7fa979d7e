"""The welcome page knows who arrived: a person who signs up directly (not through the email's
link) is offered what is waiting for their address, and only someone with nothing waiting is
told they are not recognised. (A person with subscriptions: test_journeys_subscriptions.)"""

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.models import User
from portal.tenancy.models import Organization, Role
from portal.tenancy.services import invitation_send
from tests.browser.journeys import (
    ANA,
    LANGUAGES,
    TAILSPIN,
    language_choose,
    sign_up,
)
from tests.browser.journeys import demo as demo
from tests.browser.journeys import screen as screen
from tests.browser.test_invitation import email_wait, live_link
from tests.conftest import actor_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_up_directly(page: Page, live_server, *, name: str, email: str, language: str) -> None:
    """From the portal's own sign-in page, then the confirmation link of the address."""
    page.goto("/accounts/sign-in/")
    language_choose(page, language)
    page.locator("main a[href*='/accounts/sign-up/']").click()
    sign_up(page, full_name=name, email=email, language=language)
    page.goto(live_link(email_wait(email), live_server))
    confirm = page.locator("main form button[type=submit]")
    if confirm.count():
        confirm.click()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invitee_who_signs_up_directly_sees_the_invitation(demo, screen, live_server, language):
    contoso = Organization.objects.get(name="Contoso Partners")
    ana = User.objects.get(email=ANA)
    invitation_send(
        actor=actor_of(ana, contoso), email="nina@contoso-partners.example", role=Role.MEMBER
    )
    page = screen()

    _sign_up_directly(
        page,
        live_server,
        name="Nina Rossi",
        email="nina@contoso-partners.example",
        language=language,
    )

    expect(page.get_by_role("alert")).to_have_count(0)
    invitation = page.locator("main a[href*='/invitations/']")
    expect(invitation).to_contain_text("Contoso Partners")
    invitation.click()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header")).to_contain_text("Contoso Partners")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_customer_email_with_an_agreement_nobody_runs_is_offered_to_take_charge(
    demo, screen, live_server, language
):
    page = screen()

    _sign_up_directly(page, live_server, name="Tom Tailspin", email=TAILSPIN, language=language)

    expect(page.get_by_role("alert")).to_have_count(0)
    offer = page.locator("main a[href*='/take-charge/']")
    expect(offer).to_contain_text("V661042703")


@pytest.mark.parametrize("language", LANGUAGES)
def test_someone_with_nothing_waiting_is_told_they_are_not_recognised(
    demo, screen, live_server, language
):
    page = screen()

    _sign_up_directly(
        page, live_server, name="Nobody Known", email="nobody@unknown.example", language=language
    )

    expect(page.get_by_role("alert")).to_contain_text("nobody@unknown.example")
    expect(page.locator("main a[href$='/register/olp-partner/']")).to_be_visible()
