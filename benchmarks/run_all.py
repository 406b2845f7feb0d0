"""`make bench`: every benchmark of the project, one table, and benchmarks/results.json.

Each benchmark script runs in its own process (a cold start stays cold) and writes its
own JSON; this file turns those into figures: name, value, unit, and the baseline
measured in the same run where there is one.

    .venv/bin/python benchmarks/run_all.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

Figure = dict[str, Any]


def fig(name: str, value: float, unit: str, baseline: float | None = None) -> Figure:
    return {"name": name, "value": round(value, 3), "unit": unit, "baseline": baseline}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def render_figures(rows: list[dict[str, Any]]) -> list[Figure]:
    out = []
    for row in rows:
        if not row["renderer"].startswith("WeasyPrint"):
            continue
        layout = row["renderer"].split()[-1]
        if row["cold_ms"] is not None:
            out.append(fig(f"render {layout} first (cold process)", row["cold_ms"], "ms"))
        out.append(fig(f"render {layout} median", row["median_ms"], "ms"))
        out.append(fig(f"render {layout} p95", row["p95_ms"], "ms"))
        out.append(fig(f"render {layout} letters/s", 1000 / row["median_ms"], "letters/s"))
    reportlab = [r for r in rows if r["renderer"].startswith("ReportLab")]
    if reportlab:
        out.append(fig("render A4 median, ReportLab (comparison)", reportlab[0]["median_ms"], "ms"))
    return out


def signing_figures(data: dict[str, list[Any]]) -> list[Figure]:
    return [fig(f"PAdES {name}", value, unit) for name, (value, unit) in data.items()]


def printing_figures(rows: list[dict[str, Any]]) -> list[Figure]:
    out = []
    for row in rows:
        label = f"print {row['job']} {row['profile']} over TCP"
        out.append(fig(f"{label}: bytes", row["size"], "bytes"))
        out.append(fig(f"{label}: median", row["median_ms"], "ms"))
    return out


def kiosk_figures(data: dict[str, Any]) -> list[Figure]:
    lat = [x * 1000 for x in data["scan_to_print"]]
    out = [
        fig("kiosk cold start to home", statistics.median(data["cold_start_s"]), "s"),
        fig("kiosk QR frame to print job accepted, median", statistics.median(lat), "ms"),
        fig("kiosk QR frame to print job accepted, p95", pct(lat, 0.95), "ms"),
        fig("kiosk RSS before cycles", data["rss"]["rss_start_mb"], "MB"),
        fig(f"kiosk RSS after {data['cycles']} scan-print cycles", data["rss"]["rss_end_mb"], "MB"),
    ]
    for name, d in data["decoders"].items():
        out.append(fig(f"decode per frame, {name}, median", d["median_ms"], "ms"))
        out.append(fig(f"decoded degraded frames, {name}", d["read"], f"of {d['frames']}"))
    return out


def page_figures(data: dict[str, Any]) -> list[Figure]:
    out = []
    for key, value in data.items():
        if "baseline_bytes" in value:  # a short form; its baseline is the full form
            out.append(
                fig(
                    f"first load {key} (gzip, all assets; baseline: the full form)",
                    value["bytes"] / 1024,
                    "KB",
                    round(value["baseline_bytes"] / 1024, 3),
                )
            )
        elif "bytes" in value:
            out.append(fig(f"first load {key} (gzip, all assets)", value["bytes"] / 1024, "KB"))
    sw = data.get("service_worker_precache")
    if sw:
        out.append(fig("service worker precache (gzip)", sw["gzip_bytes"] / 1024, "KB"))
    return out


def server_figures(data: dict[str, Any]) -> list[Figure]:
    return [
        fig(f"server {name} (SQLite, 1 worker)", row["value"], row["unit"], row["baseline"])
        for name, row in data.items()
    ]


def fuzz_figures(data: dict[str, Any]) -> list[Figure]:
    memory = data["memory_mb"]
    sent = data["requests"]
    return [
        fig("fuzz: resident-facing requests sent", sent, "requests"),
        fig(
            "fuzz: 5xx answers (incl. operator reads of what was filed)",
            data["server_5xx"],
            "answers",
        ),
        fig("fuzz: ERROR or traceback lines in the server log", data["error_log_lines"], "lines"),
        fig("server peak RSS before the fuzz (VmHWM)", memory["before_fuzz"]["VmHWM"], "MB"),
        fig(
            f"server peak RSS after {sent} fuzz requests (VmHWM)",
            memory["after_sweep"]["VmHWM"],
            "MB",
        ),
    ]


def qr_reading_figures(data: dict[str, Any]) -> list[Figure]:
    out = []
    names = {"zxing-raw": "zxing-cpp raw", "pyzbar": "pyzbar raw", "zxing": "kiosk decoder"}
    for label in ("tuned on", "held out"):
        for decoder, row in data[label].items():
            name = f"QR {label} set, {names[decoder]}"
            issue = sum(row["read"].get(k, 0) for k in data["issue_kinds"])
            out.append(fig(f"{name}: read, the 7 issue kinds", issue, f"of {data['issue_frames']}"))
            out.append(fig(f"{name}: read, all kinds", row["total"], f"of {row['frames']}"))
            out.append(fig(f"{name}: per frame, median", row["median_ms"], "ms"))
            out.append(fig(f"{name}: per frame, p95", row["p95_ms"], "ms"))
            out.append(fig(f"{name}: CPU per frame, p95", row["cpu_p95_ms"], "ms"))
    for kind, read in data["held out"]["zxing"]["read"].items():
        out.append(fig(f"QR held out, kiosk decoder: {kind}", read, f"of {data['per_kind']}"))
    for group, rows in data.get("motion", {}).items():
        for decoder, row in rows.items():
            read = row["total"]
            out.append(
                fig(f"QR motion only, {group}, {names[decoder]}", read, f"of {row['frames']}")
            )
    latency = data["latency"]
    out.append(fig("QR enters the camera's view -> found, median", latency["median_ms"], "ms"))
    out.append(fig("QR enters the camera's view -> found, p95", latency["p95_ms"], "ms"))
    return out


def install_figures(data: dict[str, list[Any]]) -> list[Figure]:
    return [fig(name, value, unit) for name, (value, unit) in data.items()]


def hub_scale_figures(data: dict[str, Any]) -> list[Figure]:
    size = f"{data['villages']} villages x {data['events_per_village']} events"
    return [
        fig(f"hub: {size}, events/s to PostgreSQL", data["events_per_s"], "events/s"),
        fig(f"hub: {size}, p95 publish-to-PostgreSQL", data["delay_p95_s"], "s"),
        fig(f"hub: {size}, nats-server peak RSS", data["nats_server_peak_rss_mb"], "MB"),
        fig(f"hub: {size}, hub process peak RSS", data["hub_process_peak_rss_mb"], "MB"),
    ]


def bad_link_figures(data: dict[str, Any]) -> list[Figure]:
    link = f"{data['events']} events, {data['loss_in_10']}0% loss, {data['rate_kbit']} kbit/s"
    return [
        fig(f"sync over a bad link ({link}): stored once", data["stored_distinct"], "events"),
        fig(
            f"sync over a bad link ({link}): duplicates stored",
            data["stored"] - data["stored_distinct"],
            "events",
        ),
        fig(f"sync over a bad link ({link}): wall time", data["seconds"], "s"),
    ]


def leaf_vs_direct_figures(data: dict[str, Any]) -> list[Figure]:
    out = []
    for mode, row in data.items():
        what = f"village link {mode} ({row['events']} events, bad link, cut, SIGKILL)"
        out += [
            fig(f"{what}: events/s", row["events_per_s"], "events/s"),
            fig(f"{what}: missing at the hub", row["missing_at_hub"], "events"),
            fig(
                f"{what}: first event after the link is back",
                row["first_event_after_link_back_s"],
                "s",
            ),
            fig(f"{what}: leaf server RSS", row["leaf_rss_mb"], "MB"),
        ]
    return out


def hub_dashboard_figures(data: dict[str, Any]) -> list[Figure]:
    size = f"{data['events'] / 1e6:.1f} M events"
    out = [fig(f"hub dashboard: load {size} with COPY", data["load_s"], "s")]
    for page, row in data["pages"].items():
        out.append(fig(f"hub dashboard ({size}): {page} p95", row["p95_ms"], "ms"))
    return out


def archive_rpo_figures(data: dict[str, Any]) -> list[Figure]:
    load = f"{data['trials']} kills, {data['rate_rows_per_s']:g} writes/s"
    return [
        fig(f"off-site archive recovery point ({load}), median", data["rpo_median_s"], "s"),
        fig(f"off-site archive recovery point ({load}), worst", data["rpo_max_s"], "s"),
        fig(f"off-site archive rows lost ({load}), worst", data["rows_lost_max"], "rows"),
        fig("loket restore-from-hub, median", data["restore_median_s"], "s"),
    ]


def hub_residents_figures(data: dict[str, Any]) -> list[Figure]:
    return [
        fig(f"hub residents: {name} (1 worker, HTTPS)", row["value"], row["unit"], row["baseline"])
        for name, row in data.items()
    ]


BENCHMARKS: list[tuple[str, list[str], Callable[[Any], list[Figure]]]] = [
    ("render.py", ["--runs", "30"], render_figures),
    ("signing.py", ["--runs", "30"], signing_figures),
    ("printing.py", ["--runs", "20"], printing_figures),
    ("server_load.py", ["--seconds", "5"], server_figures),
    ("page_weight.py", [], page_figures),
    ("kiosk.py", ["--cycles", "1000"], kiosk_figures),
    ("qr_reading.py", ["--per-kind", "12"], qr_reading_figures),
    ("fuzz_memory.py", ["--requests", "3000"], fuzz_figures),
    ("install_upgrade.py", ["--letters", "100"], install_figures),
    ("register_import.py", ["--residents", "5000"], install_figures),
    ("hub_scale.py", ["--villages", "326", "--events", "1000"], hub_scale_figures),
    ("sync_bad_link.py", ["--events", "5000"], bad_link_figures),
    ("sync_leaf_vs_direct.py", ["--events", "1000"], leaf_vs_direct_figures),
    ("hub_dashboard.py", ["--events", "20000000", "--runs", "30"], hub_dashboard_figures),
    ("archive_rpo.py", ["--trials", "10"], archive_rpo_figures),
    ("hub_residents.py", ["--seconds", "5", "--seals", "30"], hub_residents_figures),
    ("sealed_intake.py", ["--requests", "500"], install_figures),
]

QUICK = {
    "kiosk.py": ["--cycles", "50"],
    "qr_reading.py": ["--per-kind", "4", "--codes", "5", "--motion", "1"],
    "server_load.py": ["--seconds", "2"],
    "fuzz_memory.py": ["--requests", "300"],
    "install_upgrade.py": ["--letters", "10"],
    "register_import.py": ["--residents", "500"],
    "hub_scale.py": ["--villages", "20", "--events", "200"],
    "sync_bad_link.py": ["--events", "150"],
    "sync_leaf_vs_direct.py": ["--events", "150", "--cut-seconds", "30"],
    "hub_dashboard.py": ["--events", "200000", "--umkm", "10000", "--runs", "10"],
    "archive_rpo.py": ["--trials", "2", "--seconds", "3"],
    "hub_residents.py": ["--seconds", "2", "--seals", "5"],
    "sealed_intake.py": ["--requests", "50"],
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer runs, for a smoke check")
    args = parser.parse_args()
    figures: list[Figure] = []
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        for script, extra, adapt in BENCHMARKS:
            if args.quick:
                extra = QUICK.get(script, ["--runs", "5"] if "--runs" in extra else [])
            out = Path(tmp) / f"{script}.json"
            print(f"\n=== {script}", flush=True)
            done = subprocess.run(
                [sys.executable, str(HERE / script), *extra, "--json", str(out)],
                cwd=REPO,
                check=False,
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )
            if done.returncode != 0 or not out.exists():
                failed.append(script)
                continue
            figures += adapt(json.loads(out.read_text()))

    print("\n" + "=" * 100)
    print(f"{'figure':<64}{'value':>12}  {'unit':<10}{'baseline':>12}")
    for f in figures:
        base = "" if f["baseline"] is None else f"{f['baseline']:.0f}"
        print(f"{f['name']:<64}{f['value']:>12.1f}  {f['unit']:<10}{base:>12}")
    (HERE / "results.json").write_text(json.dumps(figures, indent=2))
    print(f"\n{len(figures)} figures written to benchmarks/results.json")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
