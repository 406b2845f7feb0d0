"""Residents at home, in Chromium, against a real `loket hub serve` over real TLS under a
real host name (a test CA, `hub.serang.test` mapped to 127.0.0.1, not localhost): the
form is a secure context under the village's service worker, opens offline, makes the
offline QR, and is filed sealed when the phone is back online; the box JetStream holds
opens with the village's private key to exactly what was typed. Then the status page, a
refusal from the village, the correction, and ready; and nothing typed is at the hub.
Screenshots (phone size) go to /tmp/shots-hub-home/ for a person to look at."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from loket_protocol import events
from loket_protocol.qr import pickup_payload
from tests.hub.home import (
    FORM,
    HOST,
    KODE,
    feed,
    hub_over_tls,
    launch_phone_browser,
    open_request,
    sealed_requests,
    stream_bytes,
)
from tests.support import databases, factories
from tests.support.waiting import HANG_GUARD_MS
from tests.sync.harness import Hub

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

SHOTS = Path("/tmp/shots-hub-home")
PHONE = {"width": 390, "height": 844}
NIK = factories.make_nik(serial=77)
NAME = "Siti Rahasiawati Home"
TYPED = {
    "tempat_lahir": "Serang",
    "tanggal_lahir": "1990-08-17",
    "jenis_kelamin": "Laki-laki",
    "alamat": "Kp. Rahasia Rumah RT 004/RW 009",
    "keperluan": "Melamar pekerjaan",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, Any]]:
    if not databases.postgres_admin_url():
        pytest.skip("PostgreSQL is not running (make services)")
    with hub_over_tls(tmp_path_factory.mktemp("home")) as found:
        yield found


@pytest.fixture(scope="module")
def phone_browser(served: tuple[Hub, Any], browser: Any) -> Iterator[Any]:
    chromium = launch_phone_browser(browser, served[0])
    try:
        yield chromium
    finally:
        chromium.close()


def _context(phone_browser: Any) -> Any:
    context = phone_browser.new_context(viewport=PHONE, device_scale_factor=2)
    context.set_default_timeout(HANG_GUARD_MS)
    context.set_default_navigation_timeout(HANG_GUARD_MS)
    return context


def _fill(page: Any) -> None:
    page.fill("#f-applicant_nik", NIK)
    page.fill("#f-applicant_name", NAME)
    page.fill("#f-tempat_lahir", TYPED["tempat_lahir"])
    page.fill("#f-tanggal_lahir", TYPED["tanggal_lahir"])
    page.select_option("#f-jenis_kelamin", TYPED["jenis_kelamin"])
    page.fill("#f-alamat", TYPED["alamat"])
    page.fill("#f-keperluan", TYPED["keperluan"])


def _qr_text(page: Any, selector: str, path: Path) -> str:
    import zxingcpp
    from PIL import Image

    page.locator(selector).screenshot(path=str(path))
    found = zxingcpp.read_barcodes(Image.open(path))
    assert found, "no QR code could be read"
    return str(found[0].text)


def test_offline_form_filed_sealed_then_status_correction_ready(
    served: tuple[Hub, Any], phone_browser: Any
) -> None:
    hub, village_key = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    origin = f"https://{HOST}:{hub.http_port}"
    context = _context(phone_browser)
    page = context.new_page()
    try:
        page.goto(f"{origin}/{KODE}/surat/domisili")
        assert page.evaluate("window.isSecureContext") is True
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        page.screenshot(path=str(SHOTS / "form.png"), full_page=True)

        # Offline: the form opens from the service worker's cache, makes the offline QR.
        context.set_offline(True)
        page.reload()
        expect(page.locator("#net")).to_be_visible()
        _fill(page)
        page.click("button[type=submit]")
        expect(page.locator("#offline-qr")).to_be_visible()
        page.screenshot(path=str(SHOTS / "offline-qr.png"), full_page=True)
        assert sealed_requests(hub) == []

        # Back online: filed by itself, sealed.
        context.set_offline(False)
        page.wait_for_url(re.compile(r"/hasil/H[0-9A-Z]{7}#[A-Z2-7]{26}$"))
        code = page.locator("#code").inner_text()
        secret = page.url.rsplit("#", 1)[1]
        expect(page.locator("#pickup-qr")).to_be_visible()
        page.screenshot(path=str(SHOTS / "result.png"), full_page=True)
        payload = _qr_text(page, "#pickup-qr", SHOTS / "result-qr.png")
        assert payload == pickup_payload(f"{origin}/{KODE}".upper(), code, secret)
        assert secret not in (page.locator("#qr").inner_html())  # drawn, not written

        [request] = sealed_requests(hub)
        assert request.code == code and request.purpose == "new"
        assert request.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        plain = open_request(village_key, request)
        assert plain == {
            "request_id": str(request.request_id),
            "letter_type": "domisili",
            "applicant_nik": NIK,
            "applicant_name": NAME,
            "form_data": TYPED,
            "phone": None,
            "secret_hash": request.secret_hash,
        }
        assert hub.scalar("SELECT count(*) FROM hub_filings WHERE code = :c", c=code) == 1

        # The status page: sent, not yet at the village.
        page.click("#status-link")
        expect(page.locator("#status-label")).to_have_text("Terkirim, belum sampai di kantor desa")

        # The village could not file it: the resident corrects the form, same id and code.
        feed(
            hub,
            events.SealedRefused(
                request_id=request.request_id,
                code=code,
                problems=[
                    events.FieldProblem(
                        field="form_data.keperluan", message="Keperluan terlalu singkat."
                    )
                ],
            ),
        )
        page.reload()
        expect(page.locator("#status-label")).to_have_text("Perlu perbaikan")
        expect(page.locator("#live")).to_contain_text("Keperluan terlalu singkat.")
        page.screenshot(path=str(SHOTS / "status-correction.png"), full_page=True)
        page.click("#fix")
        expect(page.locator("#fix-note")).to_contain_text("Keperluan terlalu singkat.")
        expect(page.locator("#f-applicant_nik")).to_have_value(NIK)  # kept on the phone
        page.fill("#f-keperluan", "Melamar pekerjaan di pabrik")
        page.click("button[type=submit]")
        expect(page.locator("#review")).to_be_visible()
        page.screenshot(path=str(SHOTS / "review.png"), full_page=True)
        page.click("#send")
        page.wait_for_url(re.compile(rf"/hasil/{code}#{secret}$"))
        first, correction = sealed_requests(hub)
        assert correction.purpose == "correction"
        assert (correction.request_id, correction.code) == (first.request_id, code)
        fixed = open_request(village_key, correction)
        assert fixed["form_data"]["keperluan"] == "Melamar pekerjaan di pabrik"
        assert fixed["applicant_nik"] == NIK

        # The village filed it, approved, signed: ready.
        feed(
            hub,
            events.RequestFiled(
                code=code, letter_type="domisili", channel="hub", status="submitted"
            ),
        )
        page.goto(f"{origin}/{KODE}/S/{code}#{secret}")
        expect(page.locator("#status-label")).to_have_text("Diterima desa, sedang diperiksa")
        feed(hub, events.StatusChanged(code=code, from_status="submitted", to_status="ready"))
        page.reload()
        expect(page.locator("#status-label")).to_have_text("Surat siap diambil")
        page.screenshot(path=str(SHOTS / "status-ready.png"), full_page=True)
        _assert_nothing_typed_at_the_hub(hub)
    finally:
        context.close()


def test_catalog_and_village_pages_and_weight(served: tuple[Hub, Any], phone_browser: Any) -> None:
    hub, _ = served
    origin = f"https://{HOST}:{hub.http_port}"
    context = _context(phone_browser)
    page = context.new_page()
    try:
        page.goto(f"{origin}/{KODE}/")
        expect(page.locator("h1")).to_have_text("Kantor Desa Sukamaju")
        page.screenshot(path=str(SHOTS / "village.png"), full_page=True)
        page.click("text=Buat permohonan surat >> nth=1")
        expect(page.locator("h1")).to_have_text("Pilih jenis surat")
        expect(page.locator("li.card")).to_contain_text(FORM.title)
        page.screenshot(path=str(SHOTS / "catalog.png"), full_page=True)
    finally:
        context.close()
    # First visit of the form over the wire: the same budget as the office's pages.
    from tests.web.pageweight import measure_first_load

    weight = measure_first_load(phone_browser, f"{origin}/{KODE}/surat/domisili", viewport=PHONE)
    assert weight.kb <= 50, weight.requests


def _assert_nothing_typed_at_the_hub(hub: Hub) -> None:
    """The hub's PostgreSQL, JetStream (read back, and its store on disk) and its logs
    hold no NIK, name or address that was typed (the privacy test)."""
    dump = subprocess.run(
        [shutil.which("pg_dump") or "pg_dump", "--data-only", hub.url.replace("+psycopg", "")],
        capture_output=True,
        check=True,
    ).stdout
    assert b"domisili" in dump  # the dump has the filings
    stream = stream_bytes(hub)
    assert b"request.sealed" in stream
    store = b"".join(
        p.read_bytes() for p in (hub.folder / "nats" / "jetstream").rglob("*") if p.is_file()
    )
    assert store
    blobs = (("PostgreSQL", dump), ("stream", stream), ("store", store), ("logs", hub.logs()))
    for value in (NIK, NAME, TYPED["alamat"], "Rahasia Rumah", "Melamar pekerjaan"):
        for place, blob in blobs:
            assert value.encode() not in blob, f"{value!r} found in the hub's {place}"
