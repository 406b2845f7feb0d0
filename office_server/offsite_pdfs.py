"""The letter PDFs' off-site copy: the NATS object store at the hub, one object per PDF.

Each PDF goes to the `loket_pdf` bucket in the village's own account, named by its
SHA-256 (the archive's own name for it), so an upload is idempotent: a name the bucket
already lists is never sent again. The object store writes an object's chunks first and
its name last, so a link that dies mid-upload leaves no name, and the next round (after a
reconnect) sends that PDF again: resumable per PDF. Such a dead upload leaves its chunks
behind, unnamed (about one PDF each time the link breaks mid-upload).

Which PDFs: every `letters.pdf_sha256`, read from the database (a PDF on disk whose row
was rolled back is no letter). The loop runs beside the relay (`loket sync run`, or a
thread of `loket server`), with its own connection as the archive user.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
from dataclasses import dataclass, field

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js.object_store import ObjectStore
from sqlalchemy import select

from loket_protocol import subjects
from office_server.config import Settings
from office_server.database import Database
from office_server.letters.archive import Archive
from office_server.letters.models import Letter
from office_server.sync import looping
from office_server.sync.hub_link import HubCredentials

IDLE_SECONDS = 2.0
CLOSE_TIMEOUT_SECONDS = 5.0
LINK_ERRORS = looping.LINK_ERRORS
log = logging.getLogger("loket.offsite")


@dataclass
class UploadCounts:
    uploaded: int = 0
    unreadable: int = 0
    rounds_failed: int = 0
    connected: int = 0
    errors: dict[str, int] = field(default_factory=dict)


async def _quiet(_error: Exception) -> None:
    return None


async def connect(creds: HubCredentials) -> Client:
    return await nats.connect(error_cb=_quiet, **creds.archive_connect_options())


async def open_bucket(nc: Client, *, create: bool) -> ObjectStore:
    js = nc.jetstream()
    try:
        return await js.object_store(subjects.ARCHIVE_PDF_BUCKET)
    except nats.js.errors.BucketNotFoundError:
        if not create:
            raise
        return await js.create_object_store(subjects.ARCHIVE_PDF_BUCKET)


async def names_in(store: ObjectStore) -> set[str]:
    try:
        return {info.name for info in await store.list(ignore_deletes=True) if info.name}
    except nats.js.errors.NotFoundError:  # an empty bucket
        return set()


def letter_hashes(db: Database, *, after_id: int = 0) -> tuple[set[str], int]:
    """The PDF hashes of letters with an id above `after_id`, and the highest id seen
    (letters are only ever added, so a round reads only what is new)."""
    with db.unit_of_work(write=False) as session:
        rows = session.execute(
            select(Letter.id, Letter.pdf_sha256).where(Letter.id > after_id)
        ).all()
    return {sha for _, sha in rows}, max((i for i, _ in rows), default=after_id)


class PdfUploader:
    def __init__(
        self,
        db: Database,
        creds: HubCredentials,
        archive: Archive,
        *,
        retry_max_seconds: float = 30.0,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.db = db
        self.creds = creds
        self.archive = archive
        self.retry_max_seconds = retry_max_seconds
        self.idle_seconds = idle_seconds
        self.counts = UploadCounts()
        self._last_id = 0

    @classmethod
    def from_settings(cls, db: Database, settings: Settings) -> PdfUploader:
        assert settings.hub_credentials is not None
        creds = HubCredentials.load(settings.hub_credentials, url=settings.hub_url)
        return cls(
            db,
            creds,
            Archive(settings.archive_dir),
            retry_max_seconds=settings.sync_retry_max_seconds,
        )

    async def upload_missing(self, store: ObjectStore, known: set[str], waiting: set[str]) -> int:
        """One round: the new letters' PDFs, and any still waiting, that the bucket does not
        list yet, one at a time (a village link is narrow; a PDF is ~100 KB)."""
        new, self._last_id = letter_hashes(self.db, after_id=self._last_id)
        waiting |= new - known
        sent = 0
        for sha in sorted(waiting):
            try:
                data = self.archive.read(sha)  # checks the hash: a damaged file never leaves
            except OSError:
                # Missing or damaged on this disk (`loket doctor` reports it); the others
                # go on, and this one is tried again on the next connection.
                self.counts.unreadable += 1
                log.warning("off-site archive: PDF %s... unreadable here; skipped", sha[:12])
                waiting.discard(sha)
                continue
            await store.put(sha, data)
            known.add(sha)
            waiting.discard(sha)
            sent += 1
            self.counts.uploaded += 1
        return sent

    async def _session(self, stop: asyncio.Event) -> None:
        nc = await connect(self.creds)
        self.counts.connected += 1
        try:
            store = await open_bucket(nc, create=True)
            known = await names_in(store)
            self._last_id = 0  # each connection compares every letter with the bucket once
            waiting: set[str] = set()
            while not stop.is_set():
                if nc.is_closed:
                    raise nats.errors.ConnectionClosedError
                await self.upload_missing(store, known, waiting)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.idle_seconds)
        finally:
            with contextlib.suppress(*LINK_ERRORS, asyncio.TimeoutError):
                await asyncio.wait_for(nc.close(), timeout=CLOSE_TIMEOUT_SECONDS)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: connect and upload; after a failure wait (doubling, capped)."""
        await looping.keep_linked(
            self._session,
            stop,
            retry_max_seconds=self.retry_max_seconds,
            failed=self._failed,
            what="off-site archive",
        )

    def _failed(self, exc: BaseException) -> None:
        name = type(exc).__name__
        self.counts.rounds_failed += 1
        self.counts.errors[name] = self.counts.errors.get(name, 0) + 1


def start_in_thread(db: Database, settings: Settings) -> threading.Event:
    """The uploader in a daemon thread with its own event loop; set the event to stop it."""
    return looping.start_in_thread("offsite-pdfs", PdfUploader.from_settings(db, settings).run)


async def download_checked(creds: HubCredentials, hashes: set[str], archive: Archive) -> int:
    """Every PDF named in `hashes` from the hub into `archive`, each checked against its
    name; returns how many. Raises OffsitePdfMissing for the first one the hub lacks."""
    nc = await connect(creds)
    try:
        store = await open_bucket(nc, create=False)
        for sha in sorted(hashes):
            try:
                result = await store.get(sha)
            except nats.js.errors.ObjectNotFoundError as exc:
                raise OffsitePdfMissing(sha) from exc
            data = result.data or b""
            if hashlib.sha256(data).hexdigest() != sha:
                raise OffsitePdfDamaged(sha)
            archive.store(data)
        return len(hashes)
    finally:
        with contextlib.suppress(*LINK_ERRORS, asyncio.TimeoutError):
            await asyncio.wait_for(nc.close(), timeout=CLOSE_TIMEOUT_SECONDS)


class OffsitePdfMissing(Exception):
    """A letter's PDF is not at the hub."""


class OffsitePdfDamaged(Exception):
    """A PDF at the hub does not hash to its name."""
