"""How far the off-site archive at the hub is, read from the hub itself (for `loket sync
status` and `loket doctor`): how many of the village's letter PDFs the `loket_pdf` bucket
lists, and when Litestream last wrote to the `loket_db` bucket.

Asked of the hub rather than of the running server, because the uploader and Litestream
live in `loket server`'s process (or `loket sync run`'s) and a separate command cannot see
them; what the hub holds is also what a restore would get.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime

import nats.errors
import nats.js.errors
from nats.js.client import JetStreamContext

from loket_protocol import subjects
from office_server import offsite_pdfs
from office_server.config import Settings
from office_server.database import Database
from office_server.restore_from_hub import sqlite_path
from office_server.sync.hub_link import HubCredentials, HubLinkError

TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class ArchiveStatus:
    pdfs_here: int
    pdfs_at_hub: int
    # None: this village's database is not Litestream's to copy (PostgreSQL, archive off).
    replicates: bool | None
    objects_of_db: int
    last_db_write: datetime | None

    @property
    def pdfs_missing(self) -> int:
        return self.pdfs_here - self.pdfs_at_hub


class ArchiveUnreadable(RuntimeError):
    """The hub did not answer, or refused the archive user; the message says which."""


async def _bucket(js: JetStreamContext, bucket: str) -> tuple[set[str], datetime | None]:
    """The names a bucket lists and when its stream last took a message (the server's
    clock: Litestream's client leaves each object's own mtime at Go's zero time)."""
    try:
        store = await js.object_store(bucket)
    except nats.js.errors.BucketNotFoundError:
        return set(), None  # nothing sent yet
    names = await offsite_pdfs.names_in(store)
    last_seq = (await store.status()).stream_info.state.last_seq
    last = None
    if last_seq:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            last = (await js.get_msg(f"OBJ_{bucket}", seq=last_seq)).time
    return names, last


async def _read(creds: HubCredentials, hashes: set[str], with_db: bool) -> ArchiveStatus:
    nc = await offsite_pdfs.connect(creds)
    try:
        js = nc.jetstream()
        pdfs, _ = await _bucket(js, subjects.ARCHIVE_PDF_BUCKET)
        db_objects, last = (
            await _bucket(js, subjects.ARCHIVE_DB_BUCKET) if with_db else (set(), None)
        )
    finally:
        await nc.close()
    return ArchiveStatus(
        pdfs_here=len(hashes),
        pdfs_at_hub=len(hashes & pdfs),
        replicates=(bool(db_objects) if with_db else None),
        objects_of_db=len(db_objects),
        last_db_write=last,
    )


def read(settings: Settings, db: Database) -> ArchiveStatus:
    """The archive as the hub holds it; ArchiveUnreadable when the hub cannot tell."""
    assert settings.hub_credentials is not None
    try:
        creds = HubCredentials.load(settings.hub_credentials, url=settings.hub_url)
    except HubLinkError as exc:
        raise ArchiveUnreadable("berkas kredensial tidak dapat dibaca") from exc
    hashes, _ = offsite_pdfs.letter_hashes(db)
    with_db = sqlite_path(settings) is not None

    async def bounded() -> ArchiveStatus:
        return await asyncio.wait_for(_read(creds, hashes, with_db), TIMEOUT_SECONDS)

    try:
        return asyncio.run(bounded())
    except (OSError, TimeoutError, nats.errors.Error) as exc:
        raise ArchiveUnreadable(f"hub tidak menjawab ({type(exc).__name__})") from exc


def age_words(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "belum pernah"
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 120:
        return f"{seconds} detik lalu"
    if seconds < 7200:
        return f"{seconds // 60} menit lalu"
    return f"{seconds // 3600} jam lalu"
