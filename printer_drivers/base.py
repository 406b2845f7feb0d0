"""The Printer protocol: the seam between the kiosk and whatever printer the office has.

A backend takes a PDF (bytes) or a Receipt (lines, a QR payload, a cut), reports its
status, and says what it can do. It knows nothing about letters.

Contract every backend keeps:

* Every call takes ``timeout`` (seconds; ``None`` means the backend's default) and
  returns or raises within it. A call never hangs, even on a device that stops
  answering mid-write; in that case it raises ``PrinterError(kind=TIMEOUT)`` and the
  job's outcome is unknown (the printer may still print it later).
* ``print_pdf`` / ``print_receipt`` return only once the job was accepted and, where
  the device can tell, completed. ``PrintResult.completed`` says which: True means the
  spooler or the printer confirmed it finished; False means it was handed over to a
  device that cannot report back (a file device, a printer without status replies).
* Failures raise ``PrinterError`` (printer_drivers.errors) and nothing else.
* ``status()`` never raises: an unreachable printer is ``PrinterState.OFFLINE``, one
  that cannot report is ``PrinterState.UNKNOWN``.
* Calls on one printer object are serialised; a printer object may be shared between
  threads. Backends open the device per call and hold no connection in between, so a
  printer that was switched off and on again just works on the next call.
* Job titles and receipt text may end up in spooler logs (CUPS keeps job titles);
  callers keep personal data (NIK) out of titles.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, Protocol, get_args, runtime_checkable

from printer_drivers.errors import PrinterError, PrinterErrorKind

Media = Literal["A4", "F4"]
Align = Literal["left", "center", "right"]
# "double" is double width and height, "wide" double width, "tall" double height.
TextSize = Literal["normal", "double", "wide", "tall"]

MEDIA: tuple[Media, ...] = get_args(Media)
ALIGNS: tuple[Align, ...] = get_args(Align)
TEXT_SIZES: tuple[TextSize, ...] = get_args(TextSize)

MAX_COPIES = 20
MAX_PDF_BYTES = 50 * 1024 * 1024
MAX_QR_PAYLOAD = 1000


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One line of receipt text. Long text wraps at the paper width."""

    text: str = ""
    bold: bool = False
    underline: bool = False
    align: Align = "left"
    size: TextSize = "normal"

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise _bad_job(f"receipt line text must be str, not {type(self.text).__name__}")
        if self.align not in ALIGNS:
            raise _bad_job(f"align must be one of {', '.join(ALIGNS)}, not {self.align!r}")
        if self.size not in TEXT_SIZES:
            raise _bad_job(f"size must be one of {', '.join(TEXT_SIZES)}, not {self.size!r}")


@dataclass(frozen=True, slots=True, init=False)
class Receipt:
    """A receipt or queue ticket: lines, then an optional QR code, then a cut.

    ``lines`` accepts ReceiptLine or plain str (a plain left-aligned line).
    Text is Unicode; backends transliterate what the printer cannot show (curly
    quotes, dashes) to ASCII rather than printing garbage.
    """

    lines: tuple[ReceiptLine, ...] = ()
    qr_payload: str | None = None
    cut: bool = True

    def __init__(
        self,
        lines: Iterable[ReceiptLine | str] = (),
        qr_payload: str | None = None,
        cut: bool = True,
    ) -> None:
        normalised = tuple(
            line if isinstance(line, ReceiptLine) else ReceiptLine(line) for line in lines
        )
        if qr_payload is not None:
            if not isinstance(qr_payload, str) or not qr_payload:
                raise _bad_job("qr_payload must be a non-empty str or None")
            if len(qr_payload) > MAX_QR_PAYLOAD:
                raise _bad_job(f"qr_payload is {len(qr_payload)} chars, at most {MAX_QR_PAYLOAD}")
        object.__setattr__(self, "lines", normalised)
        object.__setattr__(self, "qr_payload", qr_payload)
        object.__setattr__(self, "cut", bool(cut))


class PrinterState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    UNKNOWN = "unknown"


STATE_MESSAGES_ID: dict[PrinterState, str] = {
    PrinterState.ONLINE: "Printer siap.",
    PrinterState.OFFLINE: "Printer tidak terhubung atau mati.",
    PrinterState.PAPER_OUT: "Kertas printer habis.",
    PrinterState.COVER_OPEN: "Tutup printer terbuka.",
    PrinterState.UNKNOWN: "Status printer tidak diketahui.",
}


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What the printer (or its spooler) says about itself right now."""

    state: PrinterState
    detail: str = ""  # English, for logs
    paper_low: bool = False

    @property
    def ready(self) -> bool:
        return self.state is PrinterState.ONLINE

    @property
    def message_id(self) -> str:
        """Indonesian text for the screen."""
        text = STATE_MESSAGES_ID[self.state]
        if self.paper_low and self.state is PrinterState.ONLINE:
            text += " Kertas hampir habis."
        return text

    @classmethod
    def from_error(cls, error: PrinterError) -> PrinterStatus:
        """What status() reports when asking failed: after a timeout nobody knows."""
        if error.kind is PrinterErrorKind.TIMEOUT:
            return cls(PrinterState.UNKNOWN, error.detail)
        return cls(PrinterState.OFFLINE, error.detail)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a printer can do, known without talking to it."""

    pdf: bool
    receipt: bool
    # Printable width in dots for roll printers (384 on 58 mm, 512/576 on 80 mm);
    # None for page printers.
    paper_width_dots: int | None = None
    # True when status() can report paper out / cover open, not just reachability.
    reports_status: bool = False


