"""deploy/install.sh run into a fresh directory tree, and what the tests need around it.

The installer runs as root (it creates users with `useradd --prefix` in the tree's own
/etc/passwd and chowns to them); the tests skip loudly where they are not root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.waiting import HANG_GUARD

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "deploy" / "install.sh"
VENV = REPO / ".venv"
# Paths in /etc/loket/loket.env that name the target system; in a tree they are inside it.
TREE_PATHS = ("LOKET_DATA_DIR", "LOKET_SECRET_KEY_FILE", "LOKET_BACKUP_DIR")


def require_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("!!! INSTALL TESTS SKIPPED: deploy/install.sh needs root (useradd, chown)")


@dataclass
class Tree:
    root: Path

    def install(self, *args: str, source: Path | None = None, check: bool = True) -> str:
        """Runs the installer into this tree with the test run's Python environment."""
        cmd = [str(INSTALL), "--root", str(self.root), "--python-env", str(VENV), *args]
        if source is not None:
            cmd += ["--source", str(source)]
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=HANG_GUARD * 5, check=False
        )
        output = done.stdout + done.stderr
        if check:
            assert done.returncode == 0, output
        return output if check else f"rc={done.returncode}\n{output}"

    def path(self, target: str) -> Path:
        return self.root / target.lstrip("/")

    def settings_file(self) -> dict[str, str]:
        lines = self.path("/etc/loket/loket.env").read_text().splitlines()
        pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
        return dict(pairs)

    def env(self, **overrides: str) -> dict[str, str]:
        """The server's environment as systemd would give it, paths moved into the tree."""
        env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(self.root)}
        env.update(self.settings_file())
        for key in TREE_PATHS:
            env[key] = str(self.path(env[key]))
        env.update(overrides)
        return env

    def loket(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.path("/opt/loket/current/bin/loket")), *args],
            env=env or self.env(),
            capture_output=True,
            text=True,
            timeout=HANG_GUARD * 2,
            check=False,
        )

    def ids(self, name: str) -> tuple[int, int]:
        for line in self.path("/etc/passwd").read_text().splitlines():
            fields = line.split(":")
            if fields[0] == name:
                return int(fields[2]), int(fields[3])
        raise AssertionError(f"no user {name} in the tree's /etc/passwd")

    def complete_for_systemd(self) -> None:
        """What a Debian system has and systemd-analyze looks for under --root: systemd's
        own units and the programs the units start besides ours."""
        units = self.path("/usr/lib/systemd/system")
        if not units.exists():
            shutil.copytree("/usr/lib/systemd/system", units, symlinks=True)
        for link, to in (("lib", "usr/lib"), ("bin", "usr/bin")):
            if not self.path(link).exists():
                self.path(link).symlink_to(to)
        for program in ("/usr/bin/dash", "/usr/bin/cage"):
            if Path(program).exists():
                self.path("/usr/bin").mkdir(parents=True, exist_ok=True)
                shutil.copy(program, self.path(program))
        sh = self.path("/usr/bin/sh")
        if not sh.exists():
            sh.symlink_to("dash")
