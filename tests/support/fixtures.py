"""Session-wide fixtures shared by several test folders: one Chromium, one Xvfb display.

Defined once here and imported by tests/conftest.py, so that the web, kiosk, fault and
end-to-end tests share a single instance (two Playwright sync sessions in one process
clash).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.waiting import HANG_GUARD_MS, wait_until

CHROMIUM = os.environ.get("LOKET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("LOKET_WEB_SHOTS", "/tmp/web-shots"))


class PatientBrowser:
    """The launched Chromium, whose every new context waits up to the hang guard for what a
    step needs (an element to act on, a navigation) instead of Playwright's 30 s."""

    def __init__(self, chromium: Any) -> None:
        self._chromium = chromium

    def new_context(self, **kwargs: Any) -> Any:
        context = self._chromium.new_context(**kwargs)
        context.set_default_timeout(HANG_GUARD_MS)
        context.set_default_navigation_timeout(HANG_GUARD_MS)
        return context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chromium, name)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    # expect() waits for its state up to the hang guard, not Playwright's 5 s.
    expect.set_options(timeout=HANG_GUARD_MS)
    manager = sync_playwright().start()
    # Playwright gives every launch a fresh, temporary user-data-dir.
    chromium = manager.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=HANG_GUARD_MS
    )
    try:
        yield PatientBrowser(chromium)
    finally:
        chromium.close()
        manager.stop()


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


# --------------------------------------------------------------------------- display
def _free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed (scripts/apt-packages.txt lists it)")
    n = _free_display()
    proc = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def listening() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"Xvfb :{n} exited with {proc.returncode}")
        return Path(f"/tmp/.X11-unix/X{n}").exists()

    wait_until(listening, f"Xvfb :{n} to listen")
    yield f":{n}"
    proc.terminate()
    proc.wait(5)
