"""The kiosk's side of a print failure: each PrinterError kind becomes the right sentence
on screen, and a letter that did not print stays ready on the server.

The printer here is a small implementation of the Printer protocol that fails on cue: the
real backends (tests/printer_drivers) cannot be made to show every kind at will.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from kiosk_app.api_client import Claim, KioskApiClient, RetryPolicy
from kiosk_app.flows import Outbox, print_letter, print_receipt_safely, take_queue_ticket
from kiosk_app.printing import KioskPrinter, PrintFailed, queue_receipt
from printer_drivers.base import (
    Capabilities,
    Media,
    Printer,
    PrinterState,
    PrinterStatus,
    PrintResult,
    Receipt,
)
from printer_drivers.errors import DEFAULT_MESSAGES_ID, PrinterError, PrinterErrorKind

# What a resident reads in English for each kind; in Indonesian the printer's own sentence.
SHOWN_EN: dict[PrinterErrorKind, str] = {
    PrinterErrorKind.OFFLINE: "The printer is offline.",
    PrinterErrorKind.TIMEOUT: "The printer is offline.",
    PrinterErrorKind.PAPER_OUT: "The printer is out of paper.",
    PrinterErrorKind.COVER_OPEN: "The printer has a fault.",
    PrinterErrorKind.UNSUPPORTED_JOB: "The printer has a fault.",
    PrinterErrorKind.BAD_CONFIGURATION: "No printer is configured.",
    PrinterErrorKind.JOB_FAILED: "The printer has a fault.",
}
PDF = b"%PDF-1.7\n% a letter\n"


class CuePrinter:
    """A Printer whose jobs raise ``error`` (if any) and whose status is ``state``."""

    url = "cue://test"
    capabilities = Capabilities(pdf=True, receipt=True)

    def __init__(
        self, error: BaseException | None = None, state: PrinterState = PrinterState.ONLINE
    ) -> None:
        self.error = error
        self.state = state
        self.jobs: list[str] = []

    def _job(self, what: str) -> PrintResult:
        if self.error is not None:
            raise self.error
        self.jobs.append(what)
        return PrintResult(job_id=str(len(self.jobs)), completed=True)

    def print_pdf(
        self,
        pdf: bytes,
        *,
        copies: int = 1,
        media: Media = "A4",
        title: str = "Loket Desa",
        timeout: float | None = None,
    ) -> PrintResult:
        return self._job(f"pdf {media}")

    def print_receipt(self, receipt: Receipt, *, timeout: float | None = None) -> PrintResult:
        return self._job("receipt " + " / ".join(line.text for line in receipt.lines))

    def status(self, *, timeout: float | None = None) -> PrinterStatus:
        return PrinterStatus(self.state)


def kiosk_printer(printer: CuePrinter) -> KioskPrinter:
    assert isinstance(printer, Printer)
    return KioskPrinter(printer.url, "a4", printer)


def test_every_kind_has_a_sentence() -> None:
    assert set(SHOWN_EN) == set(PrinterErrorKind)


@pytest.mark.parametrize("kind", list(PrinterErrorKind))
def test_each_kind_is_explained_on_screen(kind: PrinterErrorKind) -> None:
    failing = kiosk_printer(CuePrinter(PrinterError(kind, "for the log")))
    receipt_lines = queue_receipt(
        village="Sukamaju", number="A-001", service_date="2026-11-30", waiting_before=0, lang="id"
    )
    for job in (lambda: failing.print_pdf(PDF), lambda: failing.print_receipt(receipt_lines)):
        with pytest.raises(PrintFailed) as caught:
            job()
        assert caught.value.kind is kind
        assert caught.value.localized("en") == SHOWN_EN[kind]
        assert caught.value.localized("id") == DEFAULT_MESSAGES_ID[kind]
        assert "for the log" in str(caught.value)
    # The ticket flows get the failure back instead of an exception.
    err = print_receipt_safely(failing, receipt_lines)
    assert err is not None and err.kind is kind


@pytest.mark.parametrize(
    ("state", "shown_en"),
    [
        (PrinterState.ONLINE, None),
        (PrinterState.UNKNOWN, None),  # cannot report: it gets the job
        (PrinterState.OFFLINE, "The printer is offline."),
        (PrinterState.PAPER_OUT, "The printer is out of paper."),
        (PrinterState.COVER_OPEN, "The printer has a fault."),
    ],
)
def test_printer_state_before_a_job(state: PrinterState, shown_en: str | None) -> None:
    printer = kiosk_printer(CuePrinter(state=state))
    if shown_en is None:
        printer.check_ready()
        return
    with pytest.raises(PrintFailed) as caught:
        printer.check_ready()
    assert caught.value.localized("en") == shown_en
    assert caught.value.localized("id") == PrinterStatus(state).message_id


@pytest.mark.parametrize("url", ["", "nope://printer"])
def test_no_usable_printer_says_so(url: str) -> None:
    printer = KioskPrinter(url, "receipt")
    assert not printer.configured
    with pytest.raises(PrintFailed) as caught:
        printer.print_receipt([])
    assert caught.value.kind is PrinterErrorKind.BAD_CONFIGURATION
    assert caught.value.localized("id") == "Printer belum diatur."
    assert caught.value.localized("en") == "No printer is configured."


def test_a_breach_of_the_printer_contract_is_not_disguised() -> None:
    # Backends raise PrinterError only; anything else is a bug to see, not "printer offline".
    printer = kiosk_printer(CuePrinter(OSError("raw device error")))
    with pytest.raises(OSError, match="raw device error"):
        printer.print_pdf(PDF)


def server(calls: list[str]) -> KioskApiClient:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/pdf"):
            return httpx.Response(200, content=PDF)
        if request.url.path.endswith("/tickets"):
            return httpx.Response(201, json={"ticket_id": "t1", "number": "A-001"})
        return httpx.Response(200, json={"status": "ready"})

    return KioskApiClient(
        "http://kantor.desa:8000",
        "k",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(attempts=1, sleep=lambda _s: None),
    )


@pytest.mark.parametrize("kind", list(PrinterErrorKind))
def test_a_letter_that_did_not_print_stays_ready(kind: PrinterErrorKind, tmp_path: Path) -> None:
    calls: list[str] = []
    claim = Claim("c1", "400/001", hashlib.sha256(PDF).hexdigest(), len(PDF), "A4")
    with pytest.raises(PrintFailed) as caught:
        print_letter(
            api=server(calls),
            printer=kiosk_printer(CuePrinter(PrinterError(kind, "x"))),
            outbox=Outbox(tmp_path / "outbox.json"),
            claim=claim,
        )
    assert caught.value.localized("en") == SHOWN_EN[kind]
    # The claim is released, never confirmed: the server keeps the letter ready.
    assert calls == [
        "GET /api/v1/kiosk/claims/c1/pdf",
        "POST /api/v1/kiosk/claims/c1/failed",
    ]


def test_no_queue_number_is_taken_while_the_receipt_printer_is_out_of_paper() -> None:
    calls: list[str] = []
    with pytest.raises(PrintFailed) as caught:
        take_queue_ticket(
            api=server(calls),
            printer=kiosk_printer(CuePrinter(state=PrinterState.PAPER_OUT)),
            idempotency_key="k1",
            village="Sukamaju",
            lang="en",
        )
    assert caught.value.kind is PrinterErrorKind.PAPER_OUT
    assert calls == []
