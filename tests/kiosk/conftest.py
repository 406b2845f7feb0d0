"""Fixtures for the kiosk tests: the ESC/POS printer emulator of the printer_drivers tests."""

from __future__ import annotations

import sys
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
