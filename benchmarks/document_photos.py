"""Document photos: what the server spends on one, and what the phone does before sending.

    .venv/bin/python benchmarks/document_photos.py [--runs 20] [--json out.json]

Server (in process, `requests/photos.clean_jpeg`): the time to decode, turn upright and
re-encode a photo as the phone sends it (1600 px, under 200 KB), and to refuse a bomb
(a 20000 × 20000 PNG of a few KB), a truncated JPEG and a non-image.

Phone (a real office server, Debian's Chromium at 360 × 640, `static/photos.js`): a
4000 × 3000 camera photo picked on the result page; the time until its PUT starts (the
shrink in the page), the bytes sent, and the time until "Terkirim" over an unthrottled
link and over a slow 3G link (CDP: 300 ms, 40 KB/s up).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from office_server.requests import photos
from tests.server.test_hardening_images import png_of_zeros
from tests.support.photo_samples import phone_jpeg
from tests.support.server import running_server
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.web.test_document_photos import SLOW_3G, camera_photo, file_on_phone


def _ms(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with contextlib.suppress(photos.PhotoRefused):  # a refusal is what is timed
            fn()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def as_the_phone_sends(photo: bytes, limit: int = 200_000) -> bytes:
    """Re-encoded like photos.js does: quality stepped down until at most `limit` bytes."""
    from PIL import Image

    with Image.open(io.BytesIO(photo)) as picture:
        for quality in (85, 75, 65, 55, 45):
            out = io.BytesIO()
            picture.save(out, format="JPEG", quality=quality, exif=picture.info.get("exif", b""))
            if out.tell() <= limit:
                break
    return out.getvalue()


def server_figures(runs: int) -> dict[str, float]:
    sent = as_the_phone_sends(phone_jpeg(1600, 1200, gps=True))
    bomb = png_of_zeros(20_000, 20_000)
    truncated = sent[: len(sent) // 2]
    return {
        f"clean 1600x1200 JPEG ({len(sent) // 1000} KB)": _ms(
            lambda: photos.clean_jpeg(sent), runs
        ),
        f"refuse bomb 20000x20000 PNG ({len(bomb) // 1000} KB)": _ms(
            lambda: photos.clean_jpeg(bomb), runs
        ),
        "refuse truncated JPEG": _ms(lambda: photos.clean_jpeg(truncated), runs),
        "refuse non-image": _ms(lambda: photos.clean_jpeg(b"%PDF-1.7" + bytes(5000)), runs),
    }


def phone_figures(tmp: Path) -> dict[str, dict[str, float]]:
    from playwright.sync_api import expect, sync_playwright

    photo = camera_photo(tmp / "camera.jpg")
    out: dict[str, dict[str, float]] = {}
    with running_server(tmp / "server") as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for link, conditions in (("unthrottled", None), ("slow 3G", SLOW_3G)):
                context = browser.new_context(viewport=PHONE, service_workers="block")
                page = context.new_page()
                file_on_phone(page, server.url)
                if conditions:
                    cdp = context.new_cdp_session(page)
                    cdp.send("Network.enable")
                    cdp.send("Network.emulateNetworkConditions", conditions)
                put_at: list[float] = []

                def on_request(request: object, put_at: list[float] = put_at) -> None:
                    if getattr(request, "method", "") == "PUT":
                        put_at.append(time.perf_counter())

                page.on("request", on_request)
                kind = page.locator("#docs li[data-kind='0']")
                started = time.perf_counter()
                kind.locator("input[type=file]").set_input_files(str(photo))
                expect(kind.locator(".shots p")).to_have_text("Terkirim ✓", timeout=300_000)
                done = time.perf_counter()
                sent = int(kind.locator(".shots li").get_attribute("data-bytes") or 0)
                out[link] = {
                    "camera photo KB": photo.stat().st_size / 1000,
                    "shrink ms": (put_at[0] - started) * 1000,
                    "sent KB": sent / 1000,
                    "until sent ms": (done - started) * 1000,
                }
                context.close()
        finally:
            browser.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    figures: dict[str, object] = {}
    server = server_figures(args.runs)
    print(f"{'server, per photo (median of ' + str(args.runs) + ')':<52}{'ms':>8}")
    for name, ms in server.items():
        print(f"{name:<52}{ms:>8.2f}")
    figures["server_ms"] = server
    with tempfile.TemporaryDirectory() as tmp:
        phone = phone_figures(Path(tmp))
    print()
    print(f"{'phone (Chromium, 360x640)':<16}{'photo KB':>10}{'shrink ms':>11}{'sent KB':>9}"
          f"{'sent after ms':>15}")  # fmt: skip
    for link, f in phone.items():
        print(f"{link:<16}{f['camera photo KB']:>10.0f}{f['shrink ms']:>11.0f}"
              f"{f['sent KB']:>9.1f}{f['until sent ms']:>15.0f}")  # fmt: skip
    figures["phone"] = phone
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
