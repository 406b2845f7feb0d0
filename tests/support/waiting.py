"""Waiting for a state, never for a time: the one bound every test wait shares.

Tests wait for what they need (a screen shown, a text on the page, a file written, a
server answering). CI runs on a shared machine where everything may take many times
longer than on a quiet one, so no wait may carry its own short timeout: ``HANG_GUARD`` is
the only bound, there to turn a hang into a failure that says what never came. It is not
a speed requirement, and no test should pass or fail by how close it comes to it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Well under pytest's per-test timeout (pyproject.toml), so that a wait that never ends
# fails with its own message, naming what never came.
HANG_GUARD = float(os.environ.get("LOKET_TEST_HANG_GUARD", "60"))  # seconds
HANG_GUARD_MS = int(HANG_GUARD * 1000)  # Playwright counts in milliseconds


def wait_until(pred: Callable[[], T | None], what: str) -> T:
    """Poll ``pred`` until it returns something truthy, and return that.

    ``pred`` may raise to fail at once (a server process that exited, say).
    """
    deadline = time.monotonic() + HANG_GUARD
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {HANG_GUARD:.0f} s (the hang guard) for {what}")
        time.sleep(0.05)
