"""The short form on a phone in Chromium against a running `loket server` with a register:
it is lighter than the full form it replaces, a match files a request, no match gives the
full form, and the operator sees register and typed values side by side. Screenshots go
to /tmp/web-shots/ (prefill-*.png)."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from office_server.requests.prefill import NO_MATCH_MESSAGE
from tests.support import factories
from tests.support.register_files import resident_row, write_opensid_xlsx
from tests.support.server import LOKET, REPO, running_server
from tests.support.waiting import HANG_GUARD
from tests.web.conftest import DESKTOP, PHONE
from tests.web.pageweight import measure_first_load
from tests.web.test_browser import login

FORMS = ("/surat/domisili", "/surat/sktm", "/surat/pengantar_nikah")


def test_short_form_on_a_phone_and_the_operators_side_by_side(
    browser: Any, shots: Path, tmp_path: Path
) -> None:
    with running_server(tmp_path) as server:
        full = {p: measure_first_load(browser, server.url + p, viewport=PHONE) for p in FORMS}
        rows = [resident_row(i) for i in range(8)]
        rows[3]["nama"] = "SITI AMINAH BINTI H. AHMAD"  # a name a resident can type
        path = write_opensid_xlsx(tmp_path / "penduduk.xlsx", rows)
        subprocess.run(
            [*LOKET, "import-residents", str(path)],
            env=server.env, cwd=REPO, capture_output=True, text=True, timeout=HANG_GUARD,
            check=True,
        )  # fmt: skip
        # The first visit to a short form carries fewer bytes than the full form did.
        for form_path in FORMS:
            short = measure_first_load(browser, server.url + form_path, viewport=PHONE)
            assert short.total_bytes < full[form_path].total_bytes, (form_path, short.requests)

        me = rows[3]  # a woman born 1953-04-04, Islam, Kp. Sukamaju No. 3
        born = str(me["tanggallahir"])[:10]
        phone = browser.new_context(viewport=PHONE, service_workers="block")
        errors: list[str] = []
        try:
            page = phone.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{server.url}/surat/domisili")
            expect(page.locator("#short-note")).to_be_visible()
            expect(page.locator("#f-agama")).to_have_count(0)
            page.fill("#f-applicant_nik", me["nik"])
            page.fill("#f-applicant_name", "siti aminah binti h ahmad")
            page.fill("#f-tanggal_lahir", born)
            page.fill("#f-lama_tinggal", "2001")
            page.fill("#f-keperluan", "Melamar pekerjaan")
            page.screenshot(path=shots / "prefill-short-form.png", full_page=True)
            page.get_by_role("button", name="Periksa isian").click()
            expect(page.locator("h1")).to_have_text("Periksa kembali")
            page.screenshot(path=shots / "prefill-short-review.png", full_page=True)
            for shown in ("Kp. Sukamaju", "Rumah Tangga", "Islam"):
                assert shown.lower() not in page.content().lower(), shown
            page.get_by_role("button", name="Kirim permohonan").click()
            expect(page.locator("#code")).to_be_visible()
            code = page.locator("#code").inner_text()

            # Someone else's NIK with the wrong name: the full form, and no reason why.
            page.goto(f"{server.url}/surat/domisili")
            page.fill("#f-applicant_nik", rows[5]["nik"])
            page.fill("#f-applicant_name", "Orang Lain")
            page.fill("#f-tanggal_lahir", str(rows[5]["tanggallahir"])[:10])
            page.fill("#f-lama_tinggal", "2001")
            page.fill("#f-keperluan", "Melamar pekerjaan")
            page.get_by_role("button", name="Periksa isian").click()
            expect(page.locator("#no-match")).to_have_text(NO_MATCH_MESSAGE)
            expect(page.locator("#f-agama")).to_be_visible()
            expect(page.locator("#f-keperluan")).to_have_value("Melamar pekerjaan")
            page.screenshot(path=shots / "prefill-no-match-full-form.png", full_page=True)
            assert errors == []
        finally:
            phone.close()

        desk = browser.new_context(viewport=DESKTOP)
        try:
            page = desk.new_page()
            login(page, server.url, "operator")
            with server.operator_client("operator") as op:
                rid = server.request_id(op, code)
            page.goto(f"{server.url}/operator/permohonan/{rid}")
            view = page.locator("#register-view")
            expect(view).to_contain_text("Kp. Sukamaju No. 3")
            expect(view).to_contain_text("Mengurus Rumah Tangga")
            page.screenshot(path=shots / "prefill-operator-side-by-side.png", full_page=True)
            # The same resident's full form (as the kiosk sends it), typed differently.
            birth = date.fromisoformat(born)
            typed = {**factories.domisili_form(birth, female=True), "pekerjaan": "Guru"}
            other = server.file_request(
                applicant_nik=me["nik"], applicant_name="Siti Aminah binti H. Ahmad",
                form_data=typed,
            )  # fmt: skip
            with server.operator_client("operator") as op:
                other_id = server.request_id(op, other["code"])
            page.goto(f"{server.url}/operator/permohonan/{other_id}")
            mismatch = page.locator("#register-view tr.mismatch")
            expect(mismatch.filter(has_text="Pekerjaan")).to_contain_text("Guru")
            expect(
                page.locator("#register-view tr.mismatch").filter(has_text="Agama")
            ).to_have_count(0)
            page.screenshot(path=shots / "prefill-operator-mismatch.png", full_page=True)
            phone_page = desk.new_page()
            phone_page.set_viewport_size(PHONE)
            phone_page.goto(f"{server.url}/operator/permohonan/{rid}")
            phone_page.screenshot(path=shots / "prefill-operator-phone.png", full_page=True)
        finally:
            desk.close()
