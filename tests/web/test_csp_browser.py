"""The pages under their Content-Security-Policy in Chromium (issue 11, item 15).

Every page is served with a policy that allows only our own scripts and styles; here a
real browser walks the pages and uses what their scripts do (checks as you type, the
offline request QR, the status read from the QR's fragment, the TV display, the
signer's "select all"), and no violation may be reported.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, Response, expect

from office_server.seed import DEMO_PASSWORDS
from tests.support import factories
from tests.support.server import RunningServer
from tests.web.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

# Runs before any page script (Playwright injects it through the DevTools protocol,
# which the page's policy does not govern).
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
});
"""


class Watched:
    def __init__(self, browser: Any, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport)
        self.context.add_init_script(WATCH_VIOLATIONS)
        self.page: Page = self.context.new_page()
        self.console: list[str] = []
        self.violations: list[str] = []
        self.page.on(
            "console",
            lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None,
        )

    def collect(self) -> None:
        found = self.page.evaluate("window.__csp || []")
        self.violations += [f"{self.page.url}: {v}" for v in found]
        self.page.evaluate("window.__csp = []")

    def goto(self, url: str) -> Response:
        self.collect()
        response = self.page.goto(url)
        assert response is not None
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, url
        assert response.headers.get("referrer-policy") == "no-referrer", url
        return response

    def close(self) -> None:
        self.collect()
        self.context.close()
        assert self.violations == [] and self.console == [], (self.violations, self.console)


def fill_domisili(page: Page, serial: int) -> None:
    page.fill("#f-applicant_nik", factories.make_nik(serial=serial))
    page.fill("#f-applicant_name", "Budi Santoso")
    for name, value in factories.domisili_form().items():
        selector = f"#f-{name}"
        if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)


def test_resident_pages_work_under_the_policy(browser: Any, web_server: RunningServer) -> None:
    base = web_server.url
    w = Watched(browser, PHONE)
    page = w.page
    try:
        w.goto(f"{base}/")
        # app.js registered the service worker. (No wait_for_function here: Playwright runs
        # its predicate through eval, which the policy rightly refuses.)
        assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)") is True
        w.goto(f"{base}/surat/domisili")
        page.fill("#f-applicant_nik", "36041217")
        page.locator("#f-applicant_name").focus()
        expect(page.locator("#e-applicant_nik")).to_have_text(
            "NIK harus 16 angka (yang diisi 8 angka)."
        )
        fill_domisili(page, serial=611)
        # The offline request QR: qr.js is loaded on demand and draws on a canvas.
        page.locator("#offline-btn").click()
        expect(page.locator("#offline-qr")).to_be_visible()
        page.locator("#offline-edit").click()
        page.get_by_role("button", name="Periksa isian").click()
        page.get_by_role("button", name="Kirim permohonan").click()
        expect(page.locator("[role=status]")).to_contain_text("Permohonan terkirim")
        code = page.locator("#code").inner_text().strip()
        secret = page.locator("#secret").inner_text().replace(" ", "")
        # The QR's link: status.js reads the secret from the fragment and asks the API.
        w.goto(f"{base}/S/{code}#{secret}")
        expect(page.locator("#status-label")).to_have_text("Sedang Diperiksa")
        expect(page.locator("#live dd.code")).to_have_text(code)
        w.goto(f"{base}/v/{'A' * 32}")
        expect(page.locator("main")).to_have_css("max-width", "640px")  # verify.css applied
        w.goto(f"{base}/tidak-ada")
        expect(page.locator("body")).to_have_css("padding", "16px")  # app.css on error pages
    finally:
        w.close()


def test_operator_pages_and_display_work_under_the_policy(
    browser: Any, web_server: RunningServer
) -> None:
    base = web_server.url
    created = web_server.file_request()
    with web_server.operator_client("operator") as op:
        rid = web_server.request_id(op, created["code"])
        op.post(f"/api/v1/operator/requests/{rid}/approve").raise_for_status()
    w = Watched(browser, DESKTOP)
    page = w.page
    try:
        w.goto(f"{base}/display")
        page.locator("#sound").click()
        expect(page.locator("#sound")).to_have_text("🔊 Suara aktif")  # display.js runs
        w.goto(f"{base}/operator/login")
        page.fill("#username", "kades")
        page.fill("#password", DEMO_PASSWORDS["kades"])
        page.get_by_role("button", name="Masuk").click()
        expect(page.locator("h1")).to_have_text("Menunggu tanda tangan")
        page.locator("#pick-all").check()  # sign.js ticks every row
        boxes = page.locator("input[name=ids]")
        assert boxes.count() >= 1
        for i in range(boxes.count()):
            expect(boxes.nth(i)).to_be_checked()
        page.locator("#pick-all").uncheck()
        expect(boxes.first).not_to_be_checked()
        page.get_by_role("button", name="Keluar (kades)").click()
        expect(page.locator("h1")).to_have_text("Masuk operator")
        w.goto(f"{base}/operator/login")
        page.fill("#username", "admin")
        page.fill("#password", DEMO_PASSWORDS["admin"])
        page.get_by_role("button", name="Masuk").click()
        for path in ("/operator", "/operator/antrean", "/admin/surat/domisili", "/admin/desa"):
            w.goto(base + path)
    finally:
        w.close()
