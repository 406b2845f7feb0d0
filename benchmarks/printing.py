"""How many bytes and how long: a receipt and an A4 letter on ESC/POS over TCP.

The printer is the test suite's emulator on a loopback port, so the times are the
kiosk's share (render, rasterise, send, status round trips, completion confirmed by
GS r), not the paper feed of a real printer. The letter is a one-page A4 surat
keterangan made with WeasyPrint, the way the office server makes letters.

    .venv/bin/python benchmarks/printing.py [--runs N]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "printer_drivers"))

from escpos_decoder import read_qr  # noqa: E402
from escpos_emulator import EscposEmulator  # noqa: E402
from sample_letter import VERIFY_PAYLOAD, make_letter_pdf  # noqa: E402

from printer_drivers.base import PrintResult, Receipt, ReceiptLine  # noqa: E402
from printer_drivers.escpos_backend import EscposPrinter  # noqa: E402
from printer_drivers.factory import printer_from_url  # noqa: E402
from printer_drivers.raster import rasterise_pdf  # noqa: E402

PICKUP = "LD1-P:7Q2M9XR4T8WZB3NK5D6F"
RECEIPT = Receipt(
    [
        ReceiptLine("PEMERINTAH DESA SUKAMAJU", bold=True, align="center"),
        ReceiptLine("Loket Desa", bold=True, align="center", size="double"),
        ReceiptLine("Jl. Raya Sukamaju No. 1, Ciruas", align="center"),
        "",
        "Layanan : Surat Keterangan Domisili",
        "Nomor   : 400.12.2.2/007/DS-2004/III/2026",
        "Tanggal : 12 Maret 2026, 09.41",
        "Status  : Sudah Diambil",
        "",
        ReceiptLine("Pindai kode QR untuk memeriksa surat Anda", align="center"),
    ],
    qr_payload=PICKUP,
    cut=True,
)


@dataclass
class Row:
    job: str
    profile: str
    dots: int
    size: int
    raster_ms: float | None
    median_ms: float
    p90_ms: float
    confirmed: bool
    qr_on_paper: bool


def measure(
    emu: EscposEmulator,
    job: str,
    profile: str,
    send: Callable[[EscposPrinter], PrintResult],
    runs: int,
    pdf: bytes | None = None,
) -> Row:
    printer = printer_from_url(emu.url(profile=profile))
    assert isinstance(printer, EscposPrinter)
    send(printer)  # warm-up: imports, profile load, GS r support learned
    times: list[float] = []
    result: PrintResult | None = None
    for _ in range(runs):
        emu.reset_records()
        started = time.perf_counter()
        result = send(printer)
        times.append((time.perf_counter() - started) * 1000)
    assert result is not None
    paper = emu.paper()
    images = [p.image for p in paper.pictures] + [q.image for q in paper.qr_symbols]
    qr_found = any(read_qr(image) for image in images)
    raster_ms = None
    if pdf is not None:
        started = time.perf_counter()
        for _ in range(runs):
            rasterise_pdf(pdf, printer.profile.width_dots)
        raster_ms = (time.perf_counter() - started) * 1000 / runs
    ordered = sorted(times)
    return Row(
        job=job,
        profile=profile,
        dots=printer.profile.width_dots,
        size=result.bytes_sent,
        raster_ms=raster_ms,
        median_ms=statistics.median(times),
        p90_ms=ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        confirmed=result.completed,
        qr_on_paper=qr_found,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()

    letter = make_letter_pdf(VERIFY_PAYLOAD)
    rows: list[Row] = []
    with EscposEmulator() as emu:
        for profile in ("TM-T88V", "POS-5890"):
            rows.append(
                measure(emu, "receipt", profile, lambda p: p.print_receipt(RECEIPT), args.runs)
            )
        for profile in ("TM-T88V", "TM-T20II", "POS-5890"):
            rows.append(
                measure(
                    emu,
                    "A4 letter",
                    profile,
                    lambda p: p.print_pdf(letter, media="A4"),
                    max(3, args.runs // 2),
                    pdf=letter,
                )
            )

    print(f"ESC/POS over TCP to the emulator; letter PDF {len(letter)} bytes; runs: {args.runs}")
    header = (
        f"{'job':<10} {'profile':<9} {'paper':>11} {'bytes':>7} {'rasterise':>10} "
        f"{'median':>9} {'p90':>9}  confirmed  QR on paper"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        paper = f"{'58' if row.dots <= 432 else '80'} mm/{row.dots}"
        raster = f"{row.raster_ms:.1f} ms" if row.raster_ms is not None else "-"
        print(
            f"{row.job:<10} {row.profile:<9} {paper:>11} {row.size:>7} {raster:>10} "
            f"{row.median_ms:>6.1f} ms {row.p90_ms:>6.1f} ms  "
            f"{'yes' if row.confirmed else 'no':<9}  {'yes' if row.qr_on_paper else 'NO'}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps([dataclasses.asdict(r) for r in rows], indent=2))


if __name__ == "__main__":
    main()
