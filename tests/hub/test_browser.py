"""The dashboard in Chromium, served by a real `loket hub serve` (nats-server, ingest,
web): login -> villages -> letters chart -> an announcement through JetStream -> logout.
Screenshots go to /tmp/hub-shots/ (outside the repository) for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from loket_protocol import events
from regency_hub import villages
from regency_hub.database import HubDatabase
from tests.hub.events import ingest, message, profile, request_life
from tests.support import databases
from tests.sync.harness import Hub, running_hub

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

SHOTS = Path("/tmp/hub-shots")
PASSWORD = "kabupaten-serang-1"
KECAMATAN = ("Cikande", "Kragilan", "Kibin")
TYPES = ("SKTM", "SKU", "SKD", "SKCK", "DOMISILI")


@pytest.fixture(scope="module")
def served_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    if not databases.postgres_admin_url():
        pytest.skip("PostgreSQL is not running (make services)")
    with running_hub(tmp_path_factory.mktemp("hub") / "hub") as hub:
        codes = [f"36.04.0{k}.20{i:02d}" for k in range(1, 4) for i in range(1, 5)]
        for code in codes:
            hub.add_village(code, code)
        hub.start()
        db = HubDatabase(hub.url)
        try:
            with db.unit_of_work() as session:
                villages.create_user(
                    session, username="dinas", full_name="Dinas PMD", password=PASSWORD
                )
            _fill(db, codes)
        finally:
            db.dispose()
        yield hub


def _fill(db: HubDatabase, codes: list[str]) -> None:
    """A year of letters for twelve villages, one of them silent for three days."""
    now = datetime.now(UTC)
    batch = []
    for n, code in enumerate(codes):
        batch.append(message(code, now, profile(code, f"Desa {n + 1:02d}", KECAMATAN[n // 4])))
        for i in range(40 + 5 * n):
            filed = now - timedelta(days=(i * 9 + n) % 360, hours=n)
            batch += request_life(
                code,
                f"R{n:02d}{i:04d}",
                letter_type=TYPES[(i + n) % len(TYPES) if i % 3 else 0],
                filed=filed,
                ready_after=timedelta(hours=1 + (i * 7) % 30),
                picked_after=timedelta(hours=(i * 5) % 48) if i % 4 else None,
                via="kiosk" if i % 3 else "counter",
            )
    # The UMKM register: villages of Cikande and Kragilan send entries, one with its owner.
    kinds = ("Warung sembako", "Bengkel motor", "Jahit", "Katering", "Toko bangunan")
    for n, code in enumerate(codes[:8]):
        for i in range(4):
            batch.append(
                message(
                    code,
                    now,
                    events.UmkmEntry(
                        code=f"U{n:02d}{i:04d}",
                        business_name=f"Usaha {n + 1:02d}-{i + 1}",
                        kind=kinds[(n + i) % len(kinds)],
                        since=str(2010 + (n * 3 + i) % 15),
                        dusun=f"Dusun {i + 1}" if i % 2 else None,
                        rt=str(i + 1),
                        rw=str(n % 3 + 1),
                        owner_name="Siti Aminah" if (n, i) == (0, 0) else None,
                    ),
                )
            )
    assert ingest(db, batch).refused == 0
    from sqlalchemy import update

    from regency_hub.models import Village

    with db.unit_of_work() as session:
        session.execute(
            update(Village)
            .where(Village.kode_desa == codes[-1])
            .values(last_received_at=now - timedelta(days=3))
        )


def test_login_villages_letters_announcement_logout(served_hub: Hub, browser: Any) -> None:
    SHOTS.mkdir(exist_ok=True)
    base = f"http://127.0.0.1:{served_hub.http_port}"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(base + "/desa")
        expect(page).to_have_url(base + "/masuk")
        page.fill("#username", "dinas")
        page.fill("#password", "salah-salah-salah")
        page.click("button[type=submit]")
        expect(page.get_by_role("alert")).to_have_text("Nama pengguna atau kata sandi salah.")
        page.screenshot(path=str(SHOTS / "1-login-refused.png"), full_page=True)
        page.fill("#username", "dinas")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(base + "/desa")
        expect(page.locator("tr.silent")).to_have_count(1)
        expect(page.get_by_text("1 desa tidak mengirim kabar lebih dari 24 jam.")).to_be_visible()
        page.screenshot(path=str(SHOTS / "2-villages.png"), full_page=True)
        page.select_option("#kecamatan", "Kragilan")
        page.click("form.filter button")
        expect(page.locator("table.data tbody tr")).to_have_count(4)
        page.click("text=Surat & layanan")
        expect(page.locator("svg.chart")).to_have_count(2)
        # The bars are drawn: one rect per letter type filed this month.
        assert page.locator("svg.chart rect").count() >= 1
        expect(page.locator("#turnaround tbody tr")).to_have_count(3)
        page.screenshot(path=str(SHOTS / "3-letters.png"), full_page=True)
        page.click("text=Pengumuman")
        page.fill("#title", "Libur nasional")
        page.fill("#body", "Kantor desa tutup tanggal 25 Desember.\nPelayanan kios tetap buka.")
        page.click("text=Kirim ke semua desa")
        # Recorded only after JetStream acknowledged the publish.
        expect(page.get_by_role("status")).to_contain_text("Pengumuman terkirim")
        expect(page.locator("#sent")).to_contain_text("Libur nasional")
        page.screenshot(path=str(SHOTS / "4-announcements.png"), full_page=True)
        page.click("text=Register UMKM")
        expect(page.locator("#umkm tbody tr")).to_have_count(32)
        expect(page.locator("#umkm")).to_contain_text("Siti Aminah")
        page.screenshot(path=str(SHOTS / "5-umkm.png"), full_page=True)
        page.select_option("#kecamatan", "Kragilan")
        page.click("form.filter button")
        expect(page.locator("#umkm tbody tr")).to_have_count(16)
        expect(page.locator("#umkm")).not_to_contain_text("Cikande")
        with page.expect_download() as download:
            page.click("text=Unduh Excel (xlsx)")
        assert download.value.suggested_filename.endswith(".xlsx")
        page.screenshot(path=str(SHOTS / "6-umkm-kragilan.png"), full_page=True)
        page.click("button.link")
        expect(page).to_have_url(base + "/masuk")
        page.goto(base + "/surat")
        expect(page).to_have_url(base + "/masuk")
    finally:
        context.close()
    # No CSP violation, no missing file; the one 401 is the refused login's answer.
    assert [e for e in errors if "status of 401" not in e] == [], errors
    assert sum("status of 401" in e for e in errors) == 1
