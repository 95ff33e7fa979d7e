"""The benefits journeys end where a person expects, in Chromium at 1280x800: a purchase is
confirmed, shown as provisioning while a real worker provisions it, and the page updates
itself; a removal asks first; a second Action Pack is not offered, and forging it is told
clearly; resubmitting the Support form breaks no Content-Security-Policy."""

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from benefits.models import PackagePurchase
from benefits.services import benefit_assign
from portal.tenancy.models import Role
from tests.browser.test_benefits import ANA, BRUNO, open_row
from tests.browser.test_benefits import action_pack as action_pack
from tests.browser.test_benefits import partner as partner
from tests.browser.test_partner_flows import sign_in
from tests.conftest import actor_of
from tests.workers import celery_worker, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture
def page(new_context) -> Page:
    page = new_context().new_page()
    page.set_viewport_size(VIEWPORT)
    return page


def _violations(page: Page) -> list[str]:
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", watch)
    return refused


def test_a_purchase_is_confirmed_shown_provisioning_and_the_page_updates_itself(
    page: Page, partner, broker_queue
):
    refused = _violations(page)
    sign_in(page, ANA)
    page.goto("/partnership/packages/")

    page.get_by_role("link", name="Buy Action Pack").click()
    expect(page.get_by_role("heading", name="Buy Action Pack?")).to_be_visible()
    expect(page.get_by_text("Windows 11 Pro: 10 licences")).to_be_visible()
    page.get_by_role("button", name="Confirm purchase").click()

    # No worker yet: the task waits on the real broker, and the tab says so.
    notice = page.locator("#provisioning")
    expect(notice).to_contain_text("Your package is being provisioned…")
    expect(page.get_by_text("No benefit here yet.")).to_have_count(0)
    purchase = PackagePurchase.objects.get()
    assert purchase.status == PackagePurchase.Status.PROVISIONING

    with celery_worker(queue=broker_queue):
        assert wait_until(lambda: PackagePurchase.objects.get().status == "available", timeout=60)
        expect(notice).to_contain_text("Your package is ready", timeout=15_000)

    expect(page.get_by_role("heading", name="Windows 11 Pro")).to_be_visible()
    expect(page.get_by_role("heading", name="Office Professional Plus 2024")).to_be_visible()
    assert page.url.endswith("/partnership/benefits/software/"), "no reload, no navigation"
    assert refused == []


def test_a_removal_asks_first_and_cancel_keeps_the_user(page: Page, partner, action_pack):
    ana = partner.memberships.get(role=Role.OWNER).user
    bruno = partner.memberships.get(user__email=BRUNO).user
    action_pack.refresh_from_db()
    visual_studio = action_pack.benefits.get(product__code="vs-professional")
    benefit_assign(actor=actor_of(ana, partner), benefit=visual_studio, user=bruno)
    name = "Visual Studio Professional subscription"
    sign_in(page, ANA)
    page.goto("/partnership/benefits/visual-studio/")
    row = open_row(page, name)

    row.get_by_role("link", name=f"Remove {BRUNO}").click()
    expect(page.get_by_role("heading", name=f"Remove {BRUNO} from {name}?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()

    row = page.get_by_role("article", name=name)
    expect(row.get_by_role("cell", name=f"Bruno Petit {BRUNO}")).to_be_visible()
    expect(row.get_by_text("1 of 3 assigned")).to_be_visible()

    row.get_by_role("link", name=f"Remove {BRUNO}").click()
    page.get_by_role("button", name="Remove user").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{BRUNO} no longer holds it")
    expect(page.get_by_text("0 of 3 assigned")).to_be_visible()


def test_after_removing_the_azure_user_only_assign_yourself_is_offered(
    page: Page, partner, action_pack
):
    sign_in(page, ANA)
    page.goto("/partnership/benefits/cloud/")
    name = "Microsoft Azure (usage-based)"
    row = open_row(page, name)
    row.get_by_role("button", name="Assign yourself").click()
    row.get_by_role("link", name=f"Remove {ANA}").click()
    page.get_by_role("button", name="Remove user").click()

    expect(page.get_by_role("status").first).to_contain_text("assign yourself")
    expect(page.get_by_text("someone else")).to_have_count(0)
    expect(page.get_by_role("button", name="Assign yourself")).to_be_visible()


def test_a_second_action_pack_is_not_offered_and_a_forged_post_is_told_clearly(
    page: Page, partner, action_pack
):
    sign_in(page, ANA)
    page.goto("/partnership/packages/")
    package = page.get_by_role("article", name="Action Pack")
    expect(package.get_by_role("link", name="Buy Action Pack")).to_have_count(0)
    expect(package).to_contain_text("already has an Action Pack for this membership year")

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        "/partnership/packages/action-pack/buy/", headers={"X-CSRFToken": token}
    )

    assert response.status == 200, "no 500: back on the Packages page"
    assert "already has an Action Pack for this membership year" in response.text()
    assert PackagePurchase.objects.count() == 1


def test_resubmitting_the_support_form_breaks_no_policy(page: Page, partner, action_pack):
    refused = _violations(page)
    sign_in(page, ANA)
    page.goto("/partnership/benefits/support/")
    name = "Product support incidents"
    row = open_row(page, name)

    row.get_by_role("button", name="Assign user").click()
    row = page.get_by_role("article", name=name)
    expect(row.get_by_text("This field is required.").first).to_be_visible()
    row.get_by_label("User").select_option(label=f"Bruno Petit ({BRUNO})")
    row.get_by_label("Alternate email address").fill(BRUNO)
    row.get_by_role("button", name="Assign user").click()
    expect(row.get_by_role("alert")).to_contain_text("other than the one of their portal")
    row.get_by_label("User").select_option(label=f"Bruno Petit ({BRUNO})")
    row.get_by_label("Alternate email address").fill("bruno@home.example")
    row.get_by_role("button", name="Assign user").click()

    expect(row.get_by_text("Activation pending").first).to_be_visible()
    assert refused == []
