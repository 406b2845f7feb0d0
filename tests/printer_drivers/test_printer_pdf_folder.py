"""The folder printer: what a person finds in the folder, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from escpos_decoder import read_qr
from PIL import Image

from printer_drivers.base import PrinterState, Receipt, ReceiptLine
from printer_drivers.errors import PrinterError, PrinterErrorKind
from printer_drivers.factory import printer_from_url
from printer_drivers.pdf_folder import FolderPrinter

PICKUP = "LD1-P:7Q2M9XR4T8WZB3NK5D6F"


def folder_printer(path: Path, **params: object) -> FolderPrinter:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    printer = printer_from_url(f"folder://{path}" + (f"?{query}" if query else ""))
    assert isinstance(printer, FolderPrinter)
    return printer


def test_pdf_jobs_land_whole_with_a_readable_name(tmp_path: Path, letter_pdf: bytes) -> None:
    out = tmp_path / "cetak"  # created on first use
    printer = folder_printer(out)
    assert printer.status().state is PrinterState.ONLINE

    first = printer.print_pdf(letter_pdf, copies=2, media="F4", title="Surat Domisili / 007")
    second = printer.print_pdf(letter_pdf)

    assert first.completed and second.completed
    [path] = first.output_paths
    assert path.endswith("-surat-domisili-007-F4-x2.pdf")
    assert Path(path).read_bytes() == letter_pdf
    assert oct(Path(path).stat().st_mode & 0o777) == "0o644"
    assert sorted(os.listdir(out)) == sorted(Path(p).name for p in (path, *second.output_paths))


def test_receipt_is_a_picture_and_a_text_file(tmp_path: Path) -> None:
    printer = folder_printer(tmp_path, width=384)
    receipt = Receipt(
        [
            ReceiptLine("Desa Sukamaju", bold=True, align="center", size="double"),
            "Nomor antrean: “A-017” — silakan tunggu",
        ],
        qr_payload=PICKUP,
    )

    result = printer.print_receipt(receipt)

    png, txt = (Path(p) for p in result.output_paths)
    assert txt.read_text() == (
        f'Desa Sukamaju\nNomor antrean: "A-017" - silakan\ntunggu\n[QR] {PICKUP}\n[CUT]\n'
    )
    with Image.open(png) as picture:
        assert picture.width == 384
        assert read_qr(picture) == [PICKUP]
        # The double-size title is drawn (ink) near the top, centred.
        top = picture.convert("L").crop((0, 0, 384, 48))
        left, _, right, _ = top.point(lambda v: 255 - v).getbbox() or (0, 0, 0, 0)
        assert abs((left + right) / 2 - 192) < 12


def test_no_temporary_files_are_left_and_failures_are_printer_errors(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    printer = folder_printer(not_a_folder)
    assert printer.status().state is PrinterState.OFFLINE
    with pytest.raises(PrinterError) as wrong:
        printer.print_pdf(b"%PDF-1.4\n%%EOF\n")
    assert wrong.value.kind is PrinterErrorKind.BAD_CONFIGURATION
    assert not any(p.name.endswith(".part") for p in tmp_path.iterdir())


def test_the_pdf_is_checked_first(tmp_path: Path) -> None:
    with pytest.raises(PrinterError) as refused:
        folder_printer(tmp_path).print_pdf(b"GIF89a")
    assert refused.value.kind is PrinterErrorKind.UNSUPPORTED_JOB
    assert list(tmp_path.iterdir()) == []
