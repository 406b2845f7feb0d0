"""`loket backup FILE` and `loket restore FILE`: database + letter archive + manifest.

The database is snapshotted consistently while the server runs (SQLite's online backup
API, or pg_dump's own transaction). Archive PDFs are immutable and stored before the row
that names them is committed, so every PDF the snapshot refers to is on disk; the backup
takes exactly those. The manifest lists each file's SHA-256 and each table's row count,
and restore checks both.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Connection, make_url

from office_server import models  # noqa: F401 - all tables on the metadata
from office_server.config import Settings
from office_server.database import Base
from office_server.letters.archive import Archive
from office_server.letters.signing import keys_dir

FORMAT_VERSION = 1
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.sql"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Indonesian."""


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _row_counts(conn: Connection) -> dict[str, int]:
    return {
        t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
        for t in Base.metadata.sorted_tables
    }


def _pdf_hashes(conn: Connection) -> list[str]:
    return sorted(conn.execute(text("SELECT pdf_sha256 FROM letters")).scalars())


def _snapshot_facts(url: str) -> tuple[dict[str, int], list[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return _row_counts(conn), _pdf_hashes(conn)
    finally:
        engine.dispose()


def _pg_dump(url: str, target: Path) -> tuple[dict[str, int], list[str]]:
    """pg_dump inside one exported snapshot; counts and hashes come from the same one."""
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts, hashes = _row_counts(conn), _pdf_hashes(conn)
            subprocess.run(
                [_pg_tool("pg_dump"), "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                 "-f", str(target), _libpq_url(url)],
                check=True, capture_output=True, timeout=600,
            )  # fmt: skip
            return counts, hashes
    finally:
        engine.dispose()


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        raise BackupError(f"Program {name} (PostgreSQL client) tidak ditemukan.")
    return str(candidates[-1])


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_backup(settings: Settings, target: Path) -> dict[str, Any]:
    url = settings.resolved_database_url
    archive = Archive(settings.archive_dir)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if url.startswith("sqlite"):
            db_file = tmp / SQLITE_NAME
            source = make_url(url).database or ""
            with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(db_file)) as dst:
                src.backup(dst)
            counts, hashes = _snapshot_facts(f"sqlite:///{db_file}")
            dialect = "sqlite"
        else:
            db_file = tmp / PG_NAME
            counts, hashes = _pg_dump(url, db_file)
            dialect = "postgresql"
        missing = [h for h in hashes if not archive.exists(h)]
        if missing:
            raise BackupError(
                f"{len(missing)} berkas PDF arsip hilang dari folder data; cadangan dibatalkan."
            )
        manifest: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "database": {
                "dialect": dialect,
                "file": db_file.name,
                "sha256": _sha256_file(db_file),
            },
            "rows": counts,
            "archive": [
                {"path": f"archive/{h[:2]}/{h}.pdf", "sha256": h} for h in sorted(set(hashes))
            ],
            # The signing key and certificate: without them a restored office signs with a
            # new key and its old letters no longer check against the village certificate.
            "keys": [
                {"path": f"keys/{p.name}", "sha256": _sha256_file(p)}
                for p in sorted(keys_dir(settings.data_dir).glob("*.pem"))
            ],
        }
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(db_file, db_file.name)
            for entry in manifest["archive"]:
                zf.write(archive.path_for(entry["sha256"]), entry["path"])
            for entry in manifest["keys"]:
                zf.write(settings.data_dir / entry["path"], entry["path"])
            zf.writestr("manifest.json", json.dumps(manifest, indent=2))
        os.replace(partial, target)
    return manifest


def restore_backup(settings: Settings, source: Path) -> dict[str, Any]:
    """Restores into an empty data folder (and, for PostgreSQL, an empty database)."""
    url = settings.resolved_database_url
    archive_dir = settings.archive_dir
    if archive_dir.exists() and any(archive_dir.rglob("*.pdf")):
        raise BackupError("Folder arsip tujuan tidak kosong. Pulihkan ke folder data yang baru.")
    try:
        zf = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"Berkas cadangan tidak dapat dibuka: {exc}") from exc
    with zf, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except (KeyError, ValueError) as exc:
            raise BackupError("Berkas cadangan tidak memuat manifest.json yang sah.") from exc
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError("Versi berkas cadangan tidak dikenal.")
        db_info = manifest["database"]
        db_file = Path(zf.extract(db_info["file"], tmp))
        if _sha256_file(db_file) != db_info["sha256"]:
            raise BackupError("Berkas basis data di dalam cadangan rusak (sidik tidak cocok).")
        for entry in [*manifest["archive"], *manifest.get("keys", [])]:
            if hashlib.sha256(zf.read(entry["path"])).hexdigest() != entry["sha256"]:
                raise BackupError(f"Berkas {entry['path']} di dalam cadangan rusak.")

        if db_info["dialect"] == "sqlite":
            if not url.startswith("sqlite"):
                raise BackupError("Cadangan SQLite hanya dapat dipulihkan ke SQLite.")
            target = Path(make_url(url).database or "")
            if target.exists() and target.stat().st_size > 0:
                raise BackupError("Basis data tujuan sudah ada. Pulihkan ke folder data yang baru.")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(db_file, target)
        else:
            if url.startswith("sqlite"):
                raise BackupError("Cadangan PostgreSQL hanya dapat dipulihkan ke PostgreSQL.")
            if any(_row_counts_if_present(url).values()):
                raise BackupError("Basis data PostgreSQL tujuan tidak kosong.")
            subprocess.run(
                [_pg_tool("psql"), "-v", "ON_ERROR_STOP=1", "--single-transaction", "-q",
                 "-f", str(db_file),
                 _libpq_url(url)],
                check=True, capture_output=True, timeout=600,
            )  # fmt: skip

        archive = Archive(archive_dir)
        for entry in manifest["archive"]:
            archive.store(zf.read(entry["path"]))
        for entry in manifest.get("keys", []):
            target_key = settings.data_dir / "keys" / Path(entry["path"]).name
            target_key.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(zf.read(entry["path"]))
        restored, _ = _snapshot_facts(url)
        if restored != manifest["rows"]:
            raise BackupError("Jumlah baris setelah pemulihan tidak sama dengan cadangan.")
    return manifest


def _row_counts_if_present(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
            return {
                t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())  # noqa: S608
                for t in tables
            }
    finally:
        engine.dispose()
