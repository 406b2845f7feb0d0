"""The kiosk's two printers (A4 letters, receipts) over printer_drivers, and its receipts.

printer_drivers knows nothing about letters; this module turns kiosk things (a queue
ticket, a pickup ticket, a "could not print" note) into its Receipt jobs, and its errors
into ``PrintFailed`` with a kind the screens explain in plain words.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from kiosk_app.i18n import tr

log = logging.getLogger(__name__)

# Kinds the screens know how to explain; anything else is shown as "error".
OFFLINE, PAPER_OUT, NOT_CONFIGURED, ERROR = "offline", "paper_out", "not_configured", "error"


class PrintFailed(Exception):
    def __init__(self, kind: str, detail: str = "", message_id: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail
        # The printer's own Indonesian sentence ("Tutup printer terbuka..."), when it has one.
        self.message_id = message_id

    @classmethod
    def from_printer_error(cls, exc: BaseException) -> PrintFailed:
        return cls(_kind_of(exc), str(exc), str(getattr(exc, "message_id", "") or ""))

    def localized(self, lang: str) -> str:
        if lang == "id" and self.message_id:
            return self.message_id
        key = {
            OFFLINE: "printer_offline",
            PAPER_OUT: "printer_paper_out",
            NOT_CONFIGURED: "printer_none",
        }.get(self.kind, "printer_error")
        return tr(key, lang)


def _kind_of(exc: BaseException) -> str:
    raw = getattr(exc, "kind", None)
    kind = str(getattr(raw, "value", raw) or "").lower()
    if "paper" in kind:
        return PAPER_OUT
    if kind in ("offline", "timeout") or "unreachable" in kind or "connect" in kind:
        return OFFLINE
    if kind == "bad_configuration":
        return NOT_CONFIGURED
    if isinstance(exc, OSError) and not kind:
        return OFFLINE
    return ERROR


def _printer_errors() -> tuple[type[BaseException], ...]:
    try:
        from printer_drivers.errors import PrinterError
    except ImportError:  # pragma: no cover - printer_drivers is part of the kiosk extra
        return (OSError,)
    return (PrinterError, OSError)


Align = Literal["left", "center", "right"]
TextSize = Literal["normal", "double", "wide", "tall"]  # as printer_drivers.base has them


@dataclass(frozen=True)
class Line:
    text: str
    bold: bool = False
    align: Align = "left"
    size: TextSize = "normal"


class KioskPrinter:
    """One configured printer (or none), with the kiosk's error translation."""

    def __init__(self, url: str, role: str, printer: Any = None) -> None:
        self.url = url
        self.role = role
        self._printer = printer
        self._build_error: str = ""
        if printer is None and url:
            try:
                from printer_drivers.factory import printer_from_url

                self._printer = printer_from_url(url)
            except Exception as exc:  # bad URL or missing backend: say so on screen
                log.warning("%s printer %s unusable: %s", role, url, exc)
                self._build_error = str(exc)

    @property
    def configured(self) -> bool:
        return self._printer is not None

    def _need(self) -> Any:
        if self._printer is None:
            raise PrintFailed(NOT_CONFIGURED, self._build_error or f"no {self.role} printer")
        return self._printer

    def check_ready(self) -> None:
        """Raise PrintFailed if the printer says it cannot print now (before a job)."""
        printer = self._need()
        try:
            status = printer.status(timeout=5)
        except _printer_errors() as exc:
            raise PrintFailed.from_printer_error(exc) from exc
        problem = status_problem(status)
        if problem:
            raise PrintFailed(problem, _describe(status), getattr(status, "message_id", ""))

    def print_pdf(self, pdf: bytes, media: str = "A4") -> bool:
        """Print; True if the printer confirmed it finished, False if it only accepted it."""
        printer = self._need()
        try:
            # The title lands in spooler logs: never personal data in it.
            result = printer.print_pdf(pdf, copies=1, media=media, title="Loket Desa", timeout=120)
        except _printer_errors() as exc:
            raise PrintFailed.from_printer_error(exc) from exc
        return bool(getattr(result, "completed", True))

    def print_receipt(self, lines: list[Line], qr_payload: str | None = None) -> None:
        printer = self._need()
        try:
            from printer_drivers.base import Receipt, ReceiptLine

            job = Receipt(
                lines=[
                    ReceiptLine(ln.text, bold=ln.bold, align=ln.align, size=ln.size) for ln in lines
                ],
                qr_payload=qr_payload,
                cut=True,
            )
            printer.print_receipt(job, timeout=30)
        except _printer_errors() as exc:
            raise PrintFailed.from_printer_error(exc) from exc

    def close(self) -> None:
        close = getattr(self._printer, "close", None)
        if callable(close):
            close()


