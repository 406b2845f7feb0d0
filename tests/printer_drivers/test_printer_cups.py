"""CUPS through the lp tools against a real scheduler (scripts/start-cups.sh)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pypdfium2
import pytest
from cups_test_server import CupsTestServer
from escpos_decoder import read_qr
from sample_letter import LETTER_TEXT_MARKERS, VERIFY_PAYLOAD

from printer_drivers.base import PrinterState, Receipt
from printer_drivers.cups_backend import CupsPrinter, parse_jobs, parse_queue
from printer_drivers.errors import PrinterError, PrinterErrorKind
from printer_drivers.factory import printer_from_url
from tests.support.waiting import wait_until

pytestmark = pytest.mark.cups


def cups_printer(cups: CupsTestServer, queue: str, **params: object) -> CupsPrinter:
    query = "&".join(f"{k}={v}" for k, v in {"server": cups.server, **params}.items())
    printer = printer_from_url(f"cups://{queue}?{query}")
    assert isinstance(printer, CupsPrinter)
    return printer


def output_of(cups: CupsTestServer, job_id: str) -> Path:
    number = job_id.rsplit("-", 1)[1]

    def written() -> Path | None:
        found = sorted(cups.pdf_out.glob(f"*-job_{number}.pdf"))
        return found[0] if found else None

    return wait_until(written, f"cups-pdf's output for {job_id} in {cups.pdf_out}")


def pdf_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, timeout=30, check=True
    )
    return done.stdout.decode()


def test_job_is_followed_to_completion_and_the_output_has_the_letter(
    cups: CupsTestServer, letter_pdf: bytes, tmp_path: Path
) -> None:
    printer = cups_printer(cups, cups.pdf_queue)
    assert printer.status().state is PrinterState.ONLINE

    result = printer.print_pdf(letter_pdf, copies=1, media="A4", title="Surat uji")

    assert result.completed
    assert result.job_id.startswith(f"{cups.pdf_queue}-")
    output = output_of(cups, result.job_id)
    # cups-pdf re-renders through PostScript, so compare what is on the page, not bytes.
    original = tmp_path / "original.pdf"
    original.write_bytes(letter_pdf)
    printed_text = pdf_text(output)
    assert " ".join(printed_text.split()) == " ".join(pdf_text(original).split())
    for marker in LETTER_TEXT_MARKERS:
        assert marker in printed_text
    document = pypdfium2.PdfDocument(output)
    try:
        assert len(document) == 1
        page = document[0]
        width, height = page.get_size()
        assert (round(width), round(height)) == (595, 842)  # A4 in points
        image = page.render(scale=2).to_pil()
        page.close()
    finally:
        document.close()
    assert read_qr(image) == [VERIFY_PAYLOAD]


def test_f4_media_reaches_the_queue(cups: CupsTestServer, letter_pdf: bytes) -> None:
    result = cups_printer(cups, cups.pdf_queue).print_pdf(letter_pdf, media="F4")
    assert result.completed
    document = pypdfium2.PdfDocument(output_of(cups, result.job_id))
    try:
        width, height = document[0].get_size()
    finally:
        document.close()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (215, 330)


def test_a_device_that_fails_aborts_the_job_with_its_reason(
    cups: CupsTestServer, letter_pdf: bytes
) -> None:
    printer = cups_printer(cups, cups.fail_queue, timeout=60)
    with pytest.raises(PrinterError) as failed:
        printer.print_pdf(letter_pdf)
    error = failed.value
    assert error.kind is PrinterErrorKind.JOB_FAILED
    assert "aborted" in str(error)
    assert "The printer is not responding." in str(error)  # the socket backend's reason
    assert error.job_id and error.job_id.startswith(f"{cups.fail_queue}-")
    assert error.printer == printer.url
    # Aborted is final: nothing left in the queue to come out later.
    assert cups.run("lpstat", "-o", cups.fail_queue).stdout.strip() == ""


def test_a_queue_that_stops_is_reported_and_our_job_cancelled(
    cups: CupsTestServer, letter_pdf: bytes
) -> None:
    assert cups.run("cupsenable", cups.stop_queue).returncode == 0
    printer = cups_printer(cups, cups.stop_queue, timeout=60)
    with pytest.raises(PrinterError) as stopped:
        printer.print_pdf(letter_pdf)
    assert stopped.value.kind is PrinterErrorKind.OFFLINE
    assert "queue stopped: The printer is not responding." in str(stopped.value)
    # The failed job must not print later, when someone restarts the queue.
    assert cups.run("lpstat", "-o", cups.stop_queue).stdout.strip() == ""

    status = printer.status()
    assert status.state is PrinterState.OFFLINE
    assert "cupsenable" in status.detail
    # And a new job is refused at once instead of waiting behind a stopped queue.
    started = time.monotonic()
    with pytest.raises(PrinterError) as refused:
        printer.print_pdf(letter_pdf)
    assert refused.value.kind is PrinterErrorKind.OFFLINE
    assert refused.value.job_id is None
    assert time.monotonic() - started < 20  # at once, not behind the 60 s job timeout
    cups.run("cupsenable", cups.stop_queue)


def test_a_device_cups_will_retry_later_fails_now_and_the_job_is_cancelled(
    cups: CupsTestServer, letter_pdf: bytes
) -> None:
    printer = cups_printer(cups, cups.retry_queue, timeout=60)
    started = time.monotonic()
    with pytest.raises(PrinterError) as failed:
        printer.print_pdf(letter_pdf)
    assert failed.value.kind is PrinterErrorKind.OFFLINE
    assert "retry later: The printer is not responding." in str(failed.value)
    assert time.monotonic() - started < 45  # not the 60 s timeout
    # Cancelled, so CUPS's next retry cannot print it behind the resident's back.
    assert cups.run("lpstat", "-o", cups.retry_queue).stdout.strip() == ""


def test_a_queue_that_does_not_exist_is_a_configuration_error(
    cups: CupsTestServer, letter_pdf: bytes
) -> None:
    printer = cups_printer(cups, "Tidak_Ada")
    with pytest.raises(PrinterError) as missing:
        printer.print_pdf(letter_pdf)
    assert missing.value.kind is PrinterErrorKind.BAD_CONFIGURATION
    assert "Tidak_Ada" in missing.value.message_id
    assert printer.status().state is PrinterState.OFFLINE


def test_a_queue_that_rejects_jobs(cups: CupsTestServer, letter_pdf: bytes) -> None:
    assert cups.run("cupsreject", cups.pdf_queue).returncode == 0
    try:
        printer = cups_printer(cups, cups.pdf_queue)
        assert printer.status().state is PrinterState.OFFLINE
        with pytest.raises(PrinterError) as refused:
            printer.print_pdf(letter_pdf)
        assert refused.value.kind is PrinterErrorKind.OFFLINE
        assert "not accepting" in str(refused.value)
    finally:
        cups.run("cupsaccept", cups.pdf_queue)


def test_no_scheduler_is_offline_not_a_missing_queue(letter_pdf: bytes, tmp_path: Path) -> None:
    printer = CupsPrinter("Kantor_A4", server=str(tmp_path / "no-cupsd.sock"))
    status = printer.status()
    assert status.state is PrinterState.OFFLINE
    assert "not running" in status.detail
    with pytest.raises(PrinterError) as down:
        printer.print_pdf(letter_pdf)
    assert down.value.kind is PrinterErrorKind.OFFLINE
    assert "CUPS" in down.value.message_id


def test_receipts_are_not_for_page_printers(cups: CupsTestServer) -> None:
    with pytest.raises(PrinterError) as refused:
        cups_printer(cups, cups.pdf_queue).print_receipt(Receipt(["x"]))
    assert refused.value.kind is PrinterErrorKind.UNSUPPORTED_JOB


def test_lpstat_parsing() -> None:
    jobs = parse_jobs(
        "Q-2                     root             13312   Sat Nov 28 00:42:11 2026\n"
        "\tStatus: The printer is not responding.\n"
        "\tAlerts: printer-stopped\n"
        "\tqueued for Q\n"
        "Q-3                     root              7168   Sat Nov 28 00:42:12 2026\n"
    )
    assert jobs["Q-2"].status == "The printer is not responding."
    assert jobs["Q-2"].alerts == ["printer-stopped"]
    assert jobs["Q-3"].status == "" and jobs["Q-3"].alerts == []
    queue = parse_queue(
        "printer Q disabled since Sat Nov 28 00:42:15 2026 -\n"
        "\tThe printer is not responding.\n"
        "\tForm mounted:\n"
        "\tAlerts: paused media-empty-error\n"
        "Q not accepting requests since Sat Nov 28 00:42:15 2026 -\n",
        "Q",
    )
    assert not queue.enabled and not queue.accepting
    assert queue.message == "The printer is not responding."
    assert queue.reasons == ["paused", "media-empty-error"]
    status = CupsPrinter("Q")._status_from(queue)
    assert status.state is PrinterState.PAPER_OUT
