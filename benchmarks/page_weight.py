"""Page weight: bytes over the wire for the first load of the resident's pages.

    .venv/bin/python benchmarks/page_weight.py [--json out.json]

Starts a real office server (SQLite in a temp folder) and Debian's Chromium (Playwright),
loads each page in a fresh context with an empty cache and counts what the network
carried (CDP `encodedDataLength`: headers plus gzip-compressed bodies). The service
worker's precache (the catalog, every form and their assets, fetched once after the first
visit) is measured on its own. Budget (issue: web pages): 50 KB for `/` and for a form.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.server import running_server
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE
from tests.web.pageweight import measure_first_load, precache_bytes

BUDGET_KB = 50
PAGES = ("/", "/surat", "/surat/domisili", "/status", "/operator/login", "/display")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp)) as server:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                print(f"{'page':<22}{'viewport':>10}{'requests':>10}{'KB on wire':>12}")
                for path in PAGES:
                    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
                        weight = measure_first_load(browser, server.url + path, viewport=viewport)
                        mark = "" if weight.kb <= BUDGET_KB else "  OVER BUDGET"
                        print(
                            f"{path:<22}{name:>10}{len(weight.requests):>10}"
                            f"{weight.kb:>12.1f}{mark}"
                        )
                        figures[f"{path} {name}"] = {
                            "bytes": weight.total_bytes,
                            "requests": weight.requests,
                        }
            finally:
                browser.close()
        packed, raw = precache_bytes(server.url)
        print(f"service worker precache: {packed / 1024:.1f} KB gzip ({raw / 1024:.1f} KB raw)")
        figures["service_worker_precache"] = {"gzip_bytes": packed, "raw_bytes": raw}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
