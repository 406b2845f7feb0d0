"""`loket kiosk` / `python -m kiosk_app`: refuses bad config, starts a real window otherwise."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk_app.main import run
from tests.kiosk.test_kiosk_e2e import REPO
from tests.support.server import free_port
from tests.support.waiting import wait_until


def test_bad_config_exits_2_without_opening_a_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--config", str(tmp_path / "missing.toml")]) == 2
    assert "kiosk config not found" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('language = "fr"\n')
    assert run(["--", "--config", str(bad)]) == 2
    assert "language" in capsys.readouterr().err


@pytest.mark.kiosk
def test_module_starts_and_keeps_running_without_server_or_camera(
    tmp_path: Path,
    display: str,
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'server_url = "http://127.0.0.1:{free_port()}"\napi_key = "k"\n'
        f'state_dir = "{tmp_path / "state"}"\n[camera]\nsource = "none"\n'
        f'[printers]\na4 = "folder://{tmp_path / "a4"}"\nreceipt = ""\n'
    )
    env = {**os.environ, "DISPLAY": display, "KIVY_HOME": str(tmp_path / "kivy")}
    log = tmp_path / "kiosk.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk_app", "--config", str(config), "--size", "1024x768"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:

            def started() -> bool:
                assert proc.poll() is None, log.read_text()[-3000:]
                return "Start application main loop" in log.read_text()

            wait_until(started, "the kiosk's main loop")
            # Then it keeps running: a few failed health checks (every 2 s while offline).
            time.sleep(5)
            assert proc.poll() is None, log.read_text()[-3000:]
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    text = log.read_text()
    assert "Start application main loop" in text, text[-3000:]
    assert "unexpected error in the UI" not in text, text[-3000:]
