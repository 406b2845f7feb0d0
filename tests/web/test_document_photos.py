"""Photos of documents from a phone (issue 15) in a real Chromium: shrunk in the page to
at most 200 KB, sent over a throttled link through a proxy that drops the upload
halfway, re-sent under the same key and stored once; then the operator's view."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, Request, expect

from tests.support.cutting_proxy import CuttingProxy
from tests.support.page_wait import wait_in_page
from tests.support.server import RunningServer
from tests.support.waiting import HANG_GUARD
from tests.web.conftest import DESKTOP, PHONE
from tests.web.test_browser import fill_domisili, follow, login

pytestmark = pytest.mark.browser

LIMIT = 200_000
# Chromium resends a request by itself, up to twice, when it failed on a reused keep-alive
# connection; the third drop in a row reaches the page whatever the connections were.
DROPS = 3
# A slow 3G link: 200 KB up takes several seconds, so the drop lands mid-photo.
SLOW_3G = {
    "offline": False,
    "latency": 300,
    "downloadThroughput": 60_000,
    "uploadThroughput": 40_000,
}


@pytest.fixture
def proxy(web_server: RunningServer) -> Iterator[CuttingProxy]:
    port = int(web_server.url.rsplit(":", 1)[1])
    cutter = CuttingProxy(port, marker=b"PUT /api/v1/requests/", drops=DROPS)
    cutter.start()
    yield cutter
    cutter.stop()


def camera_photo(path: Path) -> Path:
    """What a phone camera saves: 4000 × 3000, several MB, with detail that compresses badly."""
    rng = random.Random(7)
    picture = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    grain = Image.effect_noise((4000, 3000), 60).convert("RGB")
    picture = Image.blend(picture, grain, 0.45)
    for _ in range(40):
        x, y = rng.randrange(3800), rng.randrange(2800)
        picture.paste((rng.randrange(256), rng.randrange(256), 90), (x, y, x + 200, y + 120))
    picture.save(path, format="JPEG", quality=92)
    return path


LOADED = (
    "() => { const i = document.querySelector('#documents img');"
    " return i.complete && i.naturalWidth > 0; }"
)


def documents_of(server: RunningServer, code: str, secret: str) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{server.url}/api/v1/requests/{code}/documents",
        headers={"X-Pickup-Secret": secret},
        timeout=HANG_GUARD,
    )
    r.raise_for_status()
    return list(r.json()["documents"])


def file_on_phone(page: Page, base: str) -> tuple[str, str]:
    page.goto(f"{base}/surat")
    follow(page, "a.btn[href='/surat/domisili']", "Surat Keterangan Domisili")
    fill_domisili(page, serial=611)
    page.get_by_role("button", name="Periksa isian").click()
    page.get_by_role("button", name="Kirim permohonan").click()
    expect(page.locator("[role=status]").first).to_contain_text("Permohonan terkirim")
    page.wait_for_load_state("load")
    code = page.locator("#code").inner_text().strip()
    secret = page.locator("#secret").inner_text().replace(" ", "")
    return code, secret


def test_a_photo_goes_up_a_bad_link_shrunk_and_once(
    browser: Any, web_server: RunningServer, proxy: CuttingProxy, shots: Path, tmp_path: Path
) -> None:
    photo = camera_photo(tmp_path / "IMG_20261201_0931.jpg")
    assert photo.stat().st_size > 3 * LIMIT
    context = browser.new_context(viewport=PHONE, service_workers="block")
    try:
        page = context.new_page()
        code, secret = file_on_phone(page, proxy.url)
        docs = page.locator("#docs")
        expect(docs).to_be_visible()
        expect(docs).to_contain_text("Kirim foto dokumen")
        page.screenshot(path=shots / "phone-photos-before.png", full_page=True)

        puts: list[str] = []

        def on_request(request: Request) -> None:
            if request.method == "PUT":
                puts.append(request.url)

        page.on("request", on_request)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)

        ktp = docs.locator("li[data-kind='0']")
        ktp.locator("input[type=file]").set_input_files(str(photo))
        status = ktp.locator(".shots p")
        expect(status).to_contain_text("Mengirim foto")
        page.screenshot(path=shots / "phone-photos-during.png", full_page=True)
        # The proxy drops the upload; the page says so and sends it again.
        expect(status).to_contain_text("Sinyal terputus")
        page.screenshot(path=shots / "phone-photos-retry.png", full_page=True)
        expect(status).to_have_text("Terkirim ✓")
        expect(ktp.locator(".sent")).to_have_text("1 foto terkirim")
        page.screenshot(path=shots / "phone-photos-after.png", full_page=True)

        assert proxy.cuts == DROPS
        # The page sent again (Chromium's own resend is no new request), under one key...
        assert len(puts) >= 2 and len(set(puts)) == 1, puts
        # ...the same photo, shrunk in the page to at most 200 KB.
        sizes = set(proxy.lengths)
        assert len(proxy.lengths) >= DROPS + 1 and len(sizes) == 1, proxy.lengths
        assert 10_000 < proxy.lengths[0] <= LIMIT
        assert int(ktp.locator(".shots li").get_attribute("data-bytes") or 0) == proxy.lengths[0]
        stored = documents_of(web_server, code, secret)
        assert len(stored) == 1 and stored[0]["kind"] == "Fotokopi KTP"

        # Later, from the pickup QR's link: the status page offers the photo step again,
        # and shows what was sent.
        cdp.send("Network.emulateNetworkConditions", {**SLOW_3G, "latency": 0,
                  "downloadThroughput": -1, "uploadThroughput": -1})  # fmt: skip
        page.goto(f"{proxy.url}/s/{code}#{secret}")
        expect(page.locator("#status-label")).to_have_text("Sedang Diperiksa")
        page.locator("#photos").click()
        expect(page.locator("#docs li[data-kind='0'] .sent")).to_have_text("1 foto terkirim")
        expect(page.locator("#docs li[data-kind='1'] .sent")).to_have_text("")
    finally:
        context.close()

    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        login(page, web_server.url, "operator")
        with web_server.operator_client("operator") as op:
            rid = web_server.request_id(op, code)
        page.goto(f"{web_server.url}/operator/permohonan/{rid}")
        thumb = page.locator("#documents img")
        expect(thumb).to_have_count(1)
        page.locator("#documents").scroll_into_view_if_needed()  # the thumbnails load lazily
        wait_in_page(page, LOADED)
        page.screenshot(path=shots / "operator-photos-phone.png", full_page=True)
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=shots / "operator-photos-desktop.png", full_page=True)
        full = page.request.get(f"{web_server.url}/operator/permohonan/{rid}/dokumen/1")
        assert full.status == 200 and full.headers["content-type"] == "image/jpeg"
        assert max(Image.open(io.BytesIO(full.body())).size) <= 1600
    finally:
        context.close()
