"""`loket restore-from-hub`: an empty village data folder rebuilt from the regency hub.

The database comes back with `litestream restore` (offsite_db), the letter PDFs from the
village's object-store bucket (offsite_pdfs). Like `loket restore`, nothing is written in
place: all of it lands in a folder beside the data folder and is checked there (SQLite's
integrity check; every letter's PDF present, its SHA-256 equal to the one the letters
table names), then the folder takes the data folder's place in one rename.

It refuses a data folder that holds any file, and a PostgreSQL village (whose database
is not replicated by Litestream; it restores with `loket restore` from its nightly backup
and PostgreSQL's own tools). The signing keys and the keys sealed requests are opened with
are not at the hub (a private key does not leave the village): a rebuilt office gets them
back from a `loket backup` file (keys/ and keys/sealed-requests/), or signs with a new key
and makes a new sealing key at its first start; requests residents sealed to the lost key
are then refused back to them, to be filled in again.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from office_server import offsite_db, offsite_pdfs
from office_server.config import Settings
from office_server.letters.archive import Archive, private_dir
from office_server.sync.hub_link import HubCredentials

_STAGED_DB = "loket.sqlite3.dari-hub"


class RestoreRefused(Exception):
    """Why the rebuild did not happen (Indonesian / English); nothing was written."""


@dataclass(frozen=True)
class Restored:
    rows: dict[str, int]
    pdfs: int


def sqlite_path(settings: Settings) -> Path | None:
    """The village's SQLite file (the path Litestream replicates), or None for PostgreSQL."""
    url = settings.resolved_database_url
    if not url.startswith("sqlite"):
        return None
    return Path(make_url(url).database or "").resolve()


def restore_from_hub(settings: Settings) -> Restored:
    if settings.hub_credentials is None:
        raise RestoreRefused(
            "Hub kabupaten belum diatur: isi LOKET_HUB_CREDENTIALS dengan berkas kredensial "
            "desa. / No hub configured: set LOKET_HUB_CREDENTIALS."
        )
    creds = HubCredentials.load(settings.hub_credentials, url=settings.hub_url)
    target = sqlite_path(settings)
    if target is None:
        raise RestoreRefused(
            "Desa dengan PostgreSQL tidak memulihkan basis data dari hub; gunakan "
            "`loket restore` dengan cadangan malam. / A PostgreSQL village restores its "
            "database with `loket restore` from its nightly backup."
        )
    data_dir = settings.data_dir.resolve()
    _refuse_non_empty(data_dir, target)
    private_dir(data_dir.parent)
    staging = Path(tempfile.mkdtemp(dir=data_dir.parent, prefix=f".{data_dir.name}.dari-hub-"))
    try:
        staged_db = staging / _STAGED_DB
        offsite_db.restore(target, creds, output=staged_db)
        os.chmod(staged_db, 0o600)
        rows, hashes = _check_database(staged_db)
        try:
            pdfs = asyncio.run(
                offsite_pdfs.download_checked(creds, hashes, Archive(staging / "archive"))
            )
        except offsite_pdfs.OffsitePdfMissing as exc:
            raise RestoreRefused(
                f"PDF surat {str(exc)[:12]}... tidak ada di hub; tidak ada yang dipulihkan. "
                "/ A letter's PDF is missing at the hub; nothing was restored."
            ) from exc
        except offsite_pdfs.OffsitePdfDamaged as exc:
            raise RestoreRefused(
                f"PDF surat {str(exc)[:12]}... di hub rusak (sidik tidak cocok); tidak ada "
                "yang dipulihkan. / A PDF at the hub does not match its hash; nothing was "
                "restored."
            ) from exc
        _move_in(staging, data_dir, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Restored(rows=rows, pdfs=pdfs)


def _refuse_non_empty(data_dir: Path, target: Path) -> None:
    if data_dir.exists() and any(p.is_file() for p in data_dir.rglob("*")):
        raise RestoreRefused(
            f"Folder data {data_dir} tidak kosong; pulihkan ke folder data yang kosong. "
            f"/ The data folder {data_dir} is not empty; restore into an empty one."
        )
    if target.exists():
        raise RestoreRefused(
            f"Basis data {target} sudah ada; pulihkan ke folder data yang kosong. "
            f"/ The database {target} already exists."
        )


def _check_database(path: Path) -> tuple[dict[str, int], set[str]]:
    """Row counts and the letters' PDF hashes of the restored file, after SQLite's own
    integrity check (read-only: the file gains no -wal or -shm)."""
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise RestoreRefused(
                    "Basis data dari hub rusak (integrity_check); tidak ada yang dipulihkan. "
                    "/ The database from the hub fails SQLite's integrity check."
                )
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            rows = {
                t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # noqa: S608
                for t in tables
            }
            hashes = {h for (h,) in conn.execute("SELECT pdf_sha256 FROM letters")}
    except sqlite3.Error as exc:
        raise RestoreRefused(
            "Basis data dari hub tidak dapat dibaca. / The database from the hub is unreadable."
        ) from exc
    return rows, hashes


def _move_in(staging: Path, data_dir: Path, target: Path) -> None:
    """Every check passed: the database takes its place, then the folder the data
    folder's (an empty data folder is removed first; it held no file)."""
    staged_db = staging / _STAGED_DB
    if target.is_relative_to(data_dir):
        placed = staging / target.relative_to(data_dir)
        private_dir(placed.parent)
        os.replace(staged_db, placed)
    else:
        private_dir(target.parent)
        shutil.move(staged_db, target)
    if data_dir.exists():
        shutil.rmtree(data_dir)  # checked above: folders only, no file
    staging.rename(data_dir)
