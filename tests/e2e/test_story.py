"""The whole story with every real part, as DESIGN.md tells it.

A resident files a request in Chromium on a phone viewport; the operator approves and
the village head signs in their browser; the kiosk (Kivy, real window under Xvfb) is
shown the pickup QR from the phone's screenshot, claims the letter and prints it on a
CUPS-PDF queue; the printed PDF holds the number and the name; the request is picked up;
the verification page confirms the letter's hash. Then the offline path: the phone loses
its signal, makes an offline-request QR, and the kiosk files it.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.kiosk.test_kiosk_e2e import run_kiosk
from tests.printer_drivers.cups_test_server import CupsTestServer
from tests.support.page_wait import wait_in_page
from tests.support.server import RunningServer, running_server
from tests.support.waiting import HANG_GUARD, wait_until
from tests.web.conftest import DESKTOP, PHONE
from tests.web.test_browser import decode_qr, fill_domisili, login

pytestmark = [pytest.mark.browser, pytest.mark.kiosk, pytest.mark.cups, pytest.mark.slow]

NAME = "Budi Santoso"


def wait_for_new_pdf(folder: Path, before: set[Path]) -> Path:
    """The first PDF that cups-pdf finished writing into ``folder`` since ``before``."""

    def finished() -> Path | None:
        for path in folder.rglob("*.pdf"):
            # Written front to back: the trailer's %%EOF comes last.
            if path not in before and path.read_bytes().rstrip().endswith(b"%%EOF"):
                return path
        return None

    return wait_until(finished, f"a finished PDF in {folder}")


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def verification_url_in(path: Path, tmp_path: Path) -> str:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("p*.png")))
    found = [r.text for r in zxingcpp.read_barcodes(image) if "/V/" in r.text]
    assert found, "no verification QR on the printed page"
    return str(found[0])


def test_the_whole_story(
    browser: Any,
    display: str,
    cups: CupsTestServer,
    receipt_url: str,
    receipt_output: Any,
    shots: Path,
    tmp_path: Path,
) -> None:
    with running_server(tmp_path / "server") as server:
        pickup_png, code = resident_files_a_request(browser, server, shots, tmp_path)
        operator_approves_and_head_signs(browser, server, code)
        offline_png = phone_offline_makes_a_qr(browser, server, tmp_path)

        before = set(cups.pdf_out.rglob("*.pdf"))
        result = run_kiosk(
            "e2e_story",
            display=display,
            server=server,
            tmp_path=tmp_path,
            a4=f"cups://{cups.pdf_queue}?server={cups.server}",
            receipt=receipt_url,
            params={"pickup_png": str(pickup_png), "offline_png": str(offline_png)},
        )
        printed = wait_for_new_pdf(cups.pdf_out, before)

        with server.operator_client("operator") as op:
            rid = server.request_id(op, code)
            detail = op.get(f"/api/v1/operator/requests/{rid}").json()
            archived = op.get(f"/api/v1/operator/requests/{rid}/letter.pdf").content
        assert detail["status"] == "picked_up"
        number = detail["letter"]["number"]
        text = pdf_text(printed)
        assert number in text and NAME in text

        # The printed paper's QR opens the verification page, which confirms the letter;
        # the letter's own PDF (cups-pdf re-renders, so not the spool output) matches.
        url = verification_url_in(printed, tmp_path)
        assert url.startswith(server.url.upper() + "/V/")
        page = httpx.get(server.url + url[len(server.url) :], timeout=HANG_GUARD)
        assert number in page.text
        assert hashlib.sha256(archived).hexdigest() == detail["letter"]["pdf_sha256"]
        assert detail["letter"]["pdf_sha256"] in page.text
        compared = httpx.post(
            server.url + url[len(server.url) :],
            files={"pdf": ("surat.pdf", archived, "application/pdf")},
            timeout=HANG_GUARD,
        )
        assert "Cocok." in compared.text

        # The offline path: the kiosk filed what the phone carried, and printed its ticket.
        offline_code = result["data"]["offline_code"]
        with server.operator_client("operator") as op:
            rows = op.get("/api/v1/operator/requests", params={"code": offline_code}).json()
        assert [(r["channel"], r["status"]) for r in rows] == [("offline_qr", "submitted")]
        assert offline_code in receipt_output()


def resident_files_a_request(
    browser: Any, server: RunningServer, shots: Path, tmp_path: Path
) -> tuple[Path, str]:
    context = browser.new_context(viewport=PHONE, service_workers="block")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/surat/domisili")
        fill_domisili(page, serial=501)
        page.get_by_role("button", name="Periksa isian").click()
        page.get_by_role("button", name="Kirim permohonan").click()
        expect(page.locator("[role=status]")).to_contain_text("Permohonan terkirim")
        code = page.locator("#code").inner_text().strip()
        # The resident saves a screenshot of the phone screen: that is what the kiosk sees.
        shot = tmp_path / "phone-pickup.png"
        page.screenshot(path=shot)
        page.screenshot(path=shots / "e2e-phone-pickup.png")
        assert decode_qr(shot.read_bytes()).endswith(f"/S/{code}#" + decode_secret(page))
        return shot, code
    finally:
        context.close()


def decode_secret(page: Any) -> str:
    return str(page.locator("#secret").inner_text().replace(" ", ""))


def operator_approves_and_head_signs(browser: Any, server: RunningServer, code: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        login(page, server.url, "operator")
        page.locator(f"#queue a:text('{code}')").click()
        page.get_by_role("button", name="Setujui, kirim ke penanda tangan").click()
        expect(page.locator("#req-status")).to_have_text("Menunggu Tanda Tangan")
        page.get_by_role("button", name="Keluar").click()
        login(page, server.url, "kades")
        page.get_by_label(code).check()
        page.get_by_role("button", name="Tanda tangani yang dipilih").click()
        expect(page.locator("[role=status]")).to_contain_text("1 surat ditandatangani")
    finally:
        context.close()


def phone_offline_makes_a_qr(browser: Any, server: RunningServer, tmp_path: Path) -> Path:
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/")
        wait_in_page(page, "() => navigator.serviceWorker.controller !== null")
        wait_in_page(
            page,
            """async () => {
                const keys = await caches.keys();
                for (const k of keys) {
                    if (await (await caches.open(k)).match('/surat/domisili')) return true;
                }
                return false;
            }""",
        )
        context.set_offline(True)
        page.goto(f"{server.url}/surat/domisili")
        fill_domisili(page, serial=502, female=True)
        page.get_by_role("button", name="Periksa isian").click()
        expect(page.locator("#offline-qr")).to_be_visible()
        page.locator("#offline-qr").scroll_into_view_if_needed()  # as the resident shows it
        shot = tmp_path / "phone-offline.png"
        page.screenshot(path=shot)
        payload = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot.read_bytes())))
        assert payload and payload[0].text.startswith("LD1O:")
        return shot
    finally:
        context.close()
