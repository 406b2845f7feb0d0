"""Receipt text shaping, job validation and the error type: pure, no device."""

from __future__ import annotations

import pytest

from printer_drivers.base import Receipt, ReceiptLine, check_pdf_job, resolve_timeout
from printer_drivers.errors import PrinterError, PrinterErrorKind
from printer_drivers.receipt import layout, to_printable


def cp437(char: str) -> bool:
    try:
        char.encode("cp437")
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("“Surat” ‘keterangan’", "\"Surat\" 'keterangan'"),
        ("Senin – Jum’at — 08.00–12.00", "Senin - Jum'at - 08.00-12.00"),
        ("tunggu…", "tunggu..."),
        ("Rp\u00a010.000", "Rp 10.000"),
        ("José Müller", "José Müller"),  # CP437 has both
        ("Ngādimān Łukasz", "Ngadiman Lukasz"),  # not in CP437: the base letter
        ("• antre", "* antre"),
        ("tab\there", "tab here"),
        ("bell\x07 esc\x1b@", "bell esc@"),  # control bytes would be printer commands
        ("数", "?"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_to_printable_keeps_indonesian_readable(text: str, printed: str) -> None:
    assert to_printable(text, cp437) == printed


def test_to_printable_uses_the_code_page_before_folding() -> None:
    assert to_printable("é", lambda c: False) == "e"
    assert to_printable("é", cp437) == "é"


def test_layout_wraps_words_and_halves_columns_for_double_width() -> None:
    receipt = Receipt(
        [
            ReceiptLine("KANTOR DESA SUKAMAJU KECAMATAN CIRUAS", size="double", align="center"),
            "Nomor antrean Anda adalah A-017, silakan menunggu panggilan",
            "",
            "a\nb",
        ]
    )
    lines = layout(receipt, 32, cp437)
    assert [line.text for line in lines] == [
        "KANTOR DESA",
        "SUKAMAJU",
        "KECAMATAN CIRUAS",
        "Nomor antrean Anda adalah A-017,",
        "silakan menunggu panggilan",
        "",
        "a",
        "b",
    ]
    assert all(len(line.text) <= 16 for line in lines[:3])
    assert lines[0].size == "double" and lines[0].align == "center"


def test_layout_breaks_a_word_longer_than_the_line() -> None:
    lines = layout(Receipt(["X" * 70]), 32, cp437)
    assert [len(line.text) for line in lines] == [32, 32, 6]


def test_receipt_accepts_strings_and_validates() -> None:
    receipt = Receipt(["plain"], qr_payload="LD1-P:ABC")
    assert receipt.lines == (ReceiptLine("plain"),)
    with pytest.raises(PrinterError) as bad_align:
        ReceiptLine("x", align="middle")  # type: ignore[arg-type]
    assert bad_align.value.kind is PrinterErrorKind.UNSUPPORTED_JOB
    with pytest.raises(PrinterError):
        ReceiptLine("x", size="huge")  # type: ignore[arg-type]
    with pytest.raises(PrinterError):
        Receipt(["x"], qr_payload="")
    with pytest.raises(PrinterError):
        Receipt(["x"], qr_payload="A" * 5000)


@pytest.mark.parametrize(
    ("pdf", "copies", "media"),
    [
        (b"<html>not a pdf</html>", 1, "A4"),
        (b"%PDF-1.7 ...", 0, "A4"),
        (b"%PDF-1.7 ...", 21, "A4"),
        (b"%PDF-1.7 ...", True, "A4"),
        (b"%PDF-1.7 ...", 1, "Letter"),
        ("%PDF-1.7 as str", 1, "A4"),
    ],
)
def test_check_pdf_job_refuses_what_no_printer_should_get(
    pdf: bytes, copies: int, media: str
) -> None:
    with pytest.raises(PrinterError) as refused:
        check_pdf_job(pdf, copies, media)
    assert refused.value.kind is PrinterErrorKind.UNSUPPORTED_JOB


def test_check_pdf_job_accepts_a_pdf_and_f4() -> None:
    check_pdf_job(b"%PDF-1.4\n...", 3, "F4")


def test_timeouts_must_be_positive() -> None:
    assert resolve_timeout(None, 7.0) == 7.0
    assert resolve_timeout(2, 7.0) == 2.0
    for bad in (0, -1, True, "5"):
        with pytest.raises(PrinterError):
            resolve_timeout(bad, 7.0)  # type: ignore[arg-type]


def test_printer_error_speaks_english_in_str_and_indonesian_in_message_id() -> None:
    error = PrinterError("paper_out", "DLE EOT 4 says paper end", printer="escpos+tcp://p")
    assert error.kind is PrinterErrorKind.PAPER_OUT
    assert str(error) == "paper_out [escpos+tcp://p]: DLE EOT 4 says paper end"
    assert error.message_id == "Kertas printer habis. Isi kertas lalu coba lagi."
    assert error.with_context(printer="other", job_id="j1").printer == "escpos+tcp://p"
    assert error.job_id == "j1"
    with pytest.raises(ValueError):
        PrinterError("no such kind", "x")
