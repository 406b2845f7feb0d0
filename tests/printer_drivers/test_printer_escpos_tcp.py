"""ESC/POS over TCP against the emulated printer: what ends up on the paper, and faults."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from escpos_decoder import read_qr
from escpos_emulator import EscposEmulator
from sample_letter import VERIFY_PAYLOAD

from loket_protocol.qr import QR_ERROR_CORRECTION
from printer_drivers.base import PrinterState, Receipt, ReceiptLine
from printer_drivers.errors import PrinterError, PrinterErrorKind
from printer_drivers.escpos_backend import EscposPrinter
from printer_drivers.factory import printer_from_url
from tests.support.waiting import HANG_GUARD, wait_until

PICKUP = "LD1-P:7Q2M9XR4T8WZB3NK5D6F"

TICKET = Receipt(
    lines=[
        ReceiptLine("Kantor Desa Sukamaju", bold=True, align="center", size="double"),
        ReceiptLine("Surat Keterangan Domisili", align="center"),
        "Nomor antrean: “A-017” — silakan tunggu…",
        ReceiptLine("Harap simpan struk ini", underline=True),
    ],
    qr_payload=PICKUP,
    cut=True,
)


def escpos(emu: EscposEmulator, **params: object) -> EscposPrinter:
    printer = printer_from_url(emu.url(**params))
    assert isinstance(printer, EscposPrinter)
    return printer


def test_status_reports_online_paper_out_cover_open_and_low_paper(emulator: EscposEmulator) -> None:
    printer = escpos(emulator, profile="TM-T88V")
    assert printer.status().state is PrinterState.ONLINE
    emulator.paper_low = True
    status = printer.status()
    assert status.state is PrinterState.ONLINE and status.paper_low
    assert "hampir habis" in status.message_id
    emulator.paper_out = True
    assert printer.status().state is PrinterState.PAPER_OUT
    emulator.paper_out = False
    emulator.cover_open = True
    status = printer.status()
    assert status.state is PrinterState.COVER_OPEN
    assert status.message_id == "Tutup printer terbuka."
    assert emulator.status_queries[:3] == [1, 2, 4]
    assert emulator.printed == b""  # asking is not printing


def test_receipt_on_80mm_prints_text_with_emphasis_and_a_native_qr(
    emulator: EscposEmulator,
) -> None:
    result = escpos(emulator, profile="TM-T88V").print_receipt(TICKET)

    assert result.completed
    assert result.bytes_sent == len(emulator.received) - 3 * 3 - 3  # minus status queries
    paper = emulator.paper()
    assert paper.unknown == []
    assert paper.code_tables == [0]  # CP437, selected explicitly after ESC @
    lines = {line.text: line for line in paper.lines if line.text}
    assert list(lines) == [
        "Kantor Desa Sukamaju",
        "Surat Keterangan Domisili",
        'Nomor antrean: "A-017" - silakan tunggu...',
        "Harap simpan struk ini",
    ]
    title = lines["Kantor Desa Sukamaju"]
    assert (title.bold, title.align, title.width, title.height) == (True, "center", 2, 2)
    assert lines["Surat Keterangan Domisili"].align == "center"
    assert not lines["Surat Keterangan Domisili"].bold
    assert lines["Harap simpan struk ini"].underline
    assert paper.pictures == []
    [qr] = paper.qr_symbols
    assert qr.payload == PICKUP and qr.error_correction == QR_ERROR_CORRECTION
    assert read_qr(qr.image) == [PICKUP]
    assert [cut.partial for cut in paper.cuts] == [True]


def test_receipt_on_58mm_sends_the_qr_as_a_raster_image(emulator: EscposEmulator) -> None:
    result = escpos(emulator, profile="POS-5890").print_receipt(TICKET)

    assert result.completed
    paper = emulator.paper()
    assert paper.unknown == []
    assert paper.qr_symbols == []  # POS-5890 has no GS ( k
    [picture] = paper.pictures
    assert picture.image.width == 384
    assert read_qr(picture.image) == [PICKUP]
    # 32 columns on 58 mm; double size halves that.
    assert paper.text[:3] == ["Kantor Desa", "Sukamaju", "Surat Keterangan Domisili"]
    assert all(len(text) <= 32 for text in paper.text)
    assert paper.cuts == []  # no cutter: fed past the tear bar instead


def test_a_pickup_symbol_on_58mm_has_1mm_modules_centred_on_white(
    emulator: EscposEmulator,
) -> None:
    # A real pickup payload, taller than one 255-row band: python-escpos's own centring
    # would be lost when it splits the image (a black bar beside the code).
    pickup = "HTTP://192.168.100.200:8000/S/K7M2QX9P#ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    result = escpos(emulator, profile="POS-5890").print_receipt(Receipt([], qr_payload=pickup))

    assert result.completed
    [picture] = emulator.paper().pictures
    image = np.array(picture.image)
    assert image.shape[1] == 384 and image.shape[0] > 255
    dark_columns = np.flatnonzero((image < 128).any(axis=0))
    left, right = dark_columns[0], 383 - dark_columns[-1]
    assert abs(left - right) <= 8  # centred (to a module)
    assert left >= 4 * 8 and right >= 4 * 8  # a quiet zone of 4 modules of 8 dots
    assert read_qr(picture.image) == [pickup]


def test_accented_names_use_the_code_page_and_the_rest_is_transliterated(
    emulator: EscposEmulator,
) -> None:
    receipt = Receipt(["José ‘Ngādimān’ – Łódź"], cut=False)
    escpos(emulator, profile="TM-T88V", codepage="CP858").print_receipt(receipt)
    paper = emulator.paper()
    assert paper.code_tables == [19]
    assert paper.text[0] == "José 'Ngadiman' - Lódz"  # ó is in CP858, ā and Ł are not
    assert b"Jos\x82" in emulator.printed  # é is 0x82 in CP858, not UTF-8 bytes


@pytest.mark.parametrize(("profile", "width"), [("TM-T88V", 512), ("TM-T20II", 576)])
def test_letter_is_rasterised_to_the_printer_width_and_its_qr_still_scans(
    emulator: EscposEmulator, letter_pdf: bytes, profile: str, width: int
) -> None:
    result = escpos(emulator, profile=profile).print_pdf(letter_pdf, copies=1, media="A4")

    assert result.completed
    paper = emulator.paper()
    assert paper.unknown == []
    [page] = paper.pictures
    assert page.image.width == width
    # An A4 page at this width, blank margins trimmed: a realistic length of paper.
    assert 1.2 * width < page.image.height < 1.7 * width
    assert read_qr(page.image) == [VERIFY_PAYLOAD]
    assert len(paper.cuts) == 1


def test_letter_on_58mm_and_copies(emulator: EscposEmulator, letter_pdf: bytes) -> None:
    result = escpos(emulator, profile="POS-5890").print_pdf(letter_pdf, copies=2, media="F4")
    assert result.completed
    pictures = emulator.paper().pictures
    assert [p.image.width for p in pictures] == [384, 384]
    assert all(read_qr(p.image) == [VERIFY_PAYLOAD] for p in pictures)


@pytest.mark.parametrize("stray", [0x16, 0x1E], ids=["drawer-bit", "paper-near-end"])
def test_a_stray_status_byte_while_printing_does_not_fail_a_good_job(
    emulator: EscposEmulator, letter_pdf: bytes, stray: int
) -> None:
    # Read as a DLE EOT 2 reply, 0x16 and 0x1E have the cover-open bit set. Epson
    # printers send such bytes when image data happens to contain DLE EOT n. A real
    # cover opening is confirmed by a fresh query; a stray byte is not.
    emulator.paper_low = stray == 0x1E
    emulator.busy = True  # still printing when the kiosk starts waiting for GS r

    def printer_side() -> None:
        # The stray byte arrives while the kiosk waits for GS r; the printer finishes
        # only once the kiosk has checked the cover with a fresh query.
        wait_until(emulator.gs_r_waiting, "the kiosk waiting for GS r")
        emulator.send_unasked(stray)
        wait_until(lambda: emulator.status_queries.count(1) >= 2, "a fresh status query")
        emulator.finish()

    helper = threading.Thread(target=printer_side)
    helper.start()
    try:
        result = escpos(emulator, profile="TM-T88V").print_pdf(letter_pdf, timeout=10)
    finally:
        helper.join(5)
    assert result.completed
    assert emulator.status_queries.count(1) == 2  # the check before the job, the fresh one


def test_a_broken_pdf_is_refused_before_anything_is_sent(emulator: EscposEmulator) -> None:
    with pytest.raises(PrinterError) as refused:
        escpos(emulator).print_pdf(b"%PDF-1.7\nnot really a pdf")
    assert refused.value.kind is PrinterErrorKind.UNSUPPORTED_JOB
    assert emulator.received == b""


def test_paper_out_refuses_the_job_without_sending_it(emulator: EscposEmulator) -> None:
    emulator.paper_out = True
    with pytest.raises(PrinterError) as refused:
        escpos(emulator, profile="TM-T88V").print_receipt(TICKET)
    assert refused.value.kind is PrinterErrorKind.PAPER_OUT
    assert refused.value.message_id.startswith("Kertas printer habis")
    assert refused.value.job_id and refused.value.printer == emulator.url(profile="TM-T88V")
    assert emulator.printed == b""
    assert emulator.status_queries == [1, 2, 4]


def test_cover_open_refuses_the_job(emulator: EscposEmulator) -> None:
    emulator.cover_open = True
    with pytest.raises(PrinterError) as refused:
        escpos(emulator).print_receipt(TICKET)
    assert refused.value.kind is PrinterErrorKind.COVER_OPEN


def test_paper_running_out_mid_job_is_reported_and_the_rest_prints_on_reload(
    emulator: EscposEmulator,
) -> None:
    emulator.paper_out_after = 120
    receipt = Receipt([f"baris {n:02d} " + "x" * 30 for n in range(20)], cut=True)
    # A timeout far beyond the test's: had the driver only waited it out, the kind would
    # be TIMEOUT; PAPER_OUT means polling found it.
    with pytest.raises(PrinterError) as stopped:
        escpos(emulator, profile="TM-T88V").print_receipt(receipt, timeout=10 * HANG_GUARD)
    assert stopped.value.kind is PrinterErrorKind.PAPER_OUT
    assert "during the job" in str(stopped.value)
    assert len(emulator.paper().text) < 20

    emulator.load_paper()
    assert emulator.paper().text[-1].startswith("baris 19")


def test_connection_dropped_mid_job_is_a_failed_job(
    emulator: EscposEmulator, letter_pdf: bytes
) -> None:
    emulator.drop_after = 2000
    with pytest.raises(PrinterError) as failed:
        escpos(emulator, profile="TM-T88V").print_pdf(letter_pdf)
    assert failed.value.kind is PrinterErrorKind.JOB_FAILED
    assert "connection" in str(failed.value)
    assert failed.value.__cause__ is None or isinstance(failed.value.__cause__, OSError)
    assert len(emulator.received) == 2000


def test_a_printer_that_never_finishes_times_out_on_time(emulator: EscposEmulator) -> None:
    printer = escpos(emulator, profile="TM-T88V")
    printer.print_receipt(TICKET)  # learns that this printer answers GS r
    emulator.busy = True
    started = time.monotonic()
    with pytest.raises(PrinterError) as late:
        printer.print_receipt(TICKET, timeout=1.5)
    elapsed = time.monotonic() - started
    assert late.value.kind is PrinterErrorKind.TIMEOUT
    assert 1.0 < elapsed < 30  # the job's timeout, not the 30 s default


def test_a_printer_without_status_replies_prints_unconfirmed(emulator: EscposEmulator) -> None:
    emulator.answer_status = False
    emulator.answer_gs_r = False
    printer = escpos(emulator, profile="TM-T88V")
    printer.reply_timeout = 0.3  # how long to wait for a first DLE EOT reply
    assert printer.status().state is PrinterState.UNKNOWN
    result = printer.print_receipt(TICKET)
    assert not result.completed
    assert "cannot confirm" in result.detail
    emulator.wait_for_connections(2)  # the status call's and the job's
    assert emulator.paper().qr_symbols[0].payload == PICKUP


def test_a_printer_without_gs_r_is_remembered_as_unconfirmable(emulator: EscposEmulator) -> None:
    emulator.answer_gs_r = False
    printer = escpos(emulator, profile="TM-T88V")
    printer.confirm_wait = 0.3
    first = printer.print_receipt(TICKET)
    assert not first.completed and "GS r" in first.detail
    printer.confirm_wait = 10 * HANG_GUARD  # a second wait would hang the test
    second = printer.print_receipt(TICKET)
    assert not second.completed
    emulator.wait_for_connections(2)
    assert emulator.gs_r_queries == 1  # the second job did not ask again
    assert len(emulator.paper().qr_symbols) == 2


def test_an_unreachable_printer_is_offline_quickly() -> None:
    with EscposEmulator() as emu:
        url = emu.url(profile="TM-T88V")
    # The emulator is gone: nothing listens on that port any more.
    printer = printer_from_url(url)
    assert printer.status().state is PrinterState.OFFLINE
    started = time.monotonic()
    with pytest.raises(PrinterError) as offline:
        printer.print_receipt(TICKET)
    assert offline.value.kind is PrinterErrorKind.OFFLINE
    assert "tidak dapat dihubungi" in offline.value.message_id
    assert time.monotonic() - started < 30  # refused at once, not the 30 s job timeout


def test_jobs_from_two_threads_do_not_interleave(emulator: EscposEmulator) -> None:
    printer = escpos(emulator, profile="TM-T88V")
    errors: list[BaseException] = []

    def job(n: int) -> None:
        try:
            printer.print_receipt(Receipt([f"job {n} line {i}" for i in range(5)], cut=True))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=job, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    text = [t for t in emulator.paper().text if t]
    assert len(text) == 15
    for start in range(0, 15, 5):
        block = text[start : start + 5]
        assert len({t.split()[1] for t in block}) == 1  # one job's lines stay together
