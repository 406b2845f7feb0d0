"""A real regency hub (`loket hub serve`: nats-server + ingest, PostgreSQL) and real
village relays (`loket sync run`) as subprocesses, for the sync tests and benchmarks."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, text

from tests.support import databases
from tests.support.waiting import wait_until

T = TypeVar("T")

BIN = Path(sys.executable).parent


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """A coroutine on an event loop in a thread of its own: the browser tests' Playwright
    keeps a loop running in the main thread for the whole session."""

    def run() -> T:
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(make())
        finally:
            # What the coroutine left (a TLS stream nats-py could not close cleanly) is
            # collected while its loop is open, not later in another test's warnings.
            gc.collect()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


# Every relay a test started; the sync conftest stops those still running after each test,
# so a failing test leaves no relay behind.
RELAYS: list[subprocess.Popen[bytes]] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_db(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name


@dataclass
class Hub:
    """One hub: its PostgreSQL database, its data folder and, while running, its process."""

    admin_url: str
    folder: Path
    duplicate_window: float = 120.0
    nats_host: str = "127.0.0.1"
    public_host: str = "127.0.0.1"
    tls_names: str = "localhost,127.0.0.1"
    # More LOKET_REGENCY_* settings (the web's TLS certificate, rate limits, ...).
    extra_env: dict[str, str] = field(default_factory=dict)
    # The CA that signed the web's certificate, when it speaks HTTPS.
    web_ca: Path | None = None
    name: str = field(default_factory=lambda: f"hub_{os.getpid()}_{uuid.uuid4().hex[:8]}")
    nats_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return _with_db(self.admin_url, self.name)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "LOKET_REGENCY_DATABASE_URL": self.url,
            "LOKET_REGENCY_DATA_DIR": str(self.folder),
            "LOKET_REGENCY_NATS_HOST": self.nats_host,
            "LOKET_REGENCY_NATS_PORT": str(self.nats_port),
            "LOKET_REGENCY_HTTP_PORT": str(self.http_port),
            "LOKET_REGENCY_PUBLIC_NATS_URL": f"tls://{self.public_host}:{self.nats_port}",
            "LOKET_REGENCY_TLS_NAMES": self.tls_names,
            "LOKET_REGENCY_DUPLICATE_WINDOW_SECONDS": str(self.duplicate_window),
            **self.extra_env,
        }

    def hub_cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(BIN / "loket"), "hub", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"loket hub {args[0]} failed: {done.stderr[-2000:]}")
        return done

    def create(self) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {self.name}"))
        engine.dispose()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.hub_cli("migrate")

    def drop(self) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"))
        engine.dispose()

    def add_village(self, kode_desa: str, name: str) -> Path:
        out = self.folder.parent / f"credentials-{kode_desa}.json"
        self.hub_cli("add-village", "--kode-desa", kode_desa, "--name", name, "--out", str(out))
        return out

    def start(self) -> None:
        with open(self.folder / "serve.log", "ab") as log:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                [str(BIN / "loket"), "hub", "serve"], env=self.env(), stdout=log, stderr=log
            )
        wait_until(self._healthy, "the hub to answer /healthz")

    def _healthy(self) -> dict[str, Any] | None:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"the hub exited: {(self.folder / 'serve.log').read_text()}")
        try:
            return self.health()
        except OSError:
            return None

    @property
    def web_url(self) -> str:
        scheme = "https" if self.web_ca else "http"
        return f"{scheme}://127.0.0.1:{self.http_port}"

    def health(self) -> dict[str, Any]:
        import ssl
        import urllib.request

        context = ssl.create_default_context(cafile=str(self.web_ca)) if self.web_ca else None
        with urllib.request.urlopen(f"{self.web_url}/healthz", context=context) as answer:
            return dict(json.load(answer))

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)
            self.proc = None

    def scalar(self, sql: str, **params: Any) -> Any:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).scalar()
        finally:
            engine.dispose()

    def logs(self) -> bytes:
        found = b""
        for path in self.folder.rglob("*.log"):
            found += path.read_bytes()
        return found


@contextmanager
def running_hub(folder: Path, **options: Any) -> Iterator[Hub]:
    admin = databases.postgres_admin_url()
    assert admin, "PostgreSQL is not running (make services)"
    hub = Hub(admin_url=admin, folder=folder, **options)
    hub.create()
    try:
        yield hub
    finally:
        hub.stop()
        hub.drop()


def village_env(data_dir: Path, credentials: Path, *, url: str | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "LOKET_DATA_DIR": str(data_dir),
        "LOKET_HUB_CREDENTIALS": str(credentials),
        "LOKET_SYNC_RETRY_MAX_SECONDS": "0.5",
    }
    env.pop("LOKET_DATABASE_URL", None)
    if url:
        env["LOKET_HUB_URL"] = url
    return env


def start_relay(
    data_dir: Path, credentials: Path, *, batch: int = 200, url: str | None = None
) -> subprocess.Popen[bytes]:
    env = village_env(data_dir, credentials, url=url)
    env["LOKET_SYNC_BATCH"] = str(batch)
    with open(data_dir / "relay.log", "ab") as log:  # the child keeps its own copy
        relay = subprocess.Popen(
            [str(BIN / "loket"), "sync", "run"], env=env, stdout=log, stderr=log
        )
    RELAYS.append(relay)
    return relay


def stop_relays() -> None:
    while RELAYS:
        relay = RELAYS.pop()
        if relay.poll() is None:
            relay.kill()
        relay.wait(timeout=60)
