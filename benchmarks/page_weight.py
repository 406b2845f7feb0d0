"""Page weight: bytes over the wire for the first load of the resident's pages.

    .venv/bin/python benchmarks/page_weight.py [--json out.json]

Starts a real office server (SQLite in a temp folder) and Debian's Chromium (Playwright),
loads each page in a fresh context with an empty cache and counts what the network
carried (CDP `encodedDataLength`: headers plus gzip-compressed bodies). The service
worker's precache (the catalog, every form and their assets, fetched once after the first
visit) is measured on its own. Budget (issue: web pages): 50 KB for `/` and for a form.

Then the village imports a register (`loket import-residents`, 40 residents) and the
forms are measured again: the short form (issue 15: only what the register does not
hold) against the full form each replaces, on a phone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.register_files import resident_row, write_opensid_xlsx
from tests.support.server import LOKET, REPO, running_server
from tests.support.waiting import HANG_GUARD
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE
from tests.web.pageweight import measure_first_load, precache_bytes

BUDGET_KB = 50
PAGES = ("/", "/surat", "/surat/domisili", "/status", "/operator/login", "/display")
# Domisili and the longest resident forms (repeated groups), as tests/web weigh them.
FORMS = ("/surat/domisili", "/surat/sktm", "/surat/bepergian", "/surat/pengantar_nikah")


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
                full = {
                    path: measure_first_load(browser, server.url + path, viewport=PHONE)
                    for path in FORMS
                }
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
                _import_register(server.env, Path(tmp))
                print(f"\n{'form (phone)':<26}{'full KB':>10}{'short KB':>10}{'lighter':>10}")
                for path in FORMS:
                    short = measure_first_load(browser, server.url + path, viewport=PHONE)
                    before = full[path].total_bytes
                    print(
                        f"{path:<26}{before / 1024:>10.1f}{short.kb:>10.1f}"
                        f"{(before - short.total_bytes) / before:>10.0%}"
                    )
                    figures[f"{path} short form phone"] = {
                        "bytes": short.total_bytes,
                        "baseline_bytes": before,
                        "requests": short.requests,
                    }
            finally:
                browser.close()
        packed, raw = precache_bytes(server.url)
        print(f"service worker precache: {packed / 1024:.1f} KB gzip ({raw / 1024:.1f} KB raw)")
        figures["service_worker_precache"] = {"gzip_bytes": packed, "raw_bytes": raw}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


def _import_register(env: dict[str, str], tmp: Path) -> None:
    """The village's register, as an operator imports it: the forms become short."""
    path = write_opensid_xlsx(tmp / "penduduk.xlsx", [resident_row(i) for i in range(40)])
    subprocess.run(
        [*LOKET, "import-residents", str(path)],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=HANG_GUARD, check=True,
    )  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
