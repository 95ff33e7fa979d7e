"""Takes the French screenshots of this folder with Playwright and Debian's Chromium, from a
demo portal already running at BASE (e.g. a SQLite demo: `DATABASE_URL=sqlite:////tmp/shots.db
python manage.py migrate && python manage.py seed_demo && python manage.py runserver 18765`).
Run from the repository root: `python docs/screenshots/take_screenshots.py`."""

import html
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import sync_playwright


def workbook_page(content: bytes) -> str:
    """The returned workbook's Subscribers sheet as an HTML table, cell for cell, the way a
    spreadsheet shows it (the error cells in the workbook's red)."""
    sheet = load_workbook(io.BytesIO(content))["Subscribers"]
    rows = []
    for number, row in enumerate(sheet.iter_rows(), start=1):
        tag = "th" if number == 1 else "td"
        cells = ""
        for cell in row:
            red = cell.font and cell.font.color and cell.font.color.rgb == "FFC00000"
            value = html.escape(str(cell.value or ""))
            cells += f"<{tag}{' class=error' if red else ''}>{value}</{tag}>"
        rows.append(f"<tr><td class=n>{number}</td>{cells}</tr>")
    style = (
        "body{font:13px Calibri,Arial,sans-serif;margin:12px}table{border-collapse:collapse}"
        "td,th{border:1px solid #d4d4d4;padding:3px 6px;white-space:nowrap}th{background:#f3f3f3}"
        ".n{background:#f3f3f3;color:#666;text-align:right}.error{color:#c00000}"
    )
    return f"<html lang=fr><style>{style}</style><table>{''.join(rows)}</table></html>"


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

    # A French admin's upload with two bad rows, and the workbook it comes back as.
    grid_url = page.url
    template = page.request.get(re.sub(r"/subscribers/.*$", "/subscribers/template.xlsx", grid_url))
    workbook = load_workbook(io.BytesIO(template.body()))
    workbook["Subscribers"].append(
        ["Léa", "Bernard", "lea.bernard@fabrikam.example", "", "", "Oui", "", "FR", "fr"]
    )
    workbook["Subscribers"].append(["Hugo", "", "pas-une-adresse", "", "", "Peut-être"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page.goto(re.sub(r"/subscribers/.*$", "/subscribers/add-from-workbook/", grid_url))
    page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "abonnes.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": buffer.getvalue(),
            }
        ]
    )
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    returned = page.locator("a[href$='/errors.xlsx']").first.get_attribute("href")
    shot = ctx.new_page()
    shot.set_content(workbook_page(page.request.get(returned).body()))
    shot.screenshot(path="docs/screenshots/fr-returned-workbook.png", full_page=True)
    shot.close()
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
