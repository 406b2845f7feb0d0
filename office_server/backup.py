"""`loket backup FILE` and `loket restore FILE`: database + letter archive + manifest.

The database is snapshotted consistently while the server runs (SQLite's online backup
API, or pg_dump's own transaction). Archive PDFs are immutable and stored before the row
that names them is committed, so every PDF the snapshot refers to is on disk; the backup
takes exactly those. The manifest lists each file's SHA-256 and each table's row count,
and restore checks both.

One file past 450 lines on purpose: writing and restoring are two halves of one format
(the manifest, the entry bounds, the checks), and each half is only right against the
other.

Restore takes a backup file as untrusted: the manifest is checked field by field, every
entry is bounded (its size, its compression ratio, the free disk) and streamed, never
read whole, and everything is unpacked and checked beside the data folder before any of
it is moved in. The backup file and what restore writes are 600, their folders 700.

One file past 400 lines on purpose: backup and restore are one format, read by the one
that wrote it; split, the manifest's fields would be defined in one file and trusted in
another.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
import zlib
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from office_server import models  # noqa: F401 - all tables on the metadata
from office_server.config import Settings
from office_server.database import Base
from office_server.letters.archive import Archive, private_dir
from office_server.letters.signing import keys_dir
from office_server.sync import sealed_keys

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


def _key_files(data_dir: Path) -> list[Path]:
    """The signing key and certificate, and every key of sealed requests (an old one still
    opens a request sealed before a rotation)."""
    folder = keys_dir(data_dir)
    return sorted(folder.glob("*.pem")) + sorted((data_dir / sealed_keys.FOLDER).glob("*.pem"))


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
                {"path": p.relative_to(settings.data_dir).as_posix(), "sha256": _sha256_file(p)}
                for p in _key_files(settings.data_dir)
            ],
        }
        # It holds every NIK and the signing key: 600, whatever the umask.
        private_dir(target.parent)
        partial = target.with_name(target.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # a .partial left by an interrupted run keeps its old mode
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(db_file, db_file.name)
            for entry in manifest["archive"]:
                zf.write(archive.path_for(entry["sha256"]), entry["path"])
            for entry in manifest["keys"]:
                zf.write(settings.data_dir / entry["path"], entry["path"])
            zf.writestr("manifest.json", json.dumps(manifest, indent=2))
        os.replace(partial, target)
    return manifest


# What a backup file may make restore read or write. A backup comes from a USB stick or a
# download: its manifest and its sizes are claims, checked before anything is written.
MAX_MANIFEST_BYTES = 32 * 2**20  # about 200,000 letters
MAX_DATABASE_BYTES = 4 * 2**30
MAX_PDF_BYTES = 16 * 2**20  # a letter is ~100 KB
MAX_KEY_BYTES = 64 * 2**10
# Deflate packs at most ~1000:1; a database, a PDF or a key packs well under 100:1.
MAX_RATIO = 100
RATIO_FROM_BYTES = 2**20
DISK_MARGIN_BYTES = 64 * 2**20
_CHUNK = 2**20
_SHA256 = re.compile(r"[0-9a-f]{64}")
# The signing key and certificate, and the keys sealed requests are opened with.
_KEY_PATH = re.compile(r"keys/(?:sealed-requests/)?[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.pem")
_TABLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_STAGED_SQLITE = "loket.sqlite3.pulih"


def restore_backup(settings: Settings, source: Path) -> dict[str, Any]:
    """Restores into an empty data folder (and, for PostgreSQL, an empty database).

    Everything is unpacked into a folder next to the data folder and checked there (every
    size, hash and row count); only then is it moved in. A refused restore leaves nothing
    behind, so it can simply be tried again.
    """
    try:
        return _restore(settings, source)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise BackupError(f"Pemulihan gagal: {exc.strerror or exc}{where}.") from exc
    except SQLAlchemyError as exc:
        # Only the type: a database error can quote a row (with its NIK).
        raise BackupError(f"Basis data tujuan tidak dapat dibuka ({type(exc).__name__}).") from exc


def _restore(settings: Settings, source: Path) -> dict[str, Any]:
    url = settings.resolved_database_url
    sqlite_target = _sqlite_target(url)
    _refuse_existing_data(settings, url, sqlite_target)
    try:
        zf = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise BackupError(f"Berkas cadangan tidak dapat dibuka: {exc}") from exc
    with zf:
        manifest = _read_manifest(zf)
        db_info = manifest["database"]
        if (db_info["dialect"] == "sqlite") != (sqlite_target is not None):
            raise BackupError(
                "Cadangan SQLite hanya dapat dipulihkan ke SQLite."
                if db_info["dialect"] == "sqlite"
                else "Cadangan PostgreSQL hanya dapat dipulihkan ke PostgreSQL."
            )
        wanted = [
            (db_info["file"], db_info["sha256"], MAX_DATABASE_BYTES),
            *((e["path"], e["sha256"], MAX_PDF_BYTES) for e in manifest["archive"]),
            *((e["path"], e["sha256"], MAX_KEY_BYTES) for e in manifest["keys"]),
        ]
        entries = [(_bounded_entry(zf, path, cap), sha) for path, sha, cap in wanted]
        data_dir = settings.data_dir.resolve()
        _refuse_without_space(data_dir.parent, sum(info.file_size for info, _ in entries))
        private_dir(data_dir.parent)
        staging = Path(tempfile.mkdtemp(dir=data_dir.parent, prefix=f".{data_dir.name}.pulih-"))
        try:
            for info, sha in entries:
                _unpack_checked(zf, info, staging / info.filename, sha)
            staged_db = staging / db_info["file"]
            if sqlite_target is not None:
                _check_rows(_sqlite_row_counts(staged_db, manifest["rows"]), manifest["rows"])
                staged_db.rename(staging / _STAGED_SQLITE)
            else:
                _psql_restore_checked(url, staged_db, manifest["rows"])
                staged_db.unlink()
            _move_in(staging, data_dir, sqlite_target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _sqlite_target(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    name = make_url(url).database or ""
    if not name or name == ":memory:":
        raise BackupError("Pemulihan SQLite memerlukan berkas basis data (LOKET_DATABASE_URL).")
    return Path(name).resolve()


def _refuse_existing_data(settings: Settings, url: str, sqlite_target: Path | None) -> None:
    """Never over existing data: the archive, the keys and the database must be empty."""
    archive_dir = settings.archive_dir
    if archive_dir.exists() and any(p.is_file() for p in archive_dir.rglob("*")):
        raise BackupError("Folder arsip tujuan tidak kosong. Pulihkan ke folder data yang baru.")
    keys = keys_dir(settings.data_dir)
    if keys.exists() and any(keys.iterdir()):
        raise BackupError("Folder kunci tujuan tidak kosong. Pulihkan ke folder data yang baru.")
    if sqlite_target is not None:
        for path in (sqlite_target, sqlite_target.with_name(sqlite_target.name + "-wal")):
            if path.exists() and path.stat().st_size > 0:
                raise BackupError("Basis data tujuan sudah ada. Pulihkan ke folder data yang baru.")
    elif any(_row_counts_if_present(url).values()):
        raise BackupError("Basis data PostgreSQL tujuan tidak kosong.")


def _malformed(what: str) -> BackupError:
    return BackupError(f"Berkas cadangan rusak: manifest.json tidak sah ({what}).")


def _read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    """manifest.json, read within a bound and checked field by field."""
    info = _bounded_entry(zf, "manifest.json", MAX_MANIFEST_BYTES)
    try:
        with zf.open(info) as fh:
            raw = json.loads(fh.read(MAX_MANIFEST_BYTES + 1))
    except (ValueError, RecursionError) as exc:
        raise BackupError("Berkas cadangan tidak memuat manifest.json yang sah.") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise BackupError(f"Berkas manifest.json di dalam cadangan rusak: {exc}") from exc
    if not isinstance(raw, dict):
        raise _malformed("bukan objek JSON")
    if raw.get("format") != FORMAT_VERSION:
        raise BackupError("Versi berkas cadangan tidak dikenal.")
    db = raw.get("database")
    files = {"sqlite": SQLITE_NAME, "postgresql": PG_NAME}
    if (
        not isinstance(db, dict)
        or db.get("dialect") not in files
        or db.get("file") != files[db["dialect"]]
        or not _is_sha256(db.get("sha256"))
    ):
        raise _malformed("bagian database")
    rows = raw.get("rows")
    if (
        not isinstance(rows, dict)
        or not rows
        or not all(
            isinstance(t, str) and _TABLE.fullmatch(t) and type(n) is int and n >= 0
            for t, n in rows.items()
        )
    ):
        raise _malformed("bagian rows")
    archive = _file_list(raw.get("archive"), "archive")
    if any(e["path"] != f"archive/{e['sha256'][:2]}/{e['sha256']}.pdf" for e in archive):
        raise _malformed("bagian archive")
    keys = _file_list(raw.get("keys", []), "keys")
    if any(not _KEY_PATH.fullmatch(e["path"]) for e in keys):
        raise _malformed("bagian keys")
    return {**raw, "database": db, "rows": rows, "archive": archive, "keys": keys}


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


def _file_list(value: object, what: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or not all(
        isinstance(e, dict) and isinstance(e.get("path"), str) and _is_sha256(e.get("sha256"))
        for e in value
    ):
        raise _malformed(f"bagian {what}")
    if len({e["path"] for e in value}) != len(value):
        raise _malformed(f"berkas ganda di bagian {what}")
    return [{"path": e["path"], "sha256": e["sha256"]} for e in value]


def _bounded_entry(zf: zipfile.ZipFile, path: str, cap: int) -> zipfile.ZipInfo:
    """The entry's ZipInfo, refused when it claims more than `cap` bytes or packs more
    tightly than real data does (a zip bomb), before a byte of it is read."""
    try:
        info = zf.getinfo(path)
    except KeyError as exc:
        raise BackupError(f"Berkas {path} tidak ada di dalam cadangan.") from exc
    if info.file_size > cap:
        raise BackupError(
            f"Berkas {path} di dalam cadangan terlalu besar "
            f"({_mb(info.file_size)}; paling besar {_mb(cap)})."
        )
    if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * info.compress_size:
        raise BackupError(f"Berkas {path} di dalam cadangan dipadatkan secara tidak wajar.")
    return info


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f} MB".replace(",", ".")


def _refuse_without_space(folder: Path, needed: int) -> None:
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if needed + DISK_MARGIN_BYTES > free:
        raise BackupError(
            f"Ruang disk tidak cukup untuk memulihkan cadangan ini: perlu {_mb(needed)}, "
            f"tersedia {_mb(free)}."
        )


def _unpack_checked(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, sha: str) -> None:
    """Streams one entry to a new 600 file, never past its declared size, and checks its
    SHA-256 against the manifest."""
    private_dir(target.parent)
    digest, written = hashlib.sha256(), 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with zf.open(info) as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > info.file_size:
                    raise BackupError(f"Berkas {info.filename} di dalam cadangan rusak.")
                digest.update(chunk)
                dst.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise BackupError(f"Berkas {info.filename} di dalam cadangan rusak: {exc}") from exc
    if digest.hexdigest() != sha:
        if info.filename in (SQLITE_NAME, PG_NAME):
            raise BackupError("Berkas basis data di dalam cadangan rusak (sidik tidak cocok).")
        raise BackupError(f"Berkas {info.filename} di dalam cadangan rusak.")


def _check_rows(restored: dict[str, int], expected: dict[str, int]) -> None:
    wrong = sorted(t for t in expected if restored.get(t) != expected[t])
    if wrong:
        raise BackupError(
            "Jumlah baris setelah pemulihan tidak sama dengan cadangan (tabel "
            + ", ".join(wrong[:5])
            + "). Tidak ada yang dipulihkan."
        )


def _sqlite_row_counts(path: Path, tables: dict[str, int]) -> dict[str, int]:
    """Counts in the unpacked file, opened read-only (it gains no -wal or -shm)."""
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)) as conn:
            present = {
                name
                for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            return {
                t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # noqa: S608
                for t in tables
                if t in present
            }
    except sqlite3.Error as exc:
        raise BackupError("Berkas basis data di dalam cadangan tidak dapat dibaca.") from exc


def _psql_restore_checked(url: str, dump: Path, rows: dict[str, int]) -> None:
    """Loads the dump and checks every row count in one transaction: a wrong count rolls
    the whole load back."""
    checks = dump.with_name("periksa.sql")
    fd = os.open(checks, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("DO $$ BEGIN\n")
        for table, count in rows.items():  # names and counts checked by _read_manifest
            fh.write(
                f'IF (SELECT count(*) FROM public."{table}") <> {count} THEN '  # noqa: S608
                f"RAISE EXCEPTION 'loket-rows {table}'; END IF;\n"
            )
        fh.write("END $$;\n")
    try:
        done = subprocess.run(
            [_pg_tool("psql"), "-v", "ON_ERROR_STOP=1", "--single-transaction", "-q",
             "-f", str(dump), "-f", str(checks), _libpq_url(url)],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise BackupError("psql tidak selesai memulihkan basis data dalam 10 menit.") from exc
    finally:
        checks.unlink()
    if done.returncode == 0:
        return
    if "loket-rows" in done.stderr:
        tables = sorted(set(re.findall(r"loket-rows (\w+)", done.stderr)))
        raise BackupError(
            "Jumlah baris setelah pemulihan tidak sama dengan cadangan (tabel "
            + ", ".join(tables)
            + "). Tidak ada yang dipulihkan."
        )
    first_error = next((line for line in done.stderr.splitlines() if "ERROR" in line), "")
    raise BackupError(f"psql gagal memulihkan basis data; tidak ada yang dipulihkan. {first_error}")


def _move_in(staging: Path, data_dir: Path, sqlite_target: Path | None) -> None:
    """Every check passed: the keys, the archive and last the database take their places
    (renames on one file system)."""
    staged_db = staging / _STAGED_SQLITE
    if sqlite_target is not None and not sqlite_target.is_relative_to(data_dir):
        # Elsewhere (LOKET_DATABASE_URL): copied next to it first, then renamed.
        private_dir(sqlite_target.parent)
        fd, tmp = tempfile.mkstemp(dir=sqlite_target.parent, prefix=".pulih-")
        try:
            with staged_db.open("rb") as src, os.fdopen(fd, "wb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
            os.replace(tmp, sqlite_target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        staged_db.unlink()
    if not data_dir.exists():
        if staged_db.exists():
            assert sqlite_target is not None
            _place(staged_db, staging / sqlite_target.relative_to(data_dir))
        staging.rename(data_dir)  # the whole folder at once
        return
    for name in ("keys", "archive"):
        if (staging / name).exists():
            _place(staging / name, data_dir / name)
    if staged_db.exists():
        assert sqlite_target is not None
        _place(staged_db, sqlite_target)


def _place(source: Path, target: Path) -> None:
    """Renames source to target; a target folder left empty (no files) is replaced."""
    if target.is_dir():
        for folder, _, files in os.walk(target, topdown=False):
            if files:
                raise BackupError(f"Folder {target} tidak kosong; tidak ada yang dipulihkan.")
            os.rmdir(folder)
    private_dir(target.parent)
    os.replace(source, target)


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
