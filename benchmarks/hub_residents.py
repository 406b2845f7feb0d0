"""The hub's residents' side: catalog page and status lookups in requests/s, and the
cost of sealing a form in Chromium on a slow phone.

Runs a real `loket hub serve` (one uvicorn worker, HTTPS, PostgreSQL, nats-server) and a
bare Starlette app over the same TLS in the same run as the baseline, loads both with
wrk (16 connections, keep-alive), then opens the form in Chromium with the CPU slowed
four times (CDP `Emulation.setCPUThrottlingRate`) and times `LDSEAL` (the page's own
WebCrypto sealing) on a filled form.

    .venv/bin/python benchmarks/hub_residents.py [--seconds 5] [--seals 30] [--json out.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.server_load import lua, wrk  # noqa: E402
from tests.hub.home import HOST, KODE, filing_body, hub_over_tls, spki_hash  # noqa: E402
from tests.support.fixtures import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.sync.harness import free_port  # noqa: E402

NO_LIMITS = {
    f"LOKET_REGENCY_{what}_PER_{who}_{unit}": "100000000"
    for what in ("FILING", "STATUS")
    for who in ("IP", "VILLAGE")
    for unit in ("PER_MINUTE", "BURST")
}
PLAIN = {
    "request_id": "",
    "letter_type": "domisili",
    "applicant_nik": "3604121708900077",
    "applicant_name": "Siti Rahayu",
    "form_data": {
        "tempat_lahir": "Serang",
        "tanggal_lahir": "1990-08-17",
        "jenis_kelamin": "Perempuan",
        "alamat": "Kp. Sukamaju RT 002/RW 003, Desa Sukamaju, Kecamatan Cikande",
        "keperluan": "Melamar pekerjaan",
    },
    "phone": None,
    "secret_hash": "0" * 64,
}


def _seal_times(origin: str, cert: Path, seals: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as manager:
        chromium = manager.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
                f"--ignore-certificate-errors-spki-list={spki_hash(cert)}",
            ],
        )
        try:
            page = chromium.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{origin}/{KODE}/surat/domisili")
            page.wait_for_function("window.LDSEAL !== undefined")
            cdp = page.context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            times = page.evaluate(
                """async ([plain, n]) => {
                  const f = document.getElementById("req").dataset, out = [];
                  for (let i = 0; i < n; i++) {
                    const rid = crypto.randomUUID(), t = performance.now();
                    await window.LDSEAL({...plain, request_id: rid}, {kid: f.kid, key: f.key},
                                        f.kode, rid);
                    out.push(performance.now() - t);
                  }
                  return out;
                }""",
                [PLAIN, seals],
            )
            return [float(t) for t in times]
        finally:
            chromium.close()


def main() -> dict[str, dict[str, float | str | None]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--seals", type=int, default=30)
    parser.add_argument("--json")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (scripts/bootstrap.sh installs it)")
    results: dict[str, dict[str, float | str | None]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with hub_over_tls(tmp, **NO_LIMITS) as (hub, key):
            assert hub.web_ca is not None
            cert, cert_key = hub.web_ca.parent / "server.pem", hub.web_ca.parent / "server-key.pem"
            base_port = free_port()
            baseline = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "benchmarks.baseline_app:app", "--port",
                 str(base_port), "--log-level", "warning", "--no-access-log",
                 "--ssl-certfile", str(cert), "--ssl-keyfile", str(cert_key)],
                cwd=REPO,
            )  # fmt: skip
            try:
                base = f"https://127.0.0.1:{base_port}"
                for _ in range(100):
                    try:
                        httpx.get(f"{base}/status/X", timeout=1, verify=False)  # noqa: S501
                        break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                secret = "C" * 26
                body = filing_body(key, secret=secret, request_id=uuid.uuid4())
                import ssl

                context = ssl.create_default_context(cafile=str(hub.web_ca))
                code = httpx.post(
                    f"{hub.web_url}/{KODE}/api/permohonan", json=body, verify=context
                ).json()["code"]
                query = json.dumps(
                    {"code": code, "secret_hash": hashlib.sha256(secret.encode()).hexdigest()}
                )
                status_script = lua(tmp, "POST", query, {"Content-Type": "application/json"})
                results["catalog page"] = {
                    "value": wrk(f"{hub.web_url}/{KODE}/surat", args.seconds, 16),
                    "unit": "req/s",
                    "baseline": wrk(f"{base}/status/{code}", args.seconds, 16),
                }
                status_url = f"{hub.web_url}/{KODE}/api/status"
                results["status lookups"] = {
                    "value": wrk(status_url, args.seconds, 16, status_script),
                    "unit": "req/s",
                    "baseline": wrk(f"{base}/submit", args.seconds, 16, status_script),
                }  # fmt: skip
            finally:
                baseline.terminate()
                baseline.wait(10)
            times = _seal_times(f"https://{HOST}:{hub.http_port}", cert, args.seals)
            results["sealing, CPU x4 (median)"] = {
                "value": statistics.median(times),
                "unit": "ms",
                "baseline": None,
            }
            results["sealing, CPU x4 (max)"] = {"value": max(times), "unit": "ms", "baseline": None}

    print(f"{'figure':<28}{'hub':>10}{'bare Starlette':>16}{'ratio':>8}  unit")
    for name, row in results.items():
        value, bare = float(row["value"] or 0), row["baseline"]
        ratio = f"{value / float(bare):.2f}" if bare else "-"
        bare_text = f"{float(bare):.0f}" if bare else "-"
        shown = f"{value:.1f}" if row["unit"] == "ms" else f"{value:.0f}"
        print(f"{name:<28}{shown:>10}{bare_text:>16}{ratio:>8}  {row['unit']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
