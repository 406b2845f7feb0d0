"""A real office server in a subprocess, for kiosk, browser, durability and e2e tests.

    with running_server(tmp_path) as server:
        created = server.file_request()               # as a resident's phone would
        server.drive_to_ready(created["code"])        # operator approves, head signs
        httpx.post(f"{server.url}/api/v1/kiosk/scans", headers=server.kiosk_headers, ...)

The server is started with `loket migrate`, `loket seed-demo`, `loket add-kiosk` and
`loket server`, the same commands an office runs; SQLite in a temp data folder.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from office_server.seed import DEMO_PASSWORDS
from tests.support import factories
from tests.support.waiting import HANG_GUARD, wait_until

REPO = Path(__file__).resolve().parents[2]
LOKET = [sys.executable, "-m", "office_server.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningServer:
    url: str
    data_dir: Path
    kiosk_key: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    _serial: int = field(default=100)

    @property
    def kiosk_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.kiosk_key}"}

    def file_request(self, **overrides: Any) -> dict[str, Any]:
        self._serial += 1
        body = factories.request_body(serial=self._serial)
        body.update(overrides)
        r = httpx.post(f"{self.url}/api/v1/requests", json=body, timeout=HANG_GUARD)
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data

    @contextmanager
    def operator_client(self, username: str = "admin") -> Iterator[httpx.Client]:
        """A logged-in operator (demo accounts: admin, operator, kades)."""
        with httpx.Client(base_url=self.url, timeout=HANG_GUARD) as client:
            self._login(client, username)
            yield client

    def _login(self, client: httpx.Client, username: str) -> None:
        r = client.post(
            "/api/v1/auth/login",
            json={"username": username, "password": DEMO_PASSWORDS[username]},
        )
        r.raise_for_status()
        client.headers["X-CSRF-Token"] = r.json()["csrf_token"]

    def request_id(self, client: httpx.Client, code: str) -> int:
        rows = client.get("/api/v1/operator/requests", params={"code": code}).json()
        return int(rows[0]["id"])

    def drive_to_ready(self, code: str) -> dict[str, Any]:
        with self.operator_client("operator") as op:
            rid = self.request_id(op, code)
            op.post(f"/api/v1/operator/requests/{rid}/approve").raise_for_status()
        with self.operator_client("kades") as signer:
            r = signer.post(f"/api/v1/operator/requests/{rid}/sign")
            r.raise_for_status()
            data: dict[str, Any] = r.json()
            return data

    def kill(self) -> None:
        """SIGKILL, as a power cut or the OOM killer would."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(HANG_GUARD)

    def start(self) -> None:
        port = int(self.url.rsplit(":", 1)[1])
        assert self.log_path is not None
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [*LOKET, "server", "--host", "127.0.0.1", "--port", str(port)],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = self.process

        def answers() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log_path}")
            try:
                return httpx.get(f"{self.url}/healthz", timeout=HANG_GUARD).status_code == 200
            except httpx.TransportError:  # not listening yet
                return False

        wait_until(answers, f"the server to answer /healthz (see {self.log_path})")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)  # its chance to stop cleanly; then it is killed
            except subprocess.TimeoutExpired:
                self.kill()


def _run(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [*LOKET, *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"loket {' '.join(args)} failed: {out.stderr}")
    return out.stdout


def prepare_server(tmp_path: Path, *, port: int | None = None) -> RunningServer:
    port = port or free_port()
    data_dir = tmp_path / "server-data"
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LOKET_DATA_DIR": str(data_dir),
        "LOKET_PUBLIC_URL": url,
        "LOKET_DATABASE_URL": "",
        "PYTHONPATH": str(REPO),
    }
    env.pop("LOKET_DATABASE_URL")
    _run(env, "migrate")
    _run(env, "seed-demo")
    key_file = tmp_path / "kiosk.key"
    _run(env, "add-kiosk", "--name", f"test-kiosk-{port}", "--key-file", str(key_file))
    return RunningServer(
        url=url,
        data_dir=data_dir,
        kiosk_key=key_file.read_text().strip(),
        env=env,
        log_path=tmp_path / "server.log",
    )


@contextmanager
def running_server(tmp_path: Path) -> Iterator[RunningServer]:
    server = prepare_server(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
