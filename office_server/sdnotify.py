"""systemd's notify protocol for `loket server` (Type=notify, WatchdogSec=).

READY=1 is sent once the server answers HTTP, not when the process starts, so units
ordered after it start against a server that answers. WATCHDOG=1 is sent only while
`/healthz` keeps answering (it reads the database): a server whose event loop or database
hangs stops pinging and systemd restarts it. Outside systemd (no NOTIFY_SOCKET) this does
nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import urllib.error
import urllib.request

log = logging.getLogger(__name__)


def notify(message: str) -> bool:
    """Sends one datagram to $NOTIFY_SOCKET; False when not run by systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        sock.connect(address)
        sock.sendall(message.encode("ascii"))
    return True


def watchdog_seconds() -> float | None:
    """How often to ping: half of WatchdogSec, as systemd's documentation advises."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1_000_000 / 2


def answers(url: str, *, timeout: float) -> bool:
    """True when the server gives any answer but a 5xx (a 404 before the village is set
    up still proves the loop and the database work)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own URL
            return int(response.status) < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (OSError, ValueError):
        return False


def start(health_url: str, *, stop: threading.Event | None = None) -> threading.Thread | None:
    """Starts the thread that says READY=1, then WATCHDOG=1 while the server answers."""
    if not os.environ.get("NOTIFY_SOCKET"):
        return None
    thread = threading.Thread(
        target=_run, args=(health_url, stop or threading.Event()), name="sd-notify", daemon=True
    )
    thread.start()
    return thread


def _run(health_url: str, stop: threading.Event) -> None:
    # Start-up waits as long as systemd allows (TimeoutStartSec): migrations or a cold
    # disk may be slow, and systemd itself gives up when that time is over.
    while not answers(health_url, timeout=5) and not stop.wait(0.2):
        pass
    if stop.is_set():
        return
    notify("READY=1\nSTATUS=Loket Desa melayani")
    interval = watchdog_seconds()
    if interval is None:
        return
    while not stop.wait(interval):
        started = time.monotonic()
        if answers(health_url, timeout=interval):
            notify("WATCHDOG=1")
        else:
            log.warning("watchdog: /healthz gave no answer in %.0f s", time.monotonic() - started)