@dataclass(frozen=True, slots=True)
class PrintResult:
    """A job that was accepted (and, if ``completed``, confirmed finished)."""

    job_id: str
    completed: bool
    detail: str = ""
    bytes_sent: int = 0
    # Where a file-writing backend put the output (the PDF folder printer).
    output_paths: tuple[str, ...] = field(default=())


@runtime_checkable
class Printer(Protocol):
    """A printer the kiosk can use. See the module docstring for the contract."""

    @property
    def url(self) -> str:
        """The configuration string this printer was built from (for logs)."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """What this printer can do; no I/O."""
        ...

    def print_pdf(
        self,
        pdf: bytes,
        *,
        copies: int = 1,
        media: Media = "A4",
        title: str = "Loket Desa",
        timeout: float | None = None,
    ) -> PrintResult:
        """Print a PDF document.

        Page printers print it on ``media`` (A4 or F4, 215 x 330 mm); roll printers
        rasterise it to their dot width and ignore ``media``. ``copies`` is 1..20.

        Raises PrinterError: UNSUPPORTED_JOB for bytes that are not a readable PDF,
        OFFLINE / PAPER_OUT / COVER_OPEN when the printer cannot print, JOB_FAILED
        when the job started but did not finish, TIMEOUT when ``timeout`` passed.
        """
        ...

    def print_receipt(self, receipt: Receipt, *, timeout: float | None = None) -> PrintResult:
        """Print a receipt: its lines, its QR code (if any), then cut (if asked).

        Raises PrinterError as print_pdf; UNSUPPORTED_JOB on printers without
        receipt support (``capabilities.receipt`` is False).
        """
        ...

    def status(self, *, timeout: float | None = None) -> PrinterStatus:
        """Ask the printer how it is. Never raises."""
        ...


class PrinterBackend(ABC):
    """The common part of this package's printers: the URL, the lock that serialises
    calls, the default timeout, and print_pdf's argument checks before ``_print_pdf``.
    """

    def __init__(self, url: str, timeout: float) -> None:
        self._url = url
        self.timeout = timeout
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self._url

    def print_pdf(
        self,
        pdf: bytes,
        *,
        copies: int = 1,
        media: Media = "A4",
        title: str = "Loket Desa",
        timeout: float | None = None,
    ) -> PrintResult:
        """See Printer.print_pdf."""
        seconds = resolve_timeout(timeout, self.timeout)
        check_pdf_job(pdf, copies, media)
        return self._print_pdf(pdf, copies, media, title, seconds)

    @abstractmethod
    def _print_pdf(
        self, pdf: bytes, copies: int, media: Media, title: str, seconds: float
    ) -> PrintResult:
        """Print a PDF whose arguments were checked, within ``seconds``."""


def check_pdf_job(pdf: bytes, copies: int, media: str) -> None:
    """Validate the arguments of print_pdf the same way in every backend."""
    if not isinstance(pdf, bytes | bytearray | memoryview):
        raise _bad_job(f"pdf must be bytes, not {type(pdf).__name__}")
    if len(pdf) > MAX_PDF_BYTES:
        raise _bad_job(f"PDF is {len(pdf)} bytes, at most {MAX_PDF_BYTES}")
    # A PDF may have a little junk before its header; readers look in the first 1 KiB.
    if b"%PDF-" not in bytes(pdf[:1024]):
        raise PrinterError(
            PrinterErrorKind.UNSUPPORTED_JOB,
            "the document is not a PDF (no %PDF- header)",
            message_id="Dokumen bukan PDF sehingga tidak dapat dicetak.",
        )
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise _bad_job(f"copies must be an int from 1 to {MAX_COPIES}, not {copies!r}")
    if media not in MEDIA:
        raise _bad_job(f"media must be one of {', '.join(MEDIA)}, not {media!r}")


def resolve_timeout(timeout: float | None, default: float) -> float:
    if timeout is None:
        return default
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise _bad_job(f"timeout must be a positive number of seconds, not {timeout!r}")
    return float(timeout)


def _bad_job(detail: str) -> PrinterError:
    return PrinterError(PrinterErrorKind.UNSUPPORTED_JOB, detail)
