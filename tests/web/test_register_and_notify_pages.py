"""The admin's message settings and the operator's register pages in Chromium, against a
running `loket server` whose own sender thread delivers to a gateway on a real port.
Screenshots go to /tmp/web-shots/."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.support.gateway import fake_gateway
from tests.support.register_files import resident_row, write_opensid_xlsx
from tests.support.server import LOKET, REPO, running_server
from tests.support.waiting import HANG_GUARD, wait_until
from tests.web.conftest import DESKTOP, PHONE
from tests.web.test_browser import login


def test_admin_sets_the_gateway_and_the_running_server_sends(
    browser: Any, shots: Path, tmp_path: Path
) -> None:
    with running_server(tmp_path) as server, fake_gateway() as gateway:
        context = browser.new_context(viewport=DESKTOP)
        try:
            page = context.new_page()
            login(page, server.url, "admin")
            page.goto(f"{server.url}/admin")
            page.get_by_role("link", name="Pesan ke warga").click()
            expect(page.locator("h1")).to_have_text("Pesan ke warga")
            page.select_option("#channel", "whatsapp")
            page.fill("#gateway_url", gateway.url)
            page.fill("#token", "kunci-uji")
            page.fill("#daily_cap", "100")
            page.get_by_role("button", name="Simpan").click()
            expect(page.locator("#notice")).to_have_text("Tersimpan.")
            page.fill("#test_phone", "0812 3456 7890")
            page.locator("form[action='/admin/notifikasi/uji'] button").click()
            expect(page.locator("#notice")).to_contain_text("Pesan uji terkirim")
            assert gateway.received[0].body["target"] == "6281234567890"

            filed = server.file_request(phone="081298765432")
            with server.operator_client("operator") as op:
                rid = server.request_id(op, filed["code"])
                op.post(
                    f"/api/v1/operator/requests/{rid}/ask-correction",
                    json={"reason": "Foto KTP kurang jelas"},
                ).raise_for_status()
            # The server's own sender thread (every 15 s) takes it from the outbox.
            got = wait_until(
                lambda: next((r for r in gateway.received if filed["code"] in str(r.body)), None),
                "the gateway gets the message",
            )
            assert got.body["target"] == "6281298765432"
            assert "perlu perbaikan" in got.body["message"]
            assert "Foto KTP" not in got.body["message"]
            page.goto(f"{server.url}/admin/notifikasi")
            expect(page.locator("table")).to_contain_text("Terkirim")
            page.screenshot(path=shots / "admin-notifications.png", full_page=True)
        finally:
            context.close()

        stop_link = got.body["message"].split("Berhenti terima pesan: ")[1]
        phone = browser.new_context(viewport=PHONE)
        try:
            page = phone.new_page()
            page.goto(stop_link)
            page.screenshot(path=shots / "phone-stop-messages.png", full_page=True)
            page.get_by_role("button", name="Ya, berhenti").click()
            expect(page.locator("#stopped")).to_be_visible()
        finally:
            phone.close()


def test_operator_register_pages(browser: Any, shots: Path, tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        path = write_opensid_xlsx(tmp_path / "p.xlsx", [resident_row(i) for i in range(40)])
        imported = subprocess.run(
            [*LOKET, "import-residents", str(path)],
            env=server.env, cwd=REPO, capture_output=True, text=True, timeout=HANG_GUARD,
            check=True,
        )  # fmt: skip
        assert "40 added" in imported.stdout
        context = browser.new_context(viewport=DESKTOP)
        try:
            page = context.new_page()
            login(page, server.url, "operator")
            page.get_by_role("link", name="Penduduk").click()
            expect(page.locator("h1")).to_have_text("Data penduduk")
            page.fill("#q", "warga nomor 1")
            page.get_by_role("button", name="Cari").click()
            expect(page.locator("#found")).to_contain_text("WARGA NOMOR 12")
            page.screenshot(path=shots / "operator-register-search.png", full_page=True)
            assert "warga" not in page.url.lower()  # the search went in the body
            page.get_by_role("link", name="WARGA NOMOR 12", exact=True).click()
            page.fill("#occupation", "GURU")
            page.get_by_role("button", name="Simpan perbaikan").click()
            expect(page.locator("#history")).to_contain_text("diperbaiki: Pekerjaan")
            page.screenshot(path=shots / "operator-register-resident.png", full_page=True)
        finally:
            context.close()


def test_admin_sets_the_register_policy(browser: Any, shots: Path, tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        context = browser.new_context(viewport=DESKTOP)
        try:
            page = context.new_page()
            login(page, server.url, "admin")
            page.goto(f"{server.url}/admin")
            page.get_by_role("link", name="Register ke kabupaten").click()
            expect(page.locator("h1")).to_have_text("Register ke kabupaten")
            # Nothing leaves by default; sending earlier letters waits for the policy.
            expect(page.locator("input[type=checkbox]:checked")).to_have_count(0)
            expect(page.get_by_role("button", name="Kirim juga yang sudah terbit")).to_have_count(0)
            expect(page.locator("#send-first")).to_be_visible()
            page.get_by_label("Kirim register UMKM ke hub kabupaten").check()
            for label in ("Nama usaha", "Jenis usaha", "Berdiri sejak tahun", "Dusun", "RT/RW"):
                page.get_by_label(label, exact=True).check()
            page.get_by_role("button", name="Simpan").click()
            expect(page.get_by_role("status")).to_have_text("Tersimpan.")
            expect(page.locator("input[type=checkbox]:checked")).to_have_count(6)
            expect(page.get_by_label("Kirim juga nama pemilik usaha")).not_to_be_checked()
            page.screenshot(path=shots / "admin-register-policy.png", full_page=True)
        finally:
            context.close()
