"""A kiosk PC installs the kiosk only: `pip install .[kiosk]` into a fresh venv, then runs it.

The venv gets the core dependencies and the kiosk extra (with printing), nothing of the
server's: `loket-kiosk --help` and a smoke run (every screen drawn once in a real window
under Xvfb) must work there, and the run must not import office_server at all.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.kiosk.test_kiosk_e2e import REPO
from tests.support.server import free_port

pytestmark = [pytest.mark.kiosk, pytest.mark.slow]

SERVER_ONLY = ("sqlalchemy", "fastapi", "uvicorn", "alembic", "weasyprint")
# Generous bounds that only stop a hang; nothing here waits for a fixed time.
INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 120


def project_copy(dest: Path) -> Path:
    """What `pip install .` reads, copied: pip builds in the source tree, not in ours."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = [
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    ]
    dest.mkdir()
    for name in ("pyproject.toml", pyproject["project"]["readme"]):
        shutil.copy2(REPO / name, dest / name)
    for package in packages:
        shutil.copytree(
            REPO / package,
            dest / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
        )
    return dest


def run(cmd: list[str | Path], env: dict[str, str], cwd: Path, timeout: float) -> str:
    proc = subprocess.run(
        [str(c) for c in cmd], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}:\n{output[-4000:]}"
    return output


def cannot_import(python: Path, module: str, env: dict[str, str], cwd: Path) -> str:
    proc = subprocess.run(
        [str(python), "-c", f"import {module}"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert proc.returncode != 0, f"{module} is importable in the kiosk-only venv"
    assert "ModuleNotFoundError" in proc.stderr, proc.stderr[-2000:]
    return proc.stderr


@pytest.mark.timeout(INSTALL_TIMEOUT + 4 * RUN_TIMEOUT)
def test_the_kiosk_installs_and_runs_without_the_server(tmp_path: Path, display: str) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "SDL_VIDEODRIVER")
        and not k.startswith("LOKET_")
    }
    env.update(DISPLAY=display, KIVY_HOME=str(tmp_path / "kivy-home"), LOKET_DATA_DIR=str(tmp_path))
    # Not the repository: `python -c` puts its working folder on sys.path.
    cwd = tmp_path
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv], env, cwd, RUN_TIMEOUT)
    python, scripts = venv / "bin" / "python", venv / "bin"
    src = project_copy(tmp_path / "src")
    run(
        [python, "-m", "pip", "install", "--disable-pip-version-check", "-q", f"{src}[kiosk]"],
        env,
        cwd,
        INSTALL_TIMEOUT,
    )

    for module in SERVER_ONLY:
        cannot_import(python, module, env, cwd)
    # The one wheel ships every package: `loket kiosk` hands over to the kiosk, and a
    # server command says what is missing instead of a traceback.
    assert "--smoke" in run([scripts / "loket", "kiosk", "--help"], env, cwd, RUN_TIMEOUT)
    refused = subprocess.run(
        [str(scripts / "loket"), "migrate"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "loket-desa[server]" in refused.stderr

    assert "--smoke" in run([scripts / "loket-kiosk", "--help"], env, cwd, RUN_TIMEOUT)
    assert "--config" in run([python, "-m", "kiosk_app", "--help"], env, cwd, RUN_TIMEOUT)

    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'server_url = "http://127.0.0.1:{free_port()}"\napi_key = "k"\n'
        f'state_dir = "{tmp_path / "state"}"\n[camera]\nsource = "none"\n'
        f'[printers]\na4 = "folder://{tmp_path / "a4"}"\n'
        # Nothing listens there: the ESC/POS backend and its library load all the same.
        f'receipt = "escpos+tcp://127.0.0.1:{free_port()}"\n'
    )
    # The console script, run by the venv's python with -X importtime: every module the
    # kiosk loads is listed on stderr.
    output = run(
        [python, "-X", "importtime", scripts / "loket-kiosk", "--config", config, "--smoke"],
        env,
        cwd,
        RUN_TIMEOUT,
    )
    summary = re.search(r"smoke: (\d+) of \1 screens drawn, 0 errors in the UI", output)
    assert summary, output[-4000:]
    loaded = {
        line.rsplit("|", 1)[1].strip()
        for line in output.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    backends = {"printer_drivers.pdf_folder", "printer_drivers.escpos_backend", "escpos"}
    assert {"kiosk_app.app", *backends} <= loaded
    server_side = sorted(m for m in loaded if m.split(".")[0] in {"office_server", *SERVER_ONLY})
    assert server_side == []