def status_problem(status: Any) -> str | None:
    """None when the printer can take a job now, else one of our kinds.

    A printer that cannot report (state "unknown") gets the job: refusing would make a
    plain USB/file printer useless, and a real failure still surfaces while printing.
    """
    if status is None:
        return None
    raw = getattr(status, "state", "")
    state = str(getattr(raw, "value", raw) or "").lower()
    if state in ("online", "unknown", "ready", "idle", ""):
        return None
    if "paper" in state:
        return PAPER_OUT
    if state == "offline":
        return OFFLINE
    return ERROR


def _describe(status: Any) -> str:
    parts = []
    for attr in ("state", "detail"):
        value = getattr(status, attr, None)
        if value not in (None, ""):
            parts.append(f"{attr}={getattr(value, 'value', value)}")
    return ", ".join(parts) or repr(status)


# --------------------------------------------------------------------------- receipts
def queue_receipt(
    *, village: str, number: str, service_date: str, waiting_before: int, lang: str
) -> list[Line]:
    return [
        Line(village.upper(), bold=True, align="center"),
        Line(tr("rcpt_queue", lang), align="center"),
        Line(number, bold=True, align="center", size="double"),
        Line(service_date, align="center"),
        Line(tr("queue_waiting", lang, n=waiting_before), align="center"),
        Line(tr("rcpt_queue_follow", lang), align="center"),
    ]


def group(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def split_pickup(payload: str) -> tuple[str, str] | None:
    """(code, secret) from a pickup QR payload, for printing them readable."""
    head, sep, secret = payload.rpartition("#")
    code = head.rstrip("/").rpartition("/")[2]
    if not sep or len(code) != 8 or len(secret) != 32:
        return None
    return code, secret


def _now() -> str:
    return datetime.now().strftime("%d-%m-%Y %H:%M")


def pickup_receipt(
    *, village: str, title: str, code: str, status_label: str, pickup_qr: str, lang: str
) -> list[Line]:
    lines = [
        Line(village.upper(), bold=True, align="center"),
        Line(_now(), align="center"),
        Line(tr("rcpt_pickup", lang), bold=True, align="center"),
        Line(title, align="center"),
        Line(tr("rcpt_code", lang, code=code), bold=True, align="center", size="double"),
        Line(tr("rcpt_status", lang, label=status_label), align="center"),
    ]
    parts = split_pickup(pickup_qr)
    if parts:
        # For typing at a kiosk without a working camera.
        lines.append(Line(tr("rcpt_secret", lang), align="center"))
        lines.append(Line(group(parts[1]), align="center"))
    lines.append(Line(tr("rcpt_pickup_hint", lang), align="center"))
    return lines


def failed_receipt(*, village: str, code: str, title: str, reason: str, lang: str) -> list[Line]:
    return [
        Line(village.upper(), bold=True, align="center"),
        Line(_now(), align="center"),
        Line(tr("rcpt_failed", lang), bold=True, align="center", size="double"),
        Line(title, align="center"),
        Line(tr("rcpt_code", lang, code=code), bold=True, align="center", size="double"),
        Line(tr("rcpt_reason", lang, reason=reason), align="center"),
        Line(tr("rcpt_failed_hint", lang), align="center"),
    ]
