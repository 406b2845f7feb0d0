"""Run device work under a deadline the caller can rely on.

Socket and pyserial timeouts bound most waits, but not all: opening /dev/usb/lp0
blocks while the kernel waits for the printer, a write to a paused usblp device or a
serial port held by flow control can block for ever, and pyusb calls sit in C. So the
device session runs on a worker thread and the caller waits at most ``timeout``. A
session that overruns is abandoned, not killed (Python cannot kill a thread): it keeps
the printer's lock until the device lets go, so a second job never talks to the device
at the same time as a stuck first one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from printer_drivers.errors import PrinterError, PrinterErrorKind

T = TypeVar("T")


class Deadline:
    """A point in time; hands out what is left of it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self, cap: float | None = None) -> float:
        left = max(0.0, self._end - time.monotonic())
        return min(left, cap) if cap is not None else left

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self._end


@dataclass
class _Outcome(Generic[T]):
    value: T | None = None
    error: BaseException | None = None


def run_locked_with_deadline(
    lock: threading.Lock, work: Callable[[Deadline], T], timeout: float, *, what: str
) -> T:
    """Run ``work(deadline)`` on a worker thread holding ``lock``; wait ``timeout`` s.

    Raises PrinterError(TIMEOUT) when the lock (a previous job still running) or the
    work itself takes longer than ``timeout``. Exceptions from ``work`` are re-raised.
    """
    outer = Deadline(timeout)
    if not lock.acquire(timeout=timeout):
        raise PrinterError(
            PrinterErrorKind.TIMEOUT,
            f"{what}: the printer is still busy with an earlier job after {timeout:g} s",
            message_id="Printer masih sibuk dengan pekerjaan sebelumnya. Coba lagi.",
        )
    # The work gets slightly less time than the caller waits, so work that honours its
    # deadline reports its own, more specific timeout instead of the generic one below.
    deadline = Deadline(max(outer.remaining() - min(0.25, timeout / 10), 0.0))
    outcome: _Outcome[T] = _Outcome()
    done = threading.Event()

    def worker() -> None:
        try:
            outcome.value = work(deadline)
        except BaseException as exc:  # handed to the caller below
            outcome.error = exc
        finally:
            lock.release()
            done.set()

    thread = threading.Thread(target=worker, name=f"printer-{what}", daemon=True)
    try:
        thread.start()
    except BaseException:
        lock.release()
        raise
    if not done.wait(outer.remaining()):
        raise PrinterError(
            PrinterErrorKind.TIMEOUT,
            f"{what} did not finish within {timeout:g} s; the device stopped responding",
        )
    if outcome.error is not None:
        raise outcome.error
    return outcome.value  # type: ignore[return-value]  # set when no error
