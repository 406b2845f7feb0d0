"""ESC/POS receipt printers (58 mm and 80 mm thermal) over TCP, USB, serial or a file.

How a print is known to have happened, on connections that can read:

1. Before sending, DLE EOT 1, 2 and 4 (real-time status, answered at once even while
   the printer is busy) tell whether it is offline, its cover is open or its paper is
   out; then the job is not sent at all.
2. After the job, GS r 1 (transmit paper sensor status) is *not* real-time: the
   printer answers it only after working through everything sent before it. Its
   reply is the completion signal. While waiting, DLE EOT 2 is polled, so paper
   running out or the cover opening mid-job is reported as such instead of a timeout.
3. A printer that answers DLE EOT but not GS r (some clones) gets
   ``completed=False`` after ``confirm_wait`` seconds, and is remembered as such.

A printer that does not answer at all, or a write-only connection (a device file),
prints without the checks and returns ``completed=False``.

DLE EOT replies always have bits 1 and 4 set and bits 0 and 7 clear (0x12 pattern);
GS r replies have bit 4 clear (Epson ESC/POS reference), which is how the two are told
apart when they arrive interleaved.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from printer_drivers.base import (
    Capabilities,
    Media,
    PrinterBackend,
    PrinterState,
    PrinterStatus,
    PrintResult,
    Receipt,
    resolve_timeout,
)
from printer_drivers.deadline import Deadline, run_locked_with_deadline
from printer_drivers.errors import PrinterError, PrinterErrorKind
from printer_drivers.escpos_links import Connection, Link
from printer_drivers.escpos_render import EscposProfile, render_raster, render_receipt
from printer_drivers.raster import rasterise_pdf

log = logging.getLogger(__name__)
T = TypeVar("T")

DLE_EOT = b"\x10\x04"
GS_R_PAPER = b"\x1dr\x01"  # GS r 1: transmit paper sensor status (in order)

PRINT_TIMEOUT = 30.0
STATUS_TIMEOUT = 5.0
REPLY_TIMEOUT = 1.0  # a printer that answers DLE EOT does so within milliseconds
CONFIRM_WAIT = 10.0  # how long to wait for a first GS r reply before assuming none
POLL_INTERVAL = 0.5


def is_dle_eot_reply(byte: int) -> bool:
    return byte & 0x93 == 0x12


def is_gs_r_reply(byte: int) -> bool:
    return byte & 0x90 == 0


@dataclass(frozen=True)
class StatusReplies:
    """The replies to DLE EOT 1 (printer), 2 (offline cause) and 4 (paper sensor)."""

    printer: int
    offline_cause: int
    paper: int

    def to_status(self) -> PrinterStatus:
        detail = (
            f"DLE EOT 1/2/4 = 0x{self.printer:02x}/0x{self.offline_cause:02x}/0x{self.paper:02x}"
        )
        paper_low = self.paper & 0x0C == 0x0C
        if self.offline_cause & 0x04:
            return PrinterStatus(PrinterState.COVER_OPEN, f"cover open ({detail})", paper_low)
        if self.paper & 0x60 == 0x60 or self.offline_cause & 0x20:
            return PrinterStatus(PrinterState.PAPER_OUT, f"paper out ({detail})", paper_low)
        if self.offline_cause & 0x40:
            return PrinterStatus(
                PrinterState.OFFLINE, f"printer reports an error, e.g. cutter jam ({detail})"
            )
        if self.printer & 0x08:
            return PrinterStatus(PrinterState.OFFLINE, f"printer is offline ({detail})")
        return PrinterStatus(PrinterState.ONLINE, detail, paper_low)


class _Replies:
    """What the printer sends back, sorted by what it answers.

    DLE EOT and GS r replies are told apart by their bits, so a GS r reply that
    arrives while a status query is waiting is kept for the confirmation, not lost.
    Other bytes (XON/XOFF, unrequested status blocks) answer nothing we asked.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.status: deque[int] = deque()  # DLE EOT replies
        self.done: deque[int] = deque()  # GS r replies

    def pull(self, timeout: float) -> bool:
        """Read what arrives within ``timeout``; False when nothing did."""
        data = self._conn.read(timeout)
        for byte in data:
            if is_dle_eot_reply(byte):
                self.status.append(byte)
            elif is_gs_r_reply(byte):
                self.done.append(byte)
        return bool(data)

    def next_status(self, timeout: float) -> int | None:
        end = time.monotonic() + timeout
        while not self.status:
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.pull(left)
        return self.status.popleft()

    def drain(self, *, done_too: bool = False) -> None:
        """Forget stale replies (to queries of an abandoned earlier session)."""
        for _ in range(16):
            if not self.pull(0.0):
                break
        self.status.clear()
        if done_too:
            self.done.clear()


