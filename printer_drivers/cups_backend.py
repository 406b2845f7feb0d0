"""A4/F4 PDFs through a CUPS queue, driven with the lp tools (lp, lpstat, cancel).

Why the lp tools and not pycups: nothing to compile on the kiosk (pycups has no
wheels; it needs a C compiler, libcups2-dev and Python headers), and every call is a
subprocess with a timeout that is killed when it expires, so a wedged cupsd cannot
hang the kiosk (pycups calls block inside libcups and cannot be interrupted). They are
also what a technician types to debug the same queue.

One file near 470 lines on purpose: submitting, watching and cancelling a job read one
state machine of CUPS job states; split, each part would re-learn it.

The price: lpstat does not show a finished job's final state (CUPS even stores the
stale reason "processing-to-stop-point" for every finished job). So a job is followed
while it is active with ``lpstat -l -o`` (status message, reasons such as
printer-stopped), and once it is in ``lpstat -W completed`` its final state is read
from cancel's refusal, "Job #N is already completed/aborted/canceled", with LC_ALL=C
so the message is not translated. Cancel is only asked about jobs CUPS already lists
as finished, so it never cancels anything there.

A job that failed or timed out is cancelled, so it cannot come out of the printer
later, behind the back of a resident who was told to try again.

One file past 400 lines on purpose: the lp tools' output is parsed in one place, beside
the job-following logic that depends on every quirk above.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field

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
from printer_drivers.deadline import Deadline
from printer_drivers.errors import PrinterError, PrinterErrorKind

log = logging.getLogger(__name__)

PRINT_TIMEOUT = 120.0  # a laser warming up behind a queue of other jobs
STATUS_TIMEOUT = 10.0
COMMAND_TIMEOUT = 10.0  # any single lp/lpstat/cancel call
POLL_INTERVAL = 0.25
# F4 (Folio, 215 x 330 mm) has no standard PWG name; CUPS maps a custom size onto the
# driver's own F4 entry when there is one.
MEDIA_NAMES: dict[str, str] = {"A4": "A4", "F4": "Custom.215x330mm"}

_REQUEST_ID = re.compile(r"request id is (\S+-\d+)")
_FINAL_STATE = re.compile(r"already (completed|aborted|canceled|cancelled)")
_QUEUE_NAME = re.compile(r"^[^\s/#\\'\"]{1,127}$")


@dataclass
class JobInfo:
    job_id: str
    status: str = ""  # job-printer-state-message
    alerts: list[str] = field(default_factory=list)  # job-state-reasons


@dataclass
class QueueInfo:
    enabled: bool = True
    accepting: bool = True
    message: str = ""  # printer-state-message
    reasons: list[str] = field(default_factory=list)  # printer-state-reasons


def parse_jobs(text: str) -> dict[str, JobInfo]:
    """Parse ``lpstat -l -o``: a job line, then tab-indented Status/Alerts lines."""
    jobs: dict[str, JobInfo] = {}
    current: JobInfo | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            current = JobInfo(line.split()[0])
            jobs[current.job_id] = current
        elif current is not None:
            item = line.strip()
            if item.startswith("Status:"):
                current.status = item.removeprefix("Status:").strip()
            elif item.startswith("Alerts:"):
                current.alerts = item.removeprefix("Alerts:").split()
    return jobs


def parse_queue(text: str, queue: str) -> QueueInfo:
    """Parse ``lpstat -l -p QUEUE -a QUEUE``."""
    info = QueueInfo()
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(f"printer {queue} "):
            info.enabled = " disabled since " not in line
            # A stopped queue's reason is on the next line, before the property list.
            following = lines[index + 1].strip() if index + 1 < len(lines) else ""
            if following and ":" not in following.split()[0]:
                info.message = following
        elif line.strip().startswith("Alerts:"):
            info.reasons = [r for r in line.split(":", 1)[1].split() if r != "none"]
        elif line.startswith(f"{queue} ") and "accepting requests" in line:
            info.accepting = " not accepting " not in line
    return info


def _reason_kind(reasons: list[str]) -> tuple[PrinterState | None, bool]:
    """The printer state IPP reasons imply, and whether paper is low."""
    state: PrinterState | None = None
    low = False
    for reason in reasons:
        base, _, severity = reason.rpartition("-")
        if severity not in ("error", "warning", "report"):
            base, severity = reason, "error"
        if base in ("media-empty", "media-needed", "media-jam") and severity != "warning":
            state = state or PrinterState.PAPER_OUT
        elif base in ("cover-open", "door-open", "interlock-open"):
            state = state or PrinterState.COVER_OPEN
        elif base in ("offline", "shutdown", "connecting-to-device", "timed-out"):
            state = state or PrinterState.OFFLINE
        elif base in ("media-low", "media-empty"):
            low = True
    return state, low


class CupsPrinter(PrinterBackend):
    """A Printer (see printer_drivers.base) for a CUPS queue. PDFs only."""

    def __init__(
        self,
        queue: str,
        *,
        server: str | None = None,
        url: str = "",
        timeout: float = PRINT_TIMEOUT,
        status_timeout: float = STATUS_TIMEOUT,
        poll_interval: float = POLL_INTERVAL,
        media_names: dict[str, str] | None = None,
    ) -> None:
        if not _QUEUE_NAME.match(queue):
            raise PrinterError(
                PrinterErrorKind.BAD_CONFIGURATION,
                f"{queue!r} is not a CUPS queue name (no spaces, '/', '#' or quotes)",
                message_id="Nama antrean CUPS tidak valid. Contoh: cups://Kantor_A4",
            )
        super().__init__(url or f"cups://{queue}", timeout)
        self.queue = queue
        self.server = server
        self.status_timeout = status_timeout
        self.poll_interval = poll_interval
        self.media_names = {**MEDIA_NAMES, **(media_names or {})}

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(pdf=True, receipt=False, paper_width_dots=None, reports_status=True)

    def __repr__(self) -> str:
        return f"CupsPrinter({self._url!r})"

    # --- the Printer protocol ---------------------------------------------------------

    def print_receipt(self, receipt: Receipt, *, timeout: float | None = None) -> PrintResult:
        raise PrinterError(
            PrinterErrorKind.UNSUPPORTED_JOB,
            "a CUPS page printer does not print receipts; use an ESC/POS printer",
            message_id="Printer ini tidak dapat mencetak struk.",
            printer=self._url,
        )

    def _print_pdf(
        self, pdf: bytes, copies: int, media: Media, title: str, seconds: float
    ) -> PrintResult:
        deadline = Deadline(seconds)
        if not self._lock.acquire(timeout=deadline.remaining()):
            raise PrinterError(
                PrinterErrorKind.TIMEOUT,
                "another job is still being submitted to this queue",
                printer=self._url,
            )
        job_id: str | None = None
        try:
            self._check_queue(deadline)
            job_id = self._submit(bytes(pdf), copies, media, title, deadline)
            return self._follow(job_id, deadline, len(pdf))
        except PrinterError as exc:
            exc.with_context(printer=self._url, job_id=job_id)
            if job_id is not None:
                self._cancel_quietly(job_id, deadline)
            raise
        except Exception as exc:  # the seam: nothing else gets out
            log.exception("printing to %s failed unexpectedly", self._url)
            if job_id is not None:
                self._cancel_quietly(job_id, deadline)
            raise PrinterError.unexpected(exc, printer=self._url, job_id=job_id) from exc
        finally:
            self._lock.release()

    def status(self, *, timeout: float | None = None) -> PrinterStatus:
        try:
            deadline = Deadline(resolve_timeout(timeout, self.status_timeout))
            info = self._queue_info(deadline)
        except PrinterError as exc:
            return PrinterStatus.from_error(exc)
        return self._status_from(info)

    # --- steps ----------------------------------------------------------------------------

    def _status_from(self, info: QueueInfo) -> PrinterStatus:
        implied, low = _reason_kind(info.reasons)
        reasons = " ".join(info.reasons) or "none"
        if not info.enabled:
            return PrinterStatus(
                implied or PrinterState.OFFLINE,
                f"queue {self.queue} is stopped: {info.message or 'no reason given'} "
                f"(reasons: {reasons}); cupsenable {self.queue} restarts it",
                low,
            )
        if not info.accepting:
            return PrinterStatus(
                PrinterState.OFFLINE,
                f"queue {self.queue} is not accepting jobs; cupsaccept {self.queue}",
                low,
            )
        if implied is not None:
            return PrinterStatus(implied, f"{info.message} (reasons: {reasons})", low)
        # CUPS learns about the device only while it prints; an idle, enabled queue is
        # as ready as CUPS can tell.
        return PrinterStatus(PrinterState.ONLINE, f"queue {self.queue} is enabled", low)

    def _check_queue(self, deadline: Deadline) -> None:
        """Refuse to queue a job on a stopped queue: it would wait there for days."""
        info = self._queue_info(Deadline(deadline.remaining(self.status_timeout)))
        status = self._status_from(info)
        kinds = {
            PrinterState.OFFLINE: PrinterErrorKind.OFFLINE,
            PrinterState.PAPER_OUT: PrinterErrorKind.PAPER_OUT,
            PrinterState.COVER_OPEN: PrinterErrorKind.COVER_OPEN,
        }
        if status.state in kinds:
            raise PrinterError(kinds[status.state], status.detail)

    def _submit(self, pdf: bytes, copies: int, media: str, title: str, deadline: Deadline) -> str:
        args = [
            "-d",
            self.queue,
            "-n",
            str(copies),
            "-t",
            _clean_title(title),
            "-o",
            f"media={self.media_names[media]}",
            "-o",
            "document-format=application/pdf",
        ]
        done = self._run("lp", args, deadline, stdin=pdf)
        if done.returncode != 0:
            raise self._command_error("lp", done, deadline)
        found = _REQUEST_ID.search(done.stdout)
        if found is None:
            raise PrinterError(
                PrinterErrorKind.JOB_FAILED,
                f"lp gave no job id: {done.stdout.strip()} {done.stderr.strip()}",
            )
        return found.group(1)

    def _follow(self, job_id: str, deadline: Deadline, size: int) -> PrintResult:
        last_status = ""
        while True:
            active = self._jobs(deadline, completed=False)
            job = active.get(job_id)
            if job is None:
                break
            last_status = job.status or last_status
            if "resources-are-not-ready" in job.alerts:
                # The device failed and CUPS waits to retry (policy retry-job, Debian's
                # default): it will not print while the resident waits at the kiosk.
                raise self._failure(
                    f"the printer failed and CUPS will retry later: {last_status or 'no reason'}",
                    deadline,
                    default=PrinterErrorKind.OFFLINE,
                )
            if "printer-stopped" in job.alerts:
                raise self._failure(
                    f"the queue stopped: {last_status or 'no reason given'}",
                    deadline,
                    default=PrinterErrorKind.OFFLINE,
                )
            if any(alert.startswith("job-hold") for alert in job.alerts):
                raise PrinterError(
                    PrinterErrorKind.JOB_FAILED,
                    f"CUPS is holding the job ({' '.join(job.alerts)})",
                )
            if deadline.remaining() <= self.poll_interval:
                raise PrinterError(
                    PrinterErrorKind.TIMEOUT,
                    f"the job did not finish within {deadline.seconds:g} s "
                    f"(last status: {last_status or 'none'})",
                )
            time.sleep(self.poll_interval)

        finished = self._jobs(deadline, completed=True)
        if job_id not in finished:
            # The server keeps no job history (PreserveJobHistory No).
            return PrintResult(
                job_id, completed=False, detail="the job left the queue", bytes_sent=size
            )
        last_status = finished[job_id].status or last_status
        state = self._final_state(job_id, deadline)
        if state == "completed":
            return PrintResult(job_id, completed=True, detail="printed", bytes_sent=size)
        if state == "aborted":
            raise self._failure(
                f"CUPS aborted the job: {last_status or 'no reason given'}",
                deadline,
                default=PrinterErrorKind.JOB_FAILED,
            )
        if state in ("canceled", "cancelled"):
            raise PrinterError(
                PrinterErrorKind.JOB_FAILED,
                "the job was cancelled on the print server",
                message_id="Pencetakan dibatalkan di komputer printer. Coba lagi.",
            )
        return PrintResult(
            job_id,
            completed=False,
            detail="the job finished; CUPS did not say how",
            bytes_sent=size,
        )

    def _failure(self, detail: str, deadline: Deadline, default: PrinterErrorKind) -> PrinterError:
        """A failure, as paper out / cover open when the printer's reasons say so."""
        try:
            info = self._queue_info(Deadline(deadline.remaining(2.0)))
        except PrinterError:
            return PrinterError(default, detail)  # the failure itself is what matters
        state, _ = _reason_kind(info.reasons)
        if state is PrinterState.PAPER_OUT:
            return PrinterError(PrinterErrorKind.PAPER_OUT, detail)
        if state is PrinterState.COVER_OPEN:
            return PrinterError(PrinterErrorKind.COVER_OPEN, detail)
        return PrinterError(default, detail)

    def _final_state(self, job_id: str, deadline: Deadline) -> str | None:
        done = self._run("cancel", [job_id], deadline)
        found = _FINAL_STATE.search(done.stderr + done.stdout)
        return found.group(1) if found else None

    def _cancel_quietly(self, job_id: str, deadline: Deadline) -> None:
        """Cancel within the caller's time if there is some left, else in the background."""

        def cancel(limit: Deadline) -> None:
            try:
                self._run("cancel", [job_id], limit)
            except PrinterError as exc:
                log.warning("could not cancel %s: %s", job_id, exc)

        if deadline.remaining() >= 0.5:
            cancel(deadline)
        else:
            threading.Thread(
                target=cancel, args=(Deadline(COMMAND_TIMEOUT),), name="cups-cancel", daemon=True
            ).start()

    def _jobs(self, deadline: Deadline, *, completed: bool) -> dict[str, JobInfo]:
        which = ["-W", "completed"] if completed else []
        done = self._run("lpstat", [*which, "-l", "-o", self.queue], deadline)
        if done.returncode != 0:
            raise self._command_error("lpstat", done, deadline)
        return parse_jobs(done.stdout)

    def _queue_info(self, deadline: Deadline) -> QueueInfo:
        done = self._run("lpstat", ["-l", "-p", self.queue, "-a", self.queue], deadline)
        if done.returncode != 0:
            raise self._command_error("lpstat", done, deadline)
        return parse_queue(done.stdout, self.queue)

    def _command_error(
        self, tool: str, done: subprocess.CompletedProcess[str], deadline: Deadline
    ) -> PrinterError:
        message = (done.stderr or done.stdout).strip() or f"{tool} exited with {done.returncode}"
        lowered = message.lower()
        if "not accepting" in lowered:
            return PrinterError(
                PrinterErrorKind.OFFLINE,
                f"queue {self.queue} is not accepting jobs ({message}); cupsaccept {self.queue}",
            )
        if "does not exist" in lowered or "invalid destination" in lowered:
            # The lp tools say the same when the scheduler is not there at all.
            if not self._scheduler_running(deadline):
                return self._no_scheduler()
            return PrinterError(
                PrinterErrorKind.BAD_CONFIGURATION,
                f"CUPS has no queue named {self.queue!r} ({message}); see lpstat -p",
                message_id=(
                    f"Antrean printer '{self.queue}' tidak ada di CUPS. "
                    "Periksa nama antrean (lpstat -p). Contoh: cups://Kantor_A4"
                ),
            )
        if "scheduler is not running" in lowered or "connection refused" in lowered:
            return self._no_scheduler()
        return PrinterError(PrinterErrorKind.JOB_FAILED, f"{tool}: {message}")

    def _scheduler_running(self, deadline: Deadline) -> bool:
        try:
            done = self._run("lpstat", ["-r"], Deadline(deadline.remaining(3.0)))
        except PrinterError:
            return False
        return "scheduler is running" in done.stdout

    def _no_scheduler(self) -> PrinterError:
        where = f" at {self.server}" if self.server else ""
        return PrinterError(
            PrinterErrorKind.OFFLINE,
            f"the CUPS scheduler{where} is not running",
            message_id="Layanan printer (CUPS) tidak berjalan. Hubungi teknisi.",
        )

    def _run(
        self, tool: str, args: list[str], deadline: Deadline, *, stdin: bytes | None = None
    ) -> subprocess.CompletedProcess[str]:
        left = deadline.remaining(COMMAND_TIMEOUT)
        if left <= 0:
            raise PrinterError(PrinterErrorKind.TIMEOUT, f"no time left to run {tool}")
        command = [tool, *(["-h", self.server] if self.server else []), *args]
        # The messages parsed above are English; a kiosk in id_ID must not translate them.
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        env.pop("LANGUAGE", None)
        try:
            done = subprocess.run(
                command,
                input=stdin,
                capture_output=True,
                timeout=left,
                env=env,
                check=False,
            )
        except FileNotFoundError as exc:
            raise PrinterError(
                PrinterErrorKind.BAD_CONFIGURATION,
                f"{tool} is not installed: apt-get install cups-client",
                message_id="Program pencetakan CUPS belum terpasang. Hubungi teknisi.",
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise PrinterError(
                PrinterErrorKind.TIMEOUT, f"{tool} did not answer within {left:.1f} s"
            ) from exc
        except OSError as exc:
            raise PrinterError(PrinterErrorKind.JOB_FAILED, f"cannot run {tool}: {exc}") from exc
        return subprocess.CompletedProcess(
            done.args,
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
        )


def _clean_title(title: str) -> str:
    """A job title safe for the lp command line and CUPS logs."""
    text = " ".join(str(title).split())[:80]
    return text or f"loket-desa-{uuid.uuid4().hex[:8]}"
