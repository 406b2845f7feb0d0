"""How the tests reach the private CUPS scheduler that scripts/start-cups.sh starts."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.waiting import HANG_GUARD


@dataclass(frozen=True)
class CupsTestServer:
    server: str
    pdf_queue: str
    pdf_out: Path
    fail_queue: str
    stop_queue: str
    retry_queue: str
    log: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [args[0], "-h", self.server, *args[1:]],
            capture_output=True,
            text=True,
            timeout=HANG_GUARD,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
