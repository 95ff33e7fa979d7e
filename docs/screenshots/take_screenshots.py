"""Takes the French screenshots of this folder with Playwright and Debian's Chromium, from a
demo portal already running at BASE (e.g. a SQLite demo: `DATABASE_URL=sqlite:////tmp/shots.db
python manage.py migrate && python manage.py seed_demo && python manage.py runserver 18765`).
Run from the repository root: `python docs/screenshots/take_screenshots.py`."""

from playwright.sync_api import sync_playwright

BASE = "http://127.0.0.1:18765"
with sync_playwright() as p:
    b = p.chromium.launch(
        executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"]
    )
    ctx = b.new_context(base_url=BASE, viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = ctx.new_page()

    def sign_in(email):
        page.goto("/accounts/sign-in/")
        page.locator("input[type=email]").fill(email)
        page.locator("input[type=password]").fill("portal-demo-2026")
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()

    sign_in("chloe.durand@fabrikam.example")
    page.goto("/")
    page.locator("a", has_text="Fabrikam").first.click()
    page.get_by_role("link", name="Abonnés").first.click()
    page.wait_for_load_state()
    page.screenshot(path="docs/screenshots/fr-subscribers-grid.png", full_page=True)
    ctx.clear_cookies()
    sign_in("bruno.petit@contoso-partners.example")
    page.goto("/partnership/benefits/")
    page.wait_for_load_state()
    page.screenshot(path="docs/screenshots/fr-benefits.png", full_page=True)
    row = page.locator(".benefit-row").first
    toggle = row.locator(".benefit-row__toggle").first
    if toggle.count():
        toggle.click()
        page.wait_for_timeout(800)
    row.screenshot(path="docs/screenshots/fr-benefit-row.png")
    b.close()
