import re
import time

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import Page, expect

from portal.accounts.models import User
from portal.tenancy.models import Invitation, Membership, Role
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "violet-kettle-harbour-91"


def email_wait(to: str, timeout: float = 5.0) -> mail.EmailMessage:
    """The latest email to `to`. Tasks run eagerly in the live server's thread, on commit."""
    deadline = time.monotonic() + timeout
    while True:
        sent = [message for message in mail.outbox if to in message.to]
        if sent:
            return sent[-1]
        if time.monotonic() > deadline:
            recipients = [message.to for message in mail.outbox]
            raise AssertionError(f"No email to {to} arrived; the outbox holds {recipients}")
        time.sleep(0.05)


def live_link(message: mail.EmailMessage, live_server) -> str:
    """The portal link in the email's text, pointed at the live server instead."""
    base = settings.PORTAL_BASE_URL
    match = re.search(rf"{re.escape(base)}/\S+", message.body)
    assert match, f"No link to {base} in the email:\n{message.body}"
    return live_server.url + match.group(0).removeprefix(base)


def test_owner_invites_a_colleague_who_signs_up_and_joins(page: Page, new_context, live_server):
    organization = OrganizationFactory(name="Fabrikam Ltd")
    owner = UserFactory(email="owner@fabrikam.example", full_name="Olivia Owner")
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER)

    # The owner invites a colleague from the Users page.
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill("owner@fabrikam.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    page.get_by_label("Email address").fill("colleague@fabrikam.example")
    page.get_by_label("Role").select_option(label="Administrator")
    page.get_by_role("button", name="Send invitation").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Invitation sent to colleague@fabrikam.example."
    )
    pending = page.get_by_role("row").filter(has_text="colleague@fabrikam.example")
    expect(pending).to_contain_text("Administrator")

    message = email_wait("colleague@fabrikam.example")
    assert "Fabrikam Ltd" in message.subject
    link = live_link(message, live_server)

    # The colleague, in a browser of their own, opens the link and creates an account.
    colleague = new_context().new_page()
    colleague.goto(link)
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Join Fabrikam Ltd")
    colleague.get_by_role("link", name="Create an account").click()

    expect(colleague.get_by_role("heading", name="Create an account")).to_be_visible()
    colleague.get_by_label("Full name").fill("Charles Colleague")
    expect(colleague.get_by_label("Work email address")).to_have_value("colleague@fabrikam.example")
    colleague.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    colleague.get_by_label("Password again").fill(NEW_PASSWORD)
    colleague.get_by_label("Language", exact=True).select_option(label="English")
    colleague.get_by_role("button", name="Create account").click()

    # Signing up from the invitation proves the address: straight back to the invitation.
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Join Fabrikam Ltd")
    colleague.get_by_role("button", name="Accept invitation").click()

    expect(colleague).to_have_url(f"{live_server.url}/")
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Fabrikam Ltd")
    expect(colleague.get_by_role("status")).to_contain_text("Welcome to Fabrikam Ltd.")
    expect(colleague.get_by_text("Your role: Administrator.")).to_be_visible()

    user = User.objects.get(email="colleague@fabrikam.example")
    assert user.full_name == "Charles Colleague"
    assert user.is_verified
    membership = Membership.objects.get(user=user, organization=organization)
    assert membership.role == Role.ADMIN
    assert Invitation.objects.get(email="colleague@fabrikam.example").accepted_by == user

    # The owner now sees the colleague among the members, no longer as a pending invitation.
    page.reload()
    members = page.get_by_role("region", name="Members")
    expect(
        members.get_by_role("row").filter(has_text="colleague@fabrikam.example")
    ).to_contain_text("Charles Colleague")
    expect(page.get_by_role("heading", name="Pending invitations")).to_have_count(0)
