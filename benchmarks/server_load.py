"""Server load on loopback: status lookups/s and durable submissions/s on SQLite.

Runs the real server (`loket server`, one uvicorn worker, SQLite WAL with synchronous=FULL)
and a bare Starlette app in the same run as the baseline, and loads both with wrk.

    .venv/bin/python benchmarks/server_load.py [--seconds 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support import factories  # noqa: E402
from tests.support.server import free_port, prepare_server  # noqa: E402


def wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> float:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} failed responses\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


def lua(tmp: Path, method: str, body: str | None, headers: dict[str, str]) -> Path:
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = [[{body}]]")
    path = tmp / f"{method.lower()}-{len(list(tmp.iterdir()))}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> dict[str, dict[str, float | str | None]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (scripts/bootstrap.sh installs it)")

    results: dict[str, dict[str, float | str | None]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        server = prepare_server(tmp)
        # wrk files thousands of requests from one address: lift the anonymous filing limits.
        server.env["LOKET_FILING_PER_ADDRESS_PER_HOUR"] = "100000000"
        server.env["LOKET_FILING_PER_HOUR"] = "100000000"
        server.start()
        base_port = free_port()
        baseline = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "benchmarks.baseline_app:app", "--port",
             str(base_port), "--log-level", "warning", "--no-access-log"],
            cwd=REPO,
        )  # fmt: skip
        try:
            for _ in range(100):
                try:
                    httpx.get(f"http://127.0.0.1:{base_port}/status/X", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            created = server.file_request()
            secret = created["pickup_qr"].split("#", 1)[1]
            status_script = lua(tmp, "GET", None, {"X-Pickup-Secret": secret})
            body = json.dumps(factories.request_body(serial=7))
            post_script = lua(tmp, "POST", body, {"Content-Type": "application/json"})
            base = f"http://127.0.0.1:{base_port}"
            results["status lookups"] = {
                "value": wrk(
                    f"{server.url}/api/v1/requests/{created['code']}/status",
                    args.seconds, 16, status_script,
                ),
                "unit": "req/s",
                "baseline": wrk(f"{base}/status/{created['code']}", args.seconds, 16),
            }  # fmt: skip
            results["durable submissions"] = {
                "value": wrk(f"{server.url}/api/v1/requests", args.seconds, 16, post_script),
                "unit": "req/s",
                "baseline": wrk(f"{base}/submit", args.seconds, 16, post_script),
            }
        finally:
            baseline.terminate()
            baseline.wait(10)
            server.stop()

    print(f"{'figure':<24}{'loket':>12}{'bare Starlette':>16}  unit")
    for name, row in results.items():
        print(f"{name:<24}{row['value']:>12.0f}{row['baseline']:>16.0f}  {row['unit']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
