"""The off-site archive at the hub, end to end with the real parts: nats-server (TLS,
JetStream encrypted at rest), the real Litestream binary, `loket sync run` and
`loket restore-from-hub` as the village runs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
from collections.abc import Coroutine
from contextlib import closing
from pathlib import Path
from typing import Any

import nats
import nats.errors
import nats.js.errors
import pytest

from loket_protocol import subjects
from office_server import offsite_pdfs
from office_server.database import Database
from office_server.letters import service as letters_service
from office_server.letters.archive import Archive
from office_server.requests.models import LetterRequest
from office_server.sync.hub_link import HubCredentials
from regency_hub import streams
from tests.server.helpers import approved_requests, operator
from tests.support.waiting import HANG_GUARD, wait_until
from tests.sync.conftest import make_village
from tests.sync.harness import BIN, Hub, run_async, start_relay, village_env
from tests.sync.test_transport import hub_settings

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

LETTERS = 3


def issue_letters(db: Database, count: int) -> list[str]:
    """`count` letters signed, each with its PDF in the archive; their hashes."""
    ids = approved_requests(db, count)
    hashes = []
    for request_id in ids:
        with db.unit_of_work() as session:
            request = session.get(LetterRequest, request_id)
            assert request is not None
            letter = letters_service.sign(
                session, request, signer=operator(session, "kades"), settings=db.settings
            )
            hashes.append(letter.pdf_sha256)
    return hashes


def row_counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
        tables = [
            n
            for (n,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608
            for t in tables
        }


async def bucket_names(
    creds: HubCredentials, bucket: str = subjects.ARCHIVE_PDF_BUCKET
) -> set[str]:
    nc = await offsite_pdfs.connect(creds)
    try:
        try:
            store = await nc.jetstream().object_store(bucket)
        except nats.js.errors.BucketNotFoundError:
            return set()
        return await offsite_pdfs.names_in(store)
    finally:
        await nc.close()


def database_at_hub(creds: HubCredentials) -> bool:
    """Litestream has shipped at least its first snapshot."""
    return bool(run_async(lambda: bucket_names(creds, subjects.ARCHIVE_DB_BUCKET)))


def restore_from_hub(data_dir: Path, credentials: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "loket"), "restore-from-hub"],
        env=village_env(data_dir, credentials),
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_village_lost_to_fire_comes_back_from_the_hub(
    hub: Hub, sqlite_template: Path, tmp_path: Path
) -> None:
    kode = "36.04.01.2101"
    credentials = hub.add_village(kode, "Desa Tahan Api")
    creds = HubCredentials.load(credentials)
    folder = tmp_path / "village"
    settings, db = make_village(sqlite_template, folder)
    hashes = issue_letters(db, LETTERS)
    relay = start_relay(folder, credentials)
    wait_until(lambda: run_async(lambda: bucket_names(creds)) >= set(hashes), "the PDFs at the hub")
    # Written while replicating: Litestream ships it within its second.
    hashes += issue_letters(db, 1)
    wait_until(
        lambda: run_async(lambda: bucket_names(creds)) >= set(hashes), "the last PDF at the hub"
    )
    wait_until(lambda: database_at_hub(creds), "Litestream's first write at the hub")
    _status_shows_the_archive(folder, credentials, pdfs=len(hashes))
    db.dispose()
    before = row_counts(folder / "loket.sqlite3")
    pdfs = {h: Archive(settings.archive_dir).read(h) for h in hashes}
    relay.send_signal(signal.SIGTERM)  # Litestream's last sync, as at a clean shutdown
    assert relay.wait(timeout=120) == 0, (folder / "relay.log").read_text()
    assert "uploaded 4" in (folder / "relay.log").read_text()

    shutil.rmtree(folder)  # the fire
    done = restore_from_hub(folder, credentials)

    assert done.returncode == 0, done.stderr
    assert "4 PDF" in done.stdout
    assert row_counts(folder / "loket.sqlite3") == before
    assert before["letters"] == LETTERS + 1
    restored = Archive(folder / "archive")
    for sha, data in pdfs.items():
        assert restored.read(sha) == data  # read() checks the hash too
    assert (folder / "loket.sqlite3").stat().st_mode & 0o077 == 0

    # A folder with anything in it is refused, in both languages, and left as it was.
    again = restore_from_hub(folder, credentials)
    assert again.returncode == 1
    assert "tidak kosong" in again.stderr and "not empty" in again.stderr
    assert row_counts(folder / "loket.sqlite3") == before


def _status_shows_the_archive(folder: Path, credentials: Path, *, pdfs: int) -> None:
    """`loket sync status` and `loket doctor` read the archive back from the hub."""
    env = village_env(folder, credentials)
    status = subprocess.run(
        [str(BIN / "loket"), "sync", "status"], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert f"Off-site PDFs:       {pdfs} of {pdfs} at the hub" in status, status
    assert "Off-site database:   Litestream replica" in status, status
    assert re.search(r"last written \d+ detik lalu", status), status
    doctor = subprocess.run(
        [str(BIN / "loket"), "doctor"], env=env, capture_output=True, text=True, check=False
    ).stdout
    (line,) = [x for x in doctor.splitlines() if "Arsip di hub" in x]
    assert line.startswith("[OK"), doctor
    assert f"{pdfs} dari {pdfs} PDF surat ada di hub" in line
    assert "salinan basis data (Litestream) terakhir ditulis" in line
    assert re.search(r"terakhir ditulis \d+ detik lalu", line), line


def test_a_restore_missing_a_pdf_at_the_hub_writes_nothing(
    hub: Hub, sqlite_template: Path, tmp_path: Path
) -> None:
    """A database at the hub whose letter has no PDF there: refused, folder untouched."""
    kode = "36.04.01.2102"
    credentials = hub.add_village(kode, "Desa Setengah")
    creds = HubCredentials.load(credentials)
    folder = tmp_path / "village"
    _settings, db = make_village(sqlite_template, folder)
    (sha,) = issue_letters(db, 1)
    db.dispose()
    relay = start_relay(folder, credentials)
    wait_until(lambda: sha in run_async(lambda: bucket_names(creds)), "the PDF at the hub")
    wait_until(lambda: database_at_hub(creds), "the database at the hub")
    relay.send_signal(signal.SIGTERM)
    relay.wait(timeout=120)

    async def delete() -> None:
        nc = await offsite_pdfs.connect(creds)
        try:
            await (await offsite_pdfs.open_bucket(nc, create=False)).delete(sha)
        finally:
            await nc.close()

    run_async(delete)
    shutil.rmtree(folder)
    done = restore_from_hub(folder, credentials)
    assert done.returncode == 1
    assert "tidak ada di hub" in done.stderr, done.stderr
    assert not folder.exists()
    assert not list(tmp_path.glob(".village.dari-hub-*"))


def test_one_village_cannot_read_or_write_another_villages_archive(
    hub: Hub, sqlite_template: Path, tmp_path: Path
) -> None:
    mine, theirs = "36.04.01.2103", "36.04.01.2104"
    creds_a = HubCredentials.load(hub.add_village(mine, "Desa A"))
    creds_b = HubCredentials.load(hub.add_village(theirs, "Desa B"))
    secret = b"%PDF-1.7 surat desa A"
    sha = hashlib.sha256(secret).hexdigest()

    async def scenario() -> dict[str, object]:
        outcome: dict[str, object] = {}
        nc_a = await offsite_pdfs.connect(creds_a)
        store_a = await offsite_pdfs.open_bucket(nc_a, create=True)
        await store_a.put(sha, secret)
        stream_a = f"OBJ_{subjects.ARCHIVE_PDF_BUCKET}"
        before = (await nc_a.jetstream().stream_info(stream_a)).state.messages

        # B's archive user: the same bucket name in its own account, never A's.
        nc_b = await offsite_pdfs.connect(creds_b)
        store_b = await offsite_pdfs.open_bucket(nc_b, create=True)
        try:
            await store_b.get(sha)
            outcome["b_reads_a"] = "read"
        except nats.js.errors.ObjectNotFoundError:
            outcome["b_reads_a"] = "not found"
        await store_b.put(sha, b"%PDF forged by B")  # lands in B's own bucket
        await nc_b.publish(f"$O.{subjects.ARCHIVE_PDF_BUCKET}.C.forged", b"junk")
        await nc_b.flush()
        await nc_b.close()

        # B's event user (the shared account): no archive there at all.
        nc_ev = await nats.connect(**creds_b.connect_options())
        try:
            await nc_ev.jetstream().object_store(subjects.ARCHIVE_PDF_BUCKET)
            outcome["b_events_user"] = "opened"
        except (nats.js.errors.Error, nats.errors.Error) as exc:
            outcome["b_events_user"] = type(exc).__name__
        await nc_ev.close()

        # B's password with A's archive user name: refused at login.
        forged = creds_b.archive_connect_options() | {"user": creds_a.archive_user}
        try:
            await (await nats.connect(**forged)).close()
            outcome["b_as_a"] = "connected"
        except nats.errors.Error as exc:
            outcome["b_as_a"] = type(exc).__name__

        outcome["a_before"] = before
        outcome["a_after"] = (await nc_a.jetstream().stream_info(stream_a)).state.messages
        outcome["a_content"] = (await store_a.get(sha)).data
        await nc_a.close()

        # The hub's own user does not see into a village's archive either.
        nc_hub = await streams.connect(hub_settings(hub))
        try:
            await nc_hub.jetstream().object_store(subjects.ARCHIVE_PDF_BUCKET)
            outcome["hub_user"] = "opened"
        except (nats.js.errors.Error, nats.errors.Error) as exc:
            outcome["hub_user"] = type(exc).__name__
        await nc_hub.close()
        return outcome

    outcome = run_async(scenario)
    assert outcome["b_reads_a"] == "not found"
    assert outcome["b_events_user"] != "opened"
    assert outcome["hub_user"] != "opened"
    assert outcome["b_as_a"] != "connected"
    assert outcome["a_before"] == outcome["a_after"]
    assert outcome["a_content"] == secret


class CuttableLink:
    """A TCP relay to the hub whose first connection dies after `cut_after` bytes from
    the village: a link lost in the middle of an upload, then back."""

    def __init__(self, target: tuple[str, int], cut_after: int) -> None:
        self.target = target
        self.cut_after = cut_after
        self.cuts = 0
        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(self.target)
            budget = self.cut_after if self.connections == 1 else None
            threading.Thread(
                target=self._pipe, args=(client, upstream, budget), daemon=True
            ).start()
            threading.Thread(target=self._pipe, args=(upstream, client, None), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, budget: int | None) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                if budget is not None:
                    budget -= len(data)
                    if budget < 0:
                        self.cuts += 1
                        break
                dst.sendall(data)
        for each in (src, dst):
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
            each.close()

    def close(self) -> None:
        self._server.close()


def test_an_upload_cut_mid_pdf_resumes_and_sends_each_pdf_whole(
    hub: Hub, sqlite_template: Path, tmp_path: Path
) -> None:
    kode = "36.04.01.2105"
    creds = HubCredentials.load(hub.add_village(kode, "Desa Sinyal Lemah"))
    settings, db = make_village(sqlite_template, tmp_path / "village")
    hashes = issue_letters(db, LETTERS)
    archive = Archive(settings.archive_dir)
    total = sum(len(archive.read(h)) for h in hashes)
    link = CuttableLink(("127.0.0.1", hub.nats_port), cut_after=total // 2)
    via_link = HubCredentials(
        kode_desa=creds.kode_desa,
        user=creds.user,
        password=creds.password,
        url=f"tls://127.0.0.1:{link.port}",
        ca_pem=creds.ca_pem,
    )
    uploader = offsite_pdfs.PdfUploader(db, via_link, archive, retry_max_seconds=0.5)

    async def run_until_all_there() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(uploader.run(stop))
        while not set(hashes) <= await bucket_names(creds):
            await asyncio.sleep(0.1)  # polling a state, bounded by the hang guard below
        stop.set()
        await task

    try:
        run_async(lambda: _within_guard(run_until_all_there()))
    finally:
        link.close()
        db.dispose()

    assert link.cuts == 1
    assert uploader.counts.rounds_failed >= 1
    assert uploader.counts.connected >= 2
    assert uploader.counts.uploaded <= LETTERS  # nothing sent twice after it was named

    async def fetch_all() -> dict[str, bytes]:
        nc = await offsite_pdfs.connect(creds)
        try:
            store = await offsite_pdfs.open_bucket(nc, create=False)
            return {h: (await store.get(h)).data or b"" for h in hashes}
        finally:
            await nc.close()

    for sha, data in run_async(fetch_all).items():
        assert hashlib.sha256(data).hexdigest() == sha


async def _within_guard(coro: Coroutine[Any, Any, None]) -> None:
    await asyncio.wait_for(coro, timeout=HANG_GUARD)


def test_a_pdf_missing_on_the_village_disk_holds_up_no_other(
    hub: Hub, sqlite_template: Path, tmp_path: Path
) -> None:
    creds = HubCredentials.load(hub.add_village("36.04.01.2106", "Desa Disk Rusak"))
    settings, db = make_village(sqlite_template, tmp_path / "village")
    first, *others = issue_letters(db, LETTERS)
    archive = Archive(settings.archive_dir)
    archive.path_for(first).unlink()
    uploader = offsite_pdfs.PdfUploader(db, creds, archive, retry_max_seconds=0.5)

    async def run_until_others_there() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(uploader.run(stop))
        while not set(others) <= await bucket_names(creds):
            await asyncio.sleep(0.1)  # polling a state, bounded by the hang guard below
        stop.set()
        await task

    try:
        run_async(lambda: _within_guard(run_until_others_there()))
    finally:
        db.dispose()
    assert uploader.counts.unreadable == 1
    assert uploader.counts.uploaded == LETTERS - 1
    assert uploader.counts.rounds_failed == 0
    assert first not in run_async(lambda: bucket_names(creds))


def test_litestream_dies_with_a_killed_village_process(
    hub: Hub, sqlite_template: Path, tmp_path: Path
) -> None:
    """A server killed outright leaves no Litestream behind to race the next one."""
    credentials = hub.add_village("36.04.01.2107", "Desa Mati Lampu")
    creds = HubCredentials.load(credentials)
    folder = tmp_path / "village"
    _settings, db = make_village(sqlite_template, folder)
    db.dispose()
    relay = start_relay(folder, credentials)
    wait_until(lambda: database_at_hub(creds), "the database at the hub")
    (litestream,) = [
        int(p.parent.name)
        for p in Path("/proc").glob("[0-9]*/stat")
        if _ppid(p) == relay.pid and b"litestream" in _cmdline(p.parent)
    ]
    relay.kill()
    relay.wait()
    wait_until(lambda: not Path(f"/proc/{litestream}").exists() or _zombie(litestream),
               "Litestream to end with its parent")  # fmt: skip


def _ppid(stat: Path) -> int:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True
