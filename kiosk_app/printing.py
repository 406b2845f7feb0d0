"""The kiosk's two printers (A4 letters, receipts) over printer_drivers, and its receipts.

printer_drivers knows nothing about letters; this module turns kiosk things (a queue
ticket, a pickup ticket, a "could not print" note) into its Receipt jobs, and its
PrinterError into ``PrintFailed``, whose message the screens show in plain words.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import assert_never

from kiosk_app.i18n import tr
from printer_drivers.base import (
    MEDIA,
    Printer,
    PrinterState,
    PrinterStatus,
    Receipt,
    ReceiptLine,
)
from printer_drivers.errors import PrinterError, PrinterErrorKind
from printer_drivers.factory import printer_from_url

log = logging.getLogger(__name__)


class PrintFailed(Exception):
    """A job the kiosk could not print, with what to tell the resident.

    ``kind`` is printer_drivers' own; a kiosk without a usable printer for the job is
    BAD_CONFIGURATION too.
    """

    def __init__(self, kind: PrinterErrorKind, detail: str = "", message_id: str = "") -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail
        # The printer's own Indonesian sentence ("Tutup printer terbuka..."), when it has one.
        self.message_id = message_id

    @classmethod
    def from_printer_error(cls, exc: PrinterError) -> PrintFailed:
        return cls(exc.kind, str(exc), exc.message_id)

    def localized(self, lang: str) -> str:
        if lang == "id" and self.message_id:
            return self.message_id
        return tr(message_key(self.kind), lang)


def message_key(kind: PrinterErrorKind) -> str:
    """The i18n key of what the screens say for ``kind`` when the printer has no sentence."""
    match kind:
        case PrinterErrorKind.OFFLINE | PrinterErrorKind.TIMEOUT:
            return "printer_offline"
        case PrinterErrorKind.PAPER_OUT:
            return "printer_paper_out"
        case PrinterErrorKind.BAD_CONFIGURATION:
            return "printer_none"
        case (
            PrinterErrorKind.COVER_OPEN
            | PrinterErrorKind.UNSUPPORTED_JOB
            | PrinterErrorKind.JOB_FAILED
        ):
            return "printer_error"
        case _:
            assert_never(kind)


class KioskPrinter:
    """One configured printer (or none), with the kiosk's error translation.

    Only PrinterError is caught: the Printer contract (printer_drivers.base) says calls
    raise nothing else and ``status()`` never raises.
    """

    def __init__(self, url: str, role: str, printer: Printer | None = None) -> None:
        self.url = url
        self.role = role
        self._printer = printer
        self._build_error: str = ""
        if printer is None and url:
            try:
                self._printer = printer_from_url(url)
            except PrinterError as exc:  # a bad URL: said on screen when a job needs it
                log.warning("%s printer %s unusable: %s", role, url, exc)
                self._build_error = str(exc)

    @property
    def configured(self) -> bool:
        return self._printer is not None

    def _need(self) -> Printer:
        if self._printer is None:
            raise PrintFailed(
                PrinterErrorKind.BAD_CONFIGURATION, self._build_error or f"no {self.role} printer"
            )
        return self._printer

    def check_ready(self) -> None:
        """Raise PrintFailed if the printer says it cannot print now (before a job)."""
        status = self._need().status(timeout=5)
        problem = status_problem(status)
        if problem is not None:
            detail = f"state={status.state.value}" + (f", {status.detail}" if status.detail else "")
            raise PrintFailed(problem, detail, status.message_id)

    def print_pdf(self, pdf: bytes, media: str = "A4") -> bool:
        """Print; True if the printer confirmed it finished, False if it only accepted it."""
        printer = self._need()
        if media not in MEDIA:
            raise PrintFailed(PrinterErrorKind.UNSUPPORTED_JOB, f"no {media!r} paper in printers")
        try:
            # The title lands in spooler logs: never personal data in it.
            result = printer.print_pdf(pdf, copies=1, media=media, title="Loket Desa", timeout=120)
        except PrinterError as exc:
            raise PrintFailed.from_printer_error(exc) from exc
        return result.completed

    def print_receipt(self, lines: list[ReceiptLine], qr_payload: str | None = None) -> None:
        printer = self._need()
        try:
            printer.print_receipt(Receipt(lines, qr_payload=qr_payload, cut=True), timeout=30)
        except PrinterError as exc:
            raise PrintFailed.from_printer_error(exc) from exc


def status_problem(status: PrinterStatus) -> PrinterErrorKind | None:
    """None when the printer can take a job now, else why not.

    A printer that cannot report (UNKNOWN) gets the job: refusing would make a plain
    USB/file printer useless, and a real failure still surfaces while printing.
    """
    match status.state:
        case PrinterState.ONLINE | PrinterState.UNKNOWN:
            return None
        case PrinterState.OFFLINE:
            return PrinterErrorKind.OFFLINE
        case PrinterState.PAPER_OUT:
            return PrinterErrorKind.PAPER_OUT
        case PrinterState.COVER_OPEN:
            return PrinterErrorKind.COVER_OPEN
        case _:
            assert_never(status.state)


# --------------------------------------------------------------------------- receipts
def queue_receipt(
    *, village: str, number: str, service_date: str, waiting_before: int, lang: str
) -> list[ReceiptLine]:
    return [
        ReceiptLine(village.upper(), bold=True, align="center"),
        ReceiptLine(tr("rcpt_queue", lang), align="center"),
        ReceiptLine(number, bold=True, align="center", size="double"),
        ReceiptLine(service_date, align="center"),
        ReceiptLine(tr("queue_waiting", lang, n=waiting_before), align="center"),
        ReceiptLine(tr("rcpt_queue_follow", lang), align="center"),
    ]


def group(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def _now() -> str:
    return datetime.now().strftime("%d-%m-%Y %H:%M")


def pickup_receipt(
    *, village: str, title: str, code: str, status_label: str, pickup_secret: str, lang: str
) -> list[ReceiptLine]:
    """The pickup ticket's text; its QR is the server's ``pickup_qr``, printed beside it."""
    lines = [
        ReceiptLine(village.upper(), bold=True, align="center"),
        ReceiptLine(_now(), align="center"),
        ReceiptLine(tr("rcpt_pickup", lang), bold=True, align="center"),
        ReceiptLine(title, align="center"),
        ReceiptLine(tr("rcpt_code", lang, code=code), bold=True, align="center", size="double"),
        ReceiptLine(tr("rcpt_status", lang, label=status_label), align="center"),
    ]
    if pickup_secret:  # a server older than the field sends none: the QR alone then
        # For typing at a kiosk without a working camera.
        lines.append(ReceiptLine(tr("rcpt_secret", lang), align="center"))
        lines.append(ReceiptLine(group(pickup_secret), align="center"))
    lines.append(ReceiptLine(tr("rcpt_pickup_hint", lang), align="center"))
    return lines


def failed_receipt(
    *, village: str, code: str, title: str, reason: str, lang: str
) -> list[ReceiptLine]:
    return [
        ReceiptLine(village.upper(), bold=True, align="center"),
        ReceiptLine(_now(), align="center"),
        ReceiptLine(tr("rcpt_failed", lang), bold=True, align="center", size="double"),
        ReceiptLine(title, align="center"),
        ReceiptLine(tr("rcpt_code", lang, code=code), bold=True, align="center", size="double"),
        ReceiptLine(tr("rcpt_reason", lang, reason=reason), align="center"),
        ReceiptLine(tr("rcpt_failed_hint", lang), align="center"),
    ]
