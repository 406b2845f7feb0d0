"""The pages in a real browser: Debian's Chromium driven by Playwright.

Resident flow on a 360x640 phone (with and without JavaScript), the offline request QR
read back from a screenshot and filed by the kiosk API, the operator from login to approve
and sign, and the TV display following "call next". Screenshots go to /tmp/web-shots/.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from office_server.seed import DEMO_PASSWORDS
from tests.support import factories
from tests.support.page_wait import wait_in_page
from tests.support.server import RunningServer
from tests.support.waiting import HANG_GUARD
from tests.web.conftest import DESKTOP, PHONE
from tests.web.pageweight import measure_first_load, precache_bytes

# Every page an admin can open, each looked at in both viewports.
OPERATOR_PAGES = (
    "/operator",
    "/operator/antrean",
    "/operator/tanda-tangan",
    "/operator/arsip",
    "/operator/statistik",
    "/operator/loket",
    "/operator/loket/kelahiran",
    "/operator/loket/pindah",
    "/operator/tarik",
    "/admin",
    "/admin/desa",
    "/admin/pengumuman",
    "/admin/surat",
    "/admin/surat/domisili",
    "/admin/operator",
    "/admin/anjungan",
)

pytestmark = pytest.mark.browser

BUDGET_BYTES = 50 * 1024


def decode_qr(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found, "no QR code found in the screenshot"
    return str(found[0].text)


def fill_domisili(page: Page, *, serial: int, female: bool = False) -> None:
    form = factories.domisili_form(female=female)
    page.fill("#f-applicant_nik", factories.make_nik(serial=serial, female=female))
    page.fill("#f-applicant_name", "Siti Aminah" if female else "Budi Santoso")
    for name, value in form.items():
        selector = f"#f-{name}"
        if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)


def follow(page: Page, link: str, heading: str) -> None:
    """Click ``link`` and wait for the page it opens: its heading, then its scripts.

    click() returns once the new page is committed, before its deferred scripts have run;
    on a busy machine, a field filled and left before form.js attached its listeners is
    never checked, however long the test then waits. "load" comes after every deferred
    script.
    """
    page.locator(link).click()
    expect(page.locator("h1")).to_have_text(heading)
    page.wait_for_load_state("load")


def login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/operator/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORDS[username])
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


def test_resident_flow_on_a_phone(browser: Any, web_server: RunningServer, shots: Path) -> None:
    base = web_server.url
    context = browser.new_context(viewport=PHONE, service_workers="block")
    try:
        page = context.new_page()
        page.goto(f"{base}/")
        expect(page.locator("h1")).to_contain_text("Kantor Desa Sukamaju")
        expect(page.locator("body")).to_contain_text("Senin–Jumat")  # hours
        expect(page.locator("body")).to_contain_text("Layanan surat mandiri sudah dibuka")
        page.screenshot(path=shots / "phone-home.png", full_page=True)

        follow(page, "header a[href='/surat']", "Pilih jenis surat")
        page.screenshot(path=shots / "phone-catalog.png", full_page=True)
        follow(page, "a.btn[href='/surat/domisili']", "Surat Keterangan Domisili")

        # Checked as you type: a short NIK is flagged when the field is left.
        page.fill("#f-applicant_nik", "36041217")
        page.locator("#f-applicant_name").focus()
        expect(page.locator("#e-applicant_nik")).to_have_text(
            "NIK harus 16 angka (yang diisi 8 angka)."
        )
        fill_domisili(page, serial=201)
        page.fill("#f-tanggal_lahir", "1991-08-17")
        page.locator("#f-pekerjaan").focus()
        expect(page.locator("#e-tanggal_lahir")).to_contain_text("tidak sama dengan tanggal lahir")
        page.screenshot(path=shots / "phone-form-errors.png", full_page=True)
        page.fill("#f-tanggal_lahir", "1990-08-17")
        expect(page.locator("#e-applicant_nik")).to_have_text("")

        page.get_by_role("button", name="Periksa isian").click()
        expect(page.locator("h1")).to_have_text("Periksa kembali")
        expect(page.locator("dl")).to_contain_text("Kp. Sukamaju RT 002/RW 003")
        page.screenshot(path=shots / "phone-review.png", full_page=True)
        page.get_by_role("button", name="Kirim permohonan").click()

        expect(page.locator("[role=status]")).to_contain_text("Permohonan terkirim")
        expect(page.locator("body")).to_contain_text("pindai QR di anjungan")
        page.screenshot(path=shots / "phone-result.png", full_page=True)
        code = page.locator("#code").inner_text().strip()
        secret = page.locator("#secret").inner_text().replace(" ", "")
        payload = decode_qr(page.locator("#qr svg").screenshot())
        assert payload == f"{base.upper()}/S/{code}#{secret}"
        download = page.locator("a[download]").get_attribute("href") or ""
        assert download.startswith("data:image/png;base64,")

        # The phone camera opens the QR's URL; the page reads the secret from the fragment.
        page.goto(payload)
        expect(page.locator("#status-label")).to_have_text("Sedang Diperiksa")
        page.screenshot(path=shots / "phone-status.png", full_page=True)

        with web_server.operator_client("operator") as op:
            rid = web_server.request_id(op, code)
            op.post(
                f"/api/v1/operator/requests/{rid}/ask-correction",
                json={"reason": "Alamat belum lengkap: tulis juga nomor rumah."},
            ).raise_for_status()
        page.reload()
        expect(page.locator("#live")).to_contain_text("tulis juga nomor rumah")
        page.get_by_role("button", name="Perbaiki data").click()
        expect(page.locator("h2")).to_contain_text(["Perbaiki data"])
        page.fill("#f-alamat", "Kp. Sukamaju No. 12 RT 002/RW 003")
        page.screenshot(path=shots / "phone-correction.png", full_page=True)
        page.get_by_role("button", name="Kirim perbaikan").click()
        expect(page.locator("#status-label")).to_have_text("Sedang Diperiksa")
        with web_server.operator_client("operator") as op:
            detail = op.get(f"/api/v1/operator/requests/{rid}").json()
        assert detail["form_data"]["alamat"] == "Kp. Sukamaju No. 12 RT 002/RW 003"
    finally:
        context.close()


def test_resident_flow_without_javascript(
    browser: Any, web_server: RunningServer, shots: Path
) -> None:
    base = web_server.url
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base}/surat/domisili")
        fill_domisili(page, serial=202, female=True)
        page.fill("#f-applicant_nik", "3604125708900000")
        page.get_by_role("button", name="Periksa isian").click()
        # The server's message, next to the field.
        expect(page.locator("#e-applicant_nik")).to_contain_text("tidak boleh 0000")
        expect(page.locator("[role=alert]")).to_contain_text("perlu diperbaiki")
        page.screenshot(path=shots / "phone-nojs-errors.png", full_page=True)
        page.fill("#f-applicant_nik", factories.make_nik(serial=202, female=True))
        page.get_by_role("button", name="Periksa isian").click()
        page.get_by_role("button", name="Kirim permohonan").click()
        expect(page.locator("[role=status]")).to_contain_text("Permohonan terkirim")
        code = page.locator("#code").inner_text().strip()
        secret = page.locator("#secret").inner_text().replace(" ", "")
        assert decode_qr(page.locator("#qr svg").screenshot()).endswith(f"/S/{code}#{secret}")

        page.goto(f"{base}/status")
        page.fill("#code", code.lower())
        page.fill("#secret", secret)
        page.get_by_role("button", name="Lihat").click()
        expect(page.locator("#status-label")).to_have_text("Sedang Diperiksa")
        assert secret not in page.url and code not in page.url
        page.screenshot(path=shots / "phone-nojs-status.png", full_page=True)
    finally:
        context.close()


def test_offline_request_qr_is_filed_by_the_kiosk(
    browser: Any, web_server: RunningServer, shots: Path
) -> None:
    base = web_server.url
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{base}/")
        # The service worker has cached the forms (first visit, with signal).
        wait_in_page(
            page,
            """async () => {
                const keys = await caches.keys();
                if (!keys.length) return false;
                const cache = await caches.open(keys[0]);
                return !!(await cache.match('/surat/domisili'));
            }""",
        )
        wait_in_page(page, "() => navigator.serviceWorker.controller !== null")
        context.set_offline(True)
        page.goto(f"{base}/S/ABCDEFGH")  # never cached: the offline page
        expect(page.locator("h1")).to_have_text("Anda sedang offline")
        page.goto(f"{base}/surat/domisili")
        expect(page.locator("h1")).to_have_text("Surat Keterangan Domisili")
        expect(page.locator("#net")).to_contain_text("Tidak ada sinyal")
        fill_domisili(page, serial=203)
        page.get_by_role("button", name="Periksa isian").click()
        qr = page.locator("#offline-qr")
        expect(qr).to_be_visible()
        expect(page.locator("#offline-out")).to_contain_text("Tunjukkan kode QR ini di anjungan")
        page.screenshot(path=shots / "phone-offline-qr.png", full_page=True)
        payload = decode_qr(qr.screenshot())
        assert payload.startswith("LD1O:")
        assert len(payload) <= 5 + 1200
    finally:
        context.close()

    r = httpx.post(
        f"{base}/api/v1/kiosk/scans",
        json={"payload": payload},
        headers=web_server.kiosk_headers,
        timeout=HANG_GUARD,
    )
    assert r.status_code == 200, r.text
    scan = r.json()
    assert scan["outcome"] == "filed", scan
    assert scan["request"]["status"] == "submitted"
    assert scan["pickup_qr"]


def test_operator_login_queue_approve_and_sign(
    browser: Any, web_server: RunningServer, shots: Path
) -> None:
    base = web_server.url
    first = web_server.file_request()
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{base}/operator")
        assert page.url.endswith("/operator/login")
        page.fill("#username", "operator")
        page.fill("#password", "salah-sandi")
        page.get_by_role("button", name="Masuk").click()
        expect(page.locator("[role=alert]")).to_contain_text("kata sandi salah")
        page.screenshot(path=shots / "desktop-login.png")
        login(page, base, "operator")
        expect(page.locator("#queue")).to_contain_text(first["code"])
        page.screenshot(path=shots / "desktop-dashboard.png", full_page=True)

        # Live: a request filed now appears without a reload.
        page.evaluate("window.__stillHere = true")
        second = web_server.file_request()
        expect(page.locator("#queue")).to_contain_text(second["code"])  # polled every 5 s
        assert page.evaluate("window.__stillHere") is True

        page.locator(f"#queue a:text('{first['code']}')").click()
        expect(page.locator("#req-status")).to_have_text("Sedang Diperiksa")
        page.fill("#f-pekerjaan", "Pedagang")
        page.get_by_role("button", name="Simpan perubahan (tercatat)").click()
        expect(page.locator("[role=status]")).to_have_text("Perubahan disimpan.")
        expect(page.locator("body")).to_contain_text("mengubah data (pekerjaan)")
        preview = page.request.get(page.url.split("?")[0] + "/pratinjau.pdf")
        assert preview.ok and preview.body().startswith(b"%PDF")
        page.screenshot(path=shots / "desktop-request.png", full_page=True)
        page.get_by_role("button", name="Setujui, kirim ke penanda tangan").click()
        expect(page.locator("#req-status")).to_have_text("Menunggu Tanda Tangan")
        page.get_by_role("button", name=re.compile("Keluar")).click()
        expect(page.locator("h1")).to_have_text("Masuk operator")

        login(page, base, "kades")
        assert page.url.endswith("/operator/tanda-tangan")
        page.screenshot(path=shots / "desktop-sign.png", full_page=True)
        page.get_by_label(first["code"]).check()
        page.get_by_role("button", name="Tanda tangani yang dipilih").click()
        expect(page.locator("[role=status]")).to_contain_text("1 surat ditandatangani")
    finally:
        context.close()
    with web_server.operator_client("operator") as op:
        rid = web_server.request_id(op, first["code"])
        detail = op.get(f"/api/v1/operator/requests/{rid}").json()
    assert detail["status"] == "ready"
    assert detail["form_data"]["pekerjaan"] == "Pedagang"
    assert detail["letter"]["number"]


def test_display_follows_call_next(browser: Any, web_server: RunningServer, shots: Path) -> None:
    base = web_server.url
    ticket = httpx.post(
        f"{base}/api/v1/kiosk/tickets",
        json={"service": "A"},
        headers=web_server.kiosk_headers,
        timeout=HANG_GUARD,
    ).json()
    tv = browser.new_context(viewport={"width": 1280, "height": 720})
    desk = browser.new_context(viewport=DESKTOP)
    try:
        display = tv.new_page()
        display.goto(f"{base}/display")
        expect(display.locator("#waiting")).not_to_have_text("0")
        operator = desk.new_page()
        login(operator, base, "operator")
        operator.goto(f"{base}/operator/antrean?loket=2")
        operator.get_by_role("button", name=re.compile("Panggil berikutnya — A")).click()
        expect(operator.locator("#current")).to_have_text(ticket["number"])
        operator.screenshot(path=shots / "desktop-counter.png", full_page=True)
        expect(display.locator("#num")).to_have_text(ticket["number"])  # polled every 2 s
        expect(display.locator("#ctr")).to_have_text("Loket 2")
        display.screenshot(path=shots / "tv-display.png")
    finally:
        tv.close()
        desk.close()
    wav = httpx.get(f"{base}/display/suara/{ticket['number']}/2.wav", timeout=HANG_GUARD)
    assert wav.status_code == 200
    assert wav.headers["content-type"] == "audio/wav"
    assert wav.content[:4] == b"RIFF" and len(wav.content) > 10_000


def test_page_weight_budget(browser: Any, web_server: RunningServer, shots: Path) -> None:
    figures = {}
    # Domisili, and the longest resident forms (repeated groups of dependants, followers).
    for path in (
        "/",
        "/surat/domisili",
        "/surat/sktm",
        "/surat/bepergian",
        "/surat/pengantar_nikah",
    ):
        weight = measure_first_load(browser, web_server.url + path, viewport=PHONE)
        figures[path] = {"bytes": weight.total_bytes, "requests": weight.requests}
        assert weight.total_bytes <= BUDGET_BYTES, (path, weight.requests)
    packed, raw = precache_bytes(web_server.url)
    figures["service_worker_precache"] = {"gzip_bytes": packed, "raw_bytes": raw}
    (shots / "weights.json").write_text(json.dumps(figures, indent=1))


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_page_renders(
    browser: Any, web_server: RunningServer, shots: Path, viewport: str
) -> None:
    """A tour of every page as admin, for the screenshots, and no page errors."""
    base = web_server.url
    context = browser.new_context(viewport=PHONE if viewport == "phone" else DESKTOP)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        for path in ("/", "/surat", "/status", "/display", "/offline"):
            page.goto(base + path)
            page.screenshot(path=shots / f"{viewport}{path.replace('/', '-') or '-home'}.png")
        login(page, base, "admin")
        for path in OPERATOR_PAGES:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            page.screenshot(path=shots / f"{viewport}{path.replace('/', '-')}.png", full_page=True)
        page.goto(f"{base}/operator/arsip")
        page.get_by_role("button", name="Cari").click()
        page.screenshot(path=shots / f"{viewport}-archive-results.png", full_page=True)
        page.goto(f"{base}/?lang=en")
        expect(page.locator("header")).to_contain_text("Request a letter")
        page.screenshot(path=shots / f"{viewport}-home-en.png", full_page=True)
        page.goto(f"{base}/?lang=id")
    finally:
        context.close()
    assert errors == []


def test_a_pickup_qr_from_before_the_short_secret_opens_the_status_page(
    browser: Any, web_server: RunningServer
) -> None:
    """Issue 16: a phone camera opening a ticket's QR with a 32-character secret."""
    from sqlalchemy import select

    from office_server.config import Settings
    from office_server.database import Database
    from office_server.requests.models import LetterRequest
    from office_server.security import sha256_hex

    created = web_server.file_request()
    old_secret = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    db = Database(Settings(data_dir=web_server.data_dir, public_url=web_server.url))
    try:
        with db.session() as session:
            row = session.scalars(
                select(LetterRequest).where(LetterRequest.public_code == created["code"])
            ).one()
            row.secret_hash = sha256_hex(old_secret)  # as the server stored it then
            session.commit()
    finally:
        db.dispose()
    context = browser.new_context(viewport=PHONE, service_workers="block")
    try:
        page = context.new_page()
        page.goto(f"{web_server.url.upper()}/S/{created['code']}#{old_secret}")
        expect(page.locator("#status-label")).to_have_text("Sedang Diperiksa")
    finally:
        context.close()
