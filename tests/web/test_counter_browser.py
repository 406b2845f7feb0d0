"""The counter in a real browser: an operator fills a counter-only form and prints the
receipt with the pickup QR (issue 14). Screenshots under the web shots folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from office_server.letter_types.forms import parse_schema
from tests.support.letter_samples import APPLICANT_NAME, APPLICANT_NIK, filled_form
from tests.support.server import RunningServer
from tests.web.conftest import DESKTOP
from tests.web.test_browser import login

pytestmark = pytest.mark.browser


def test_operator_files_a_kematian_and_prints_the_receipt(
    browser: Any, web_server: RunningServer, shots: Path
) -> None:
    base = web_server.url
    catalog = httpx.get(f"{base}/api/v1/letter-types", timeout=30).json()
    kematian = next(t for t in catalog if t["code"] == "kematian")
    values = filled_form(parse_schema(kematian["fields"]))
    context = browser.new_context(viewport=DESKTOP)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, base, "operator")
        page.get_by_role("link", name="Permohonan baru di loket").click()
        page.get_by_role("link", name="Surat Keterangan Kematian").click()
        page.fill("#applicant_nik", APPLICANT_NIK)
        page.fill("#applicant_name", APPLICANT_NAME)
        for field in kematian["fields"]:
            selector = f"#f-{field['name']}"
            if field["type"] == "select":
                page.select_option(selector, values[field["name"]])
            else:
                page.fill(selector, values[field["name"]])
        page.get_by_role("button", name="Ajukan dan cetak tanda terima").click()
        expect(page.locator("#receipt")).to_contain_text("TANDA TERIMA PERMOHONAN SURAT")
        expect(page.locator("#receipt svg")).to_be_visible()
        expect(page.locator("#receipt")).to_contain_text("ditandatangani basah")
        page.screenshot(path=shots / "desktop-counter-receipt.png", full_page=True)
        page.emulate_media(media="print")
        expect(page.locator("header.top")).to_be_hidden()
        page.screenshot(path=shots / "desktop-counter-receipt-print.png", full_page=True)
    finally:
        context.close()
    assert errors == []