class EscposPrinter(PrinterBackend):
    """A Printer (see printer_drivers.base) for an ESC/POS receipt printer."""

    def __init__(
        self,
        link: Link,
        profile: EscposProfile,
        *,
        url: str = "",
        timeout: float = PRINT_TIMEOUT,
        status_timeout: float = STATUS_TIMEOUT,
        confirm: bool = True,
        confirm_wait: float = CONFIRM_WAIT,
        reply_timeout: float = REPLY_TIMEOUT,
    ) -> None:
        super().__init__(url or f"escpos:{link.description}", timeout)
        self.link = link
        self.profile = profile
        self.status_timeout = status_timeout
        self.confirm = confirm
        self.confirm_wait = confirm_wait
        self.reply_timeout = reply_timeout
        # None until the first job shows whether this printer answers GS r.
        self._answers_gs_r: bool | None = None

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            pdf=True,
            receipt=True,
            paper_width_dots=self.profile.width_dots,
            reports_status=self.link.can_read,
        )

    def __repr__(self) -> str:
        return f"EscposPrinter({self._url!r}, profile={self.profile.name})"

    # --- the Printer protocol ---------------------------------------------------------

    def print_receipt(self, receipt: Receipt, *, timeout: float | None = None) -> PrintResult:
        deadline = Deadline(resolve_timeout(timeout, self.timeout))
        if not isinstance(receipt, Receipt):
            raise PrinterError(
                PrinterErrorKind.UNSUPPORTED_JOB,
                f"print_receipt takes a Receipt, not {type(receipt).__name__}",
            )
        data = self._render(lambda: render_receipt(self.profile, receipt))
        return self._send(data, deadline, what="receipt")

    def _print_pdf(
        self, pdf: bytes, copies: int, media: Media, title: str, seconds: float
    ) -> PrintResult:
        # media does not apply: the page is scaled to the roll's width.
        deadline = Deadline(seconds)
        pages = self._render(lambda: rasterise_pdf(pdf, self.profile.width_dots))
        data = self._render(lambda: render_raster(self.profile, pages, copies))
        return self._send(data, deadline, what="letter")

    def status(self, *, timeout: float | None = None) -> PrinterStatus:
        try:
            seconds = resolve_timeout(timeout, self.status_timeout)
            return run_locked_with_deadline(
                self._lock, self._status_session, seconds, what=f"status of {self._url}"
            )
        except PrinterError as exc:
            return PrinterStatus.from_error(exc)
        except Exception as exc:  # status() never raises; say what happened instead
            log.exception("status of %s failed unexpectedly", self._url)
            return PrinterStatus(PrinterState.UNKNOWN, f"{type(exc).__name__}: {exc}")

    # --- sessions (run on the deadline runner's worker thread) --------------------------

    def _status_session(self, deadline: Deadline) -> PrinterStatus:
        conn = self.link.connect(deadline)
        try:
            if not conn.can_read:
                return PrinterStatus(
                    PrinterState.UNKNOWN,
                    f"{self.link.description} is reachable but cannot report status",
                )
            replies = self._query(conn, _Replies(conn), deadline)
            if replies is None:
                return PrinterStatus(PrinterState.UNKNOWN, "the printer did not answer DLE EOT")
            return replies.to_status()
        finally:
            conn.close()

    def _send(self, data: bytes, deadline: Deadline, *, what: str) -> PrintResult:
        job_id = f"{what}-{uuid.uuid4().hex[:12]}"

        def session(inner: Deadline) -> PrintResult:
            return self._print_session(data, inner, job_id)

        try:
            return run_locked_with_deadline(
                self._lock, session, deadline.remaining(), what=f"{what} to {self._url}"
            )
        except PrinterError as exc:
            exc.with_context(printer=self._url, job_id=job_id)
            raise
        except Exception as exc:  # the seam: nothing from the libraries gets out
            log.exception("printing to %s failed unexpectedly", self._url)
            raise PrinterError.unexpected(exc, printer=self._url, job_id=job_id) from exc

    def _print_session(self, data: bytes, deadline: Deadline, job_id: str) -> PrintResult:
        conn = self.link.connect(deadline)
        try:
            replies = _Replies(conn)
            talks = False
            if conn.can_read:
                before = self._query(conn, replies, deadline)
                if before is not None:
                    talks = True
                    _raise_unless_ready(before.to_status(), "before the job was sent")
            conn.write(data, deadline)
            if not (talks and self.confirm and conn.can_read):
                return PrintResult(
                    job_id,
                    completed=False,
                    detail=f"sent to {self.link.description}; the printer cannot confirm",
                    bytes_sent=len(data),
                )
            return self._confirm(conn, replies, deadline, job_id, len(data))
        finally:
            conn.close()

    def _query(
        self, conn: Connection, replies: _Replies, deadline: Deadline
    ) -> StatusReplies | None:
        replies.drain()
        got: list[int] = []
        for n in (1, 2, 4):
            conn.write(DLE_EOT + bytes([n]), deadline)
            byte = replies.next_status(deadline.remaining(self.reply_timeout))
            if byte is None:
                return None
            got.append(byte)
        return StatusReplies(*got)

    def _confirm(
        self, conn: Connection, replies: _Replies, deadline: Deadline, job_id: str, size: int
    ) -> PrintResult:
        if self._answers_gs_r is False:
            after = self._query(conn, replies, deadline)
            if after is not None:
                _raise_unless_ready(after.to_status(), "after the job was sent")
            return PrintResult(
                job_id,
                completed=False,
                detail="the printer does not confirm completion (no GS r reply)",
                bytes_sent=size,
            )
        replies.drain(done_too=True)  # a stray 0x00 would pass for the GS r reply
        conn.write(GS_R_PAPER, deadline)
        # A printer not yet known to answer GS r gets confirm_wait, not the whole deadline.
        give_up = (
            deadline if self._answers_gs_r else Deadline(deadline.remaining(self.confirm_wait))
        )
        while True:
            if replies.done:
                self._answers_gs_r = True
                low = " (paper near end)" if replies.done[0] & 0x03 else ""
                return PrintResult(job_id, completed=True, detail=f"printed{low}", bytes_sent=size)
            if replies.status:
                cause = replies.status.popleft()
                if cause & 0x64:  # cover open, stopped by paper end, error
                    # Make sure with a clean query before saying so: a stray reply
                    # (Epson printers answer DLE EOT byte patterns that happen to occur
                    # inside raster data) must not fail a good job.
                    fresh = self._query(conn, replies, deadline)
                    if fresh is not None:
                        _raise_on_trouble(fresh)
                continue
            if give_up.expired:
                break
            if not replies.pull(give_up.remaining(POLL_INTERVAL)) and not give_up.expired:
                # Still printing, or stopped? DLE EOT 2 is answered even while stopped.
                conn.write(DLE_EOT + b"\x02", deadline)
        if self._answers_gs_r:
            raise PrinterError(
                PrinterErrorKind.TIMEOUT,
                f"the printer did not finish the job within {deadline.seconds:.1f} s",
            )
        self._answers_gs_r = False
        log.info("%s does not answer GS r; print completion cannot be confirmed", self._url)
        return PrintResult(
            job_id,
            completed=False,
            detail="the printer does not confirm completion (no GS r reply)",
            bytes_sent=size,
        )

    def _render(self, make: Callable[[], T]) -> T:
        """Build the job; what the libraries cannot render is an unsupported job."""
        try:
            return make()
        except PrinterError as exc:
            exc.with_context(printer=self._url)
            raise
        except Exception as exc:  # python-escpos, Pillow, pypdfium2 on odd input
            raise PrinterError(
                PrinterErrorKind.UNSUPPORTED_JOB,
                f"cannot render the job for {self.profile.name}: {type(exc).__name__}: {exc}",
                printer=self._url,
            ) from exc


