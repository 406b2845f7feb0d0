"""A long fuzz pass over every resident-facing input, against a real `loket server`.

The generators of tests/faults/resident_inputs.py (the JSON API of residents, the
kiosk's typed form, the resident pages' forms, offline QR scans, the verification
upload, the admin's logo), sent over HTTP to one uvicorn worker on SQLite with the demo
village, a fixed number of requests in all. Then an operator reads back everything that
was filed (JSON, page, a few letter previews). Printed: requests and answers by input
kind, 5xx answers, error lines in the server's log, and the server's peak memory
(VmHWM of /proc/<pid>/status) before and after. Exits 1 on any 5xx or error line.

The server's rate limits are lifted (LOKET_* settings), so every request reaches the
code behind them.

    .venv/bin/python benchmarks/fuzz_memory.py [--requests 3000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, Phase, given, settings

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.faults import fuzzing  # noqa: E402
from tests.faults import resident_inputs as ri  # noqa: E402
from tests.support.server import prepare_server  # noqa: E402

# Each kind's share of the requests (the uploads cost a signature check each).
SHARES = {
    ri.FILE: 0.20,
    ri.WITH_SECRET: 0.15,
    ri.KIOSK_FILE: 0.10,
    ri.FORMS: 0.20,
    ri.SCANS: 0.20,
    ri.UPLOAD: 0.10,
    ri.LOGO: 0.05,
}
NO_LIMITS = {
    "LOKET_LOOKUP_RATE_PER_MINUTE": "100000000",
    "LOKET_LOOKUP_TOTAL_PER_MINUTE": "100000000",
    "LOKET_FILING_PER_ADDRESS_PER_HOUR": "100000000",
    "LOKET_FILING_PER_HOUR": "100000000",
    "LOKET_VERIFY_UPLOADS_PER_MINUTE": "100000000",
    "LOKET_SCAN_FREE_FAILURES": "100000000",
}


def memory_mb(pid: int) -> dict[str, float]:
    """The process's resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = {}
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024
    return found


def fuzz(fuzzer: fuzzing.Fuzzer, letter_pdf: bytes, total: int, pid: int) -> dict[str, Any]:
    """Each kind's share of `total` requests, one kind after the other (the server's
    memory read after each)."""
    problems: list[str] = []
    failed_to_send: Counter[str] = Counter()
    memory_after: dict[str, dict[str, float]] = {}
    for kind, share in SHARES.items():
        examples = max(1, round(total * share))

        # Generation only: a problem is counted, not shrunk, and the run goes on.
        @settings(
            max_examples=examples,
            phases=[Phase.generate],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(ri.ALL_KINDS[kind](letter_pdf))
        def send(probe: fuzzing.Probe) -> None:
            try:
                response = fuzzer.send(probe)
            except httpx.HTTPError as exc:  # what the client itself cannot send
                failed_to_send[f"{probe.kind}: {type(exc).__name__}"] += 1
                return
            for problem in fuzzing.problems(probe.path, response):
                problems.append(f"{problem}\n{fuzzing.describe(probe, 200)}")

        send()
        memory_after[kind] = memory_mb(pid)
    return {"problems": problems, "not_sent": dict(failed_to_send), "memory_after": memory_after}


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        server = prepare_server(tmp)
        server.env.update(NO_LIMITS)
        server.start()
        assert server.process is not None and server.log_path is not None
        pid = server.process.pid
        try:
            at_start = memory_mb(pid)
            clients = [httpx.Client(base_url=server.url, timeout=120) for _ in range(4)]
            resident, operator, admin, signer = clients
            fuzzer = fuzzing.Fuzzer(resident, operator, admin, server.kiosk_key)
            letter_pdf = fuzzer.setup(signer=signer)  # files the targets, signs a letter
            before = memory_mb(pid)
            started = time.perf_counter()
            outcome = fuzz(fuzzer, letter_pdf, args.requests, pid)
            seconds = time.perf_counter() - started
            after_fuzz = memory_mb(pid)
            swept = fuzzer.sweep(previews=10)
            after = memory_mb(pid)
            for client in clients:
                client.close()
        finally:
            server.stop()
        log_lines = server.log_path.read_text(errors="replace").splitlines()

    errors = fuzzing.error_lines(log_lines)
    sweep_5xx = [url for url, r in swept if r.status_code >= 500]
    by_kind: dict[str, dict[str, int]] = {}
    for (kind, status), count in sorted(fuzzer.answers.items()):
        row = by_kind.setdefault(kind, {"requests": 0, "2xx/3xx": 0, "4xx": 0, "5xx": 0})
        row["requests"] += count
        row["2xx/3xx" if status < 400 else "4xx" if status < 500 else "5xx"] += count
    result: dict[str, Any] = {
        "by_kind": by_kind,
        "requests": sum(r["requests"] for r in by_kind.values()),
        "seconds": seconds,
        "server_5xx": sum(r["5xx"] for r in by_kind.values()) + len(sweep_5xx),
        "error_log_lines": len(errors),
        "problems": len(outcome["problems"]),
        "not_sent": outcome["not_sent"],
        "swept_reads": len(swept),
        "memory_after_kind_mb": outcome["memory_after"],
        "memory_mb": {
            "at_start": at_start,
            "before_fuzz": before,
            "after_fuzz": after_fuzz,
            "after_sweep": after,
        },
    }

    print(
        f"{'input kind (in the order sent)':<32}{'requests':>9}{'2xx/3xx':>9}{'4xx':>7}{'5xx':>6}"
        f"{'server VmHWM / VmRSS after (MB)':>34}"
    )
    for kind in SHARES:
        row = by_kind.get(kind, {"requests": 0, "2xx/3xx": 0, "4xx": 0, "5xx": 0})
        m = outcome["memory_after"][kind]
        print(
            f"{kind:<32}{row['requests']:>9}{row['2xx/3xx']:>9}{row['4xx']:>7}{row['5xx']:>6}"
            f"{m['VmHWM']:>24.1f} / {m['VmRSS']:.1f}"
        )
    print(f"{'all':<32}{result['requests']:>9}")
    print(
        f"\n{result['requests']} requests in {seconds:.0f} s; then {len(swept)} operator reads of "
        f"what was filed ({len(sweep_5xx)} 5xx)"
    )
    if outcome["not_sent"]:
        print(f"not sent (refused by the HTTP client itself): {outcome['not_sent']}")
    print(f"5xx answers:                         {result['server_5xx']}")
    print(f"ERROR or traceback lines in the log: {len(errors)}")
    print(f"other problems (refusal not in Indonesian, ...): {len(outcome['problems'])}")
    print("\nserver memory (MB)          VmHWM (peak)    VmRSS (now)")
    for label, key in (
        ("started", "at_start"),
        ("a letter signed (setup)", "before_fuzz"),
        (f"after {result['requests']} fuzz requests", "after_fuzz"),
        ("after the operator's reads", "after_sweep"),
    ):
        m = result["memory_mb"][key]
        print(f"{label:<28}{m['VmHWM']:>12.1f}{m['VmRSS']:>15.1f}")
    for line in (errors + outcome["problems"] + sweep_5xx)[:20]:
        print(f"\n{line}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    summary = main()
    bad = summary["server_5xx"] or summary["error_log_lines"] or summary["problems"]
    raise SystemExit(1 if bad else 0)
