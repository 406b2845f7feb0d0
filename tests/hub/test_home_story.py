"""End to end, from home: a resident files in Chromium at the hub (real TLS, real name),
the sealed request goes down a real nats-server to the village's relay, which opens and
files it; the operator approves, the village head signs; the hub's status page, opened
from the result page's link, says the letter is ready; the kiosk reads the pickup QR the
phone shows (read from the screen, as a camera would), prints the letter, and the hub
learns it was picked up. The village's key and forms reached the hub through its own sync
(`village.key`, `catalog.form`), nothing registered by hand."""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image
from playwright.sync_api import expect

from office_server.kiosks import service as kiosks
from office_server.letters import service as letters
from office_server.main import create_app
from office_server.requests import service as requests_service
from office_server.requests.hub_inbox import prepare
from printer_drivers.pdf_folder import FolderPrinter
from tests.hub.home import HOST, bare_hub_over_tls, launch_phone_browser
from tests.server.helpers import OPERATOR, operator
from tests.support import databases, factories
from tests.support.waiting import HANG_GUARD_MS, wait_until
from tests.sync.conftest import make_village
from tests.sync.test_sealed_transport import (
    filed,
    hub_state,
    relay_thread,  # noqa: F401 (the fixture)
    start_village_relay,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]

KODE = "36.04.01.2020"
SHOTS = Path("/tmp/shots-hub-home")


def _fill_form(page: Any, values: dict[str, str]) -> None:
    page.fill("#f-applicant_nik", factories.make_nik(serial=31))
    page.fill("#f-applicant_name", "Dewi Rumahwati")
    for name, value in values.items():
        field = page.locator(f"[name='form_data.{name}']")
        if not field.count():
            continue
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def test_filed_at_home_reaches_the_village_and_comes_back_ready(
    tmp_path: Path,
    sqlite_template: Path,
    browser: Any,
    relay_thread: list[threading.Event],  # noqa: F811
) -> None:
    if not databases.postgres_admin_url():
        pytest.skip("PostgreSQL is not running (make services)")
    with bare_hub_over_tls(tmp_path / "hub") as hub:
        credentials = hub.add_village(KODE, "Desa Rumah")
        hub.start()
        settings, db = make_village(sqlite_template, tmp_path / "village")
        with db.unit_of_work() as session:
            prepare(session, settings.data_dir)
        start_village_relay(settings, db, credentials, relay_thread)
        wait_until(
            lambda: hub.scalar(
                "SELECT count(*) FROM village_forms f JOIN villages v ON v.id = f.village_id "
                "JOIN village_keys k ON k.village_id = v.id "
                "WHERE v.kode_desa = :k AND f.code = 'domisili'",
                k=KODE,
            ),
            "the village's key and forms at the hub",
        )

        chromium = launch_phone_browser(browser, hub)
        context = chromium.new_context(viewport={"width": 390, "height": 844})
        context.set_default_timeout(HANG_GUARD_MS)
        page = context.new_page()
        try:
            # The hub's village cache may hold the village as it was a moment ago.
            origin = f"https://{HOST}:{hub.http_port}"

            def form_open() -> bool:
                page.goto(f"{origin}/{KODE}/surat/domisili")
                return page.locator("#req[data-key]").count() == 1

            wait_until(form_open, "the form with the village's key")
            _fill_form(page, factories.domisili_form())
            page.click("button[type=submit]")
            expect(page.locator("#review")).to_be_visible()
            page.click("#send")
            page.wait_for_url(re.compile(r"/hasil/H[0-9A-Z]{7}#[A-Z2-7]{26}$"))
            code = page.locator("#code").inner_text()
            secret = page.url.rsplit("#", 1)[1]
            expect(page.locator("#pickup-qr")).to_be_visible()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.locator("#pickup-qr").screenshot(path=str(SHOTS / "story-pickup-qr.png"))
            (found,) = zxingcpp.read_barcodes(Image.open(SHOTS / "story-pickup-qr.png"))
            pickup_qr = str(found.text)
            assert pickup_qr.endswith(f"/{KODE}/S/{code}#{secret}".upper())

            wait_until(lambda: filed(db, code), "the request filed at the village")
            with db.unit_of_work() as session:
                request = requests_service.get_for_resident(session, code=code, secret=secret)
                assert request.applicant_name == "Dewi Rumahwati"
                requests_service.transition(session, request, "approve", actor=OPERATOR)
            with db.unit_of_work() as session:
                request = requests_service.get_for_resident(session, code=code, secret=secret)
                letters.sign(session, request, signer=operator(session, "kades"), settings=settings)
            wait_until(lambda: hub_state(hub, KODE, code) == ("ready", "hub"), "ready at the hub")

            page.click("#status-link")
            expect(page.locator("#status-label")).to_have_text("Surat siap diambil")
            page.screenshot(path=str(SHOTS / "story-ready.png"), full_page=True)

            printed = _kiosk_prints(settings, db, pickup_qr, tmp_path / "printer")
            assert printed.read_bytes().startswith(b"%PDF")
            wait_until(
                lambda: hub_state(hub, KODE, code) == ("picked_up", "hub"), "picked up at the hub"
            )
        finally:
            context.close()
            chromium.close()


def _kiosk_prints(settings: Any, db: Any, pickup_qr: str, folder: Path) -> Path:
    """The kiosk's side of a pickup, through the office's kiosk API: scan, fetch the PDF
    (its hash checked), print it, report it printed."""
    with db.session() as session:
        _, key = kiosks.add(session, name="anjungan-rumah")
        session.commit()
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(settings, db)) as office:
        scanned = office.post("/api/v1/kiosk/scans", json={"payload": pickup_qr}, headers=headers)
        assert scanned.status_code == 200, scanned.text
        answer = scanned.json()
        assert answer["outcome"] == "ready", answer
        claim = answer["claim"]
        pdf = office.get(f"/api/v1/kiosk/claims/{claim['claim_id']}/pdf", headers=headers)
        assert pdf.status_code == 200
        assert hashlib.sha256(pdf.content).hexdigest() == claim["pdf_sha256"]
        result = FolderPrinter(folder).print_pdf(pdf.content, title=claim["letter_number"])
        assert result.completed
        done = office.post(f"/api/v1/kiosk/claims/{claim['claim_id']}/printed", headers=headers)
        assert done.status_code == 200, done.text
    (path,) = result.output_paths
    return Path(path)
