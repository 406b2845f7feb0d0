"""PAdES signing of a letter with the village key: time per letter and bytes added.

.venv/bin/python benchmarks/signing.py [--runs 30] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from office_server.letters import signing
from office_server.letters.context import sample_letter
from office_server.letters.rendering import render_letter_pdf


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    village, content = sample_letter()
    pdf = render_letter_pdf(village, content, layout="F4")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        start = time.perf_counter()
        signing.ensure_keys(data_dir, village.name)
        keygen = ms_since(start)
        sign_times, check_times = [], []
        signed = pdf
        for _ in range(args.runs):
            start = time.perf_counter()
            signed = signing.sign_pdf(pdf, data_dir=data_dir, village_name=village.name)
            sign_times.append(ms_since(start))
        for _ in range(max(3, args.runs // 3)):
            start = time.perf_counter()
            assert signing.check_pdf(signed, data_dir=data_dir).ok
            check_times.append(ms_since(start))
    figures = {
        "key generation (once per village)": (keygen, "ms"),
        "sign one letter, median": (statistics.median(sign_times), "ms"),
        "sign one letter, p95": (sorted(sign_times)[int(0.95 * (len(sign_times) - 1))], "ms"),
        "check one signature, median": (statistics.median(check_times), "ms"),
        "bytes added by the signature": (len(signed) - len(pdf), "bytes"),
    }
    print(f"PAdES signing, F4 letter of {len(pdf)} bytes, {args.runs} runs")
    for name, (value, unit) in figures.items():
        print(f"{name:<40}{value:>10.1f}  {unit}")
    if args.json:
        Path(args.json).write_text(json.dumps({k: list(v) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