def _raise_unless_ready(status: PrinterStatus, when: str) -> None:
    kinds = {
        PrinterState.PAPER_OUT: PrinterErrorKind.PAPER_OUT,
        PrinterState.COVER_OPEN: PrinterErrorKind.COVER_OPEN,
        PrinterState.OFFLINE: PrinterErrorKind.OFFLINE,
    }
    kind = kinds.get(status.state)
    if kind is not None:
        raise PrinterError(kind, f"{status.detail}, {when}")


def _raise_on_trouble(replies: StatusReplies) -> None:
    """React to a status that was read while the job was printing."""
    status = replies.to_status()
    if status.state is PrinterState.COVER_OPEN:
        raise PrinterError(
            PrinterErrorKind.COVER_OPEN,
            f"the cover was opened during the job ({status.detail})",
            message_id="Tutup printer terbuka saat mencetak. Tutup lalu coba lagi.",
        )
    if status.state is PrinterState.PAPER_OUT:
        raise PrinterError(
            PrinterErrorKind.PAPER_OUT,
            f"the paper ran out during the job ({status.detail}); the rest stays in the "
            "printer's buffer and prints when paper is loaded",
            message_id="Kertas habis saat mencetak. Isi kertas; sisa cetakan akan keluar.",
        )
    if status.state is PrinterState.OFFLINE:
        raise PrinterError(
            PrinterErrorKind.JOB_FAILED,
            f"the printer stopped during the job ({status.detail})",
        )
