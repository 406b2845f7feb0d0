"""How long a letter takes to become a PDF, per layout.

    .venv/bin/python benchmarks/render.py [--runs 30]

Cold: the first letter in a fresh process (WeasyPrint import, Fontconfig set-up, first
layout), measured in a subprocess per layout. Warm: the following renders in one
process. ReportLab is the alternative that was measured when the renderer was chosen;
it is timed live when importable, otherwise its recorded figure is printed, labelled.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LAYOUTS = ("A4", "F4", "thermal80", "thermal58")

# Measured on the shared 2-core dev box, 28 Nov 2026, ReportLab 5.1.0 (installed only
# for this): the same A4 letter with platypus (kop with logo, 9 rows, QR, embedded
# Liberation Serif), 30 warm renders; cold includes the imports.
REPORTLAB_RECORDED = {"median_ms": 31.0, "p95_ms": 33.0, "cold_ms": 155.0}


def _sample() -> tuple[Any, Any]:
    from PIL import Image, ImageDraw

    from office_server.letters.context import sample_letter

    village, content = sample_letter()
    logo = Image.new("RGBA", (400, 480), (0, 0, 0, 0))
    ImageDraw.Draw(logo).polygon(
        [(20, 20), (380, 20), (380, 300), (200, 460), (20, 300)], fill="#1b5e20"
    )
    out = io.BytesIO()
    logo.save(out, format="PNG")
    return dataclasses.replace(village, logo_png=out.getvalue()), content


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _cold(render_call: str) -> float:
    """Milliseconds for the first render in a fresh interpreter, imports included."""
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); t = time.perf_counter();"
        "from benchmarks.render import _sample, _reportlab_letter;"
        "from office_server.letters.rendering import render_letter_pdf;"
        f"v, c = _sample(); {render_call};"
        "print((time.perf_counter() - t) * 1000)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return float(result.stdout.strip().splitlines()[-1])


def _warm(render: Any, runs: int) -> list[float]:
    render()  # not counted: the cold render
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        render()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _reportlab_letter(village: Any, content: Any) -> bytes:
    """The same A4 letter drawn with ReportLab's platypus, for the comparison only."""
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table

    fonts = Path("/usr/share/fonts/truetype/liberation2")
    if "LibSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("LibSerif", fonts / "LiberationSerif-Regular.ttf"))
        pdfmetrics.registerFont(TTFont("LibSerifB", fonts / "LiberationSerif-Bold.ttf"))
    normal = ParagraphStyle("n", fontName="LibSerif", fontSize=12, leading=16)
    centre = ParagraphStyle("c", parent=normal, alignment=1)
    bold = ParagraphStyle("b", parent=centre, fontName="LibSerifB", fontSize=14)
    kop = [
        Paragraph(f"PEMERINTAH KABUPATEN {village.kabupaten.upper()}", bold),
        Paragraph(f"KECAMATAN {village.kecamatan.upper()}", bold),
        Paragraph(f"DESA {village.name.upper()}", bold),
        Paragraph(village.address, centre),
    ]
    logo = Image(io.BytesIO(village.logo_png), width=22 * mm, height=26 * mm)
    qr = QrCodeWidget(content.verification_url, barLevel="M")
    x0, y0, x1, y1 = qr.getBounds()
    drawing = Drawing(
        24 * mm, 24 * mm, transform=[24 * mm / (x1 - x0), 0, 0, 24 * mm / (y1 - y0), 0, 0]
    )
    drawing.add(qr)
    story: list[Any] = [
        Table([[logo, kop, ""]], colWidths=[25 * mm, 115 * mm, 25 * mm]),
        Spacer(1, 6 * mm),
        Paragraph(f"<u>{content.title}</u>", bold),
        Paragraph(f"Nomor: {content.number}", centre),
        Spacer(1, 4 * mm),
        Paragraph("Yang bertanda tangan di bawah ini, ... menerangkan bahwa:", normal),
        Table([[Paragraph(k, normal), ":", Paragraph(v, normal)] for k, v in content.rows]),
        *(Paragraph(p, normal) for p in content.body_paragraphs),
        Paragraph(f"Surat keterangan ini dibuat untuk keperluan: {content.purpose}.", normal),
        Paragraph("Demikian surat keterangan ini dibuat dengan sebenarnya ...", normal),
        Table(
            [[drawing, Paragraph(f"{content.place}<br/>{content.signer_name}", centre)]],
            colWidths=[80 * mm, 85 * mm],
        ),
    ]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=25 * mm, rightMargin=20 * mm).build(story)
    return out.getvalue()


def run(runs: int = 30) -> list[dict[str, Any]]:
    from office_server.letters.rendering import render_letter_pdf

    village, content = _sample()
    rows: list[dict[str, Any]] = []
    for layout in LAYOUTS:
        times = _warm(
            lambda layout=layout: render_letter_pdf(village, content, layout=layout), runs
        )
        rows.append(
            {
                "renderer": f"WeasyPrint {layout}",
                "cold_ms": _cold(f"render_letter_pdf(v, c, layout={layout!r})"),
                "median_ms": statistics.median(times),
                "p95_ms": _percentile(times, 0.95),
                "live": True,
            }
        )
    try:
        import reportlab  # noqa: F401
    except ImportError:
        rows.append({"renderer": "ReportLab A4 (recorded)", **REPORTLAB_RECORDED, "live": False})
    else:
        times = _warm(lambda: _reportlab_letter(village, content), runs)
        rows.append(
            {
                "renderer": "ReportLab A4 (live)",
                "cold_ms": _cold("_reportlab_letter(v, c)"),
                "median_ms": statistics.median(times),
                "p95_ms": _percentile(times, 0.95),
                "live": True,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    rows = run(args.runs)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    print(f"Letter rendering, {args.runs} warm renders per row")
    print(f"{'renderer / layout':<26}{'cold ms':>9}{'median ms':>11}{'p95 ms':>9}{'letters/s':>11}")
    for row in rows:
        cold = "-" if row["cold_ms"] is None else f"{row['cold_ms']:.0f}"
        print(
            f"{row['renderer']:<26}{cold:>9}{row['median_ms']:>11.1f}{row['p95_ms']:>9.1f}"
            f"{1000 / row['median_ms']:>11.1f}"
        )


if __name__ == "__main__":
    main()
