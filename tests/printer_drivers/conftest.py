"""Fixtures for the printer_drivers tests: the ESC/POS emulator, a CUPS scheduler, a letter.

The CUPS scheduler is the private one scripts/start-cups.sh starts (``make test`` runs
it first). Run alone, these tests start it themselves; they skip, loudly, only when
CUPS cannot run on this machine at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))  # escpos_emulator, escpos_decoder, sample_letter

from cups_test_server import CupsTestServer  # noqa: E402
from escpos_emulator import EscposEmulator  # noqa: E402
from sample_letter import make_letter_pdf  # noqa: E402

CUPS_ENV = REPO / "var" / "test-services" / "cups.env"


@pytest.fixture
def emulator() -> Iterator[EscposEmulator]:
    with EscposEmulator() as emu:
        yield emu


@pytest.fixture(scope="session")
def letter_pdf() -> bytes:
    pytest.importorskip("weasyprint", reason="the sample letter is made with WeasyPrint")
    return make_letter_pdf()


def _read_env() -> dict[str, str]:
    if not CUPS_ENV.exists():
        return {}
    pairs = (line.split("=", 1) for line in CUPS_ENV.read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}


def _running(server: str) -> bool:
    try:
        done = subprocess.run(
            ["lpstat", "-h", server, "-r"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "scheduler is running" in done.stdout


def _usable(env: dict[str, str]) -> bool:
    # An env file from an older start-cups.sh lacks newer queues: run it again.
    return "LOKET_TEST_CUPS_RETRY_QUEUE" in env and _running(env["LOKET_TEST_CUPS_SERVER"])


@pytest.fixture(scope="session")
def cups() -> CupsTestServer:
    env = _read_env()
    if not _usable(env):
        # Not started by make (or gone since): start it; the script is idempotent.
        done = subprocess.run(
            [str(REPO / "scripts" / "start-cups.sh")],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        env = _read_env()
        if not _usable(env):
            reason = (done.stderr + done.stdout).strip().splitlines()
            pytest.skip(
                "!!! CUPS TESTS SKIPPED: no CUPS scheduler could be started here: "
                + (reason[-1] if reason else "scripts/start-cups.sh gave no reason")
            )
    return CupsTestServer(
        server=env["LOKET_TEST_CUPS_SERVER"],
        pdf_queue=env["LOKET_TEST_CUPS_PDF_QUEUE"],
        pdf_out=Path(env["LOKET_TEST_CUPS_PDF_OUT"]),
        fail_queue=env["LOKET_TEST_CUPS_FAIL_QUEUE"],
        stop_queue=env["LOKET_TEST_CUPS_STOP_QUEUE"],
        retry_queue=env["LOKET_TEST_CUPS_RETRY_QUEUE"],
        log=Path(env["LOKET_TEST_CUPS_LOG"]),
    )
