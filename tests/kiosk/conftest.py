"""Fixtures for the kiosk tests: the ESC/POS printer emulator of the printer_drivers tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PRINTER_TESTS = Path(__file__).resolve().parents[1] / "printer_drivers"


def _emulator_class() -> Any:
    if str(PRINTER_TESTS) not in sys.path:
        sys.path.insert(0, str(PRINTER_TESTS))
    from escpos_emulator import EscposEmulator

    return EscposEmulator


@pytest.fixture(scope="module")
def receipt_emulator() -> Iterator[Any]:
    emulator = _emulator_class()().start()
    yield emulator
    emulator.stop()


@pytest.fixture
def escpos_emulator() -> Iterator[Any]:
    """A second ESC/POS printer, for the test to break."""
    emulator = _emulator_class()().start()
    yield emulator
    emulator.stop()


@pytest.fixture
def receipt_url(receipt_emulator: Any) -> str:
    return str(receipt_emulator.url())


@pytest.fixture
def receipt_output(receipt_emulator: Any) -> Callable[[], str]:
    """Everything on the receipt paper so far: text lines, then QR payloads."""

    def read() -> str:
        paper = receipt_emulator.paper()
        qrs = [getattr(q, "data", getattr(q, "payload", "")) for q in paper.qr_symbols]
        return "\n".join([*paper.text, *map(str, qrs)])

    return read


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
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("Xvfb did not start")
        time.sleep(0.05)
    yield f":{n}"
    proc.terminate()
    proc.wait(5)
