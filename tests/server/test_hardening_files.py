"""Files under attack (issue 11): restore bombs and half-done restores (items 11b, 12),
and the modes of what the server writes (item 7)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from office_server.backup import BackupError, create_backup, restore_backup
from office_server.config import Settings
from office_server.database import Database
from office_server.letters.models import Letter
from tests.letters.test_archive_and_verification import issue_letters
from tests.support import databases
from tests.support.databases import migrate_and_seed

REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- restore


def loket(
    *args: str, data_dir: Path, umask: str = "022", code: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The `loket` command (or Python `code`) as a shell with this umask starts it."""
    command = ["-c", code] if code else ["-m", "office_server.cli", *args]
    return subprocess.run(
        ["/bin/sh", "-c", f'umask {umask} && exec "$@"', "sh", sys.executable, *command],
        env={"LOKET_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def rewritten(
    good: Path,
    out: Path,
    *,
    manifest: Callable[[dict[str, Any]], object] | None = None,
    extra: tuple[str, int] | None = None,
    replace: tuple[str, int] | None = None,
) -> Path:
    """A copy of a real backup, its manifest changed, or an entry of `size` zero bytes
    added (`extra`) or put in place of one (`replace`), listed with its true SHA-256 so
    that only a bound can refuse it. The zeros are streamed, never held whole."""

    def zeros_into(zf: zipfile.ZipFile, name: str, size: int) -> str:
        digest = hashlib.sha256()
        block = bytes(2**20)
        with zf.open(name, "w", force_zip64=True) as fh:
            for _ in range(size // len(block)):
                digest.update(block)
                fh.write(block)
        return digest.hexdigest()

    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        data: dict[str, Any] = json.loads(src.read("manifest.json"))
        for item in src.infolist():
            if item.filename != "manifest.json" and (not replace or item.filename != replace[0]):
                dst.writestr(item, src.read(item))
        if extra:
            _, size = extra
            sha = hashlib.sha256()
            for _ in range(size // 2**20):
                sha.update(bytes(2**20))
            path = f"archive/{sha.hexdigest()[:2]}/{sha.hexdigest()}.pdf"
            data["archive"].append({"path": path, "sha256": zeros_into(dst, path, size)})
        if replace:
            name, size = replace
            data["database"]["sha256"] = zeros_into(dst, name, size)
        body = manifest(data) if manifest else data
        dst.writestr("manifest.json", body if isinstance(body, bytes) else json.dumps(body))
    return out


def left_behind(target: Path) -> list[str]:
    """What a restore into `target` left in it and beside it (e.g. a staging folder)."""
    beside = [p.name for p in target.parent.iterdir() if p.name.startswith(f".{target.name}")]
    inside = [str(p.relative_to(target)) for p in target.rglob("*")] if target.exists() else []
    return beside + inside


@pytest.fixture
def good_backup(sqlite_db: Database, tmp_path: Path) -> Path:
    issue_letters(sqlite_db, 1)
    target = tmp_path / "cadangan.zip"
    create_backup(sqlite_db.settings, target)
    return target


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        # Item 11b: a listed 600 MB entry was read whole (1.29 GB) and written; 40 MB shows it.
        ({"extra": ("archive", 40 * 2**20)}, "terlalu besar"),
        ({"replace": ("database.sqlite3", 4 * 2**20)}, "dipadatkan secara tidak wajar"),
    ],
)
def test_a_restore_entry_beyond_its_bound_is_refused_before_it_is_read(
    good_backup: Path, tmp_path: Path, change: dict[str, Any], refusal: str
) -> None:
    bomb = rewritten(good_backup, tmp_path / "bom.zip", **change)
    target = tmp_path / "pulih"
    with pytest.raises(BackupError, match=refusal):
        restore_backup(Settings(data_dir=target), bomb)
    assert left_behind(target) == []


def test_a_refused_restore_leaves_nothing_and_the_retry_works(
    sqlite_db: Database, good_backup: Path, tmp_path: Path
) -> None:
    """Item 12: a wrong row count left the database and the archive in place, and the
    retry was refused as 'not empty'. Restore now checks everything beside the folder."""

    def one_letter_more(data: dict[str, Any]) -> dict[str, Any]:
        data["rows"]["letters"] += 1
        return data

    wrong = rewritten(good_backup, tmp_path / "salah.zip", manifest=one_letter_more)
    fresh = tmp_path / "baru"
    with pytest.raises(BackupError, match="Jumlah baris"):
        restore_backup(Settings(data_dir=fresh), wrong)
    assert left_behind(fresh) == []

    # Into a data folder the server made already (an empty database file, a session key):
    # what was there stays, nothing is added.
    started = tmp_path / "sudah-ada"
    Database(Settings(data_dir=started)).dispose()
    (started / "session.key").write_text("rahasia")
    before = sorted(left_behind(started))
    with pytest.raises(BackupError, match="Jumlah baris"):
        restore_backup(Settings(data_dir=started), wrong)
    assert sorted(left_behind(started)) == before

    with sqlite_db.session(write=False) as session:
        original = session.scalars(select(Letter.number)).all()
    for target in (fresh, started):
        restore_backup(Settings(data_dir=target), good_backup)
        restored = Database(Settings(data_dir=target))
        with restored.session(write=False) as session:
            assert session.scalars(select(Letter.number)).all() == original
        restored.dispose()
        assert len(list((target / "archive").rglob("*.pdf"))) == 1
        assert (target / "keys" / "village-key.pem").exists()
    assert (started / "session.key").read_text() == "rahasia"


def test_a_wrong_row_count_on_postgresql_restores_nothing(tmp_path: Path) -> None:
    """Item 12 on PostgreSQL: the load and the row-count check are one transaction."""
    admin_url = databases.postgres_admin_url()
    if not admin_url:
        pytest.skip("PostgreSQL is not running (make services starts it)")
    databases.build_postgres_template(admin_url)
    source_name, source_url = databases.postgres_copy(admin_url)
    empty_name, empty_url = databases.postgres_copy(admin_url)
    try:
        source = Database(Settings(data_dir=tmp_path / "src"), url=source_url)
        issue_letters(source, 1)
        source.dispose()
        good = tmp_path / "pg.zip"
        create_backup(Settings(data_dir=tmp_path / "src", database_url=source_url), good)
        empty = Database(Settings(data_dir=tmp_path / "dst"), url=empty_url)
        with empty.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")

        def one_letter_more(data: dict[str, Any]) -> dict[str, Any]:
            data["rows"]["letters"] += 1
            return data

        wrong = rewritten(good, tmp_path / "salah.zip", manifest=one_letter_more)
        target = Settings(data_dir=tmp_path / "dst", database_url=empty_url)
        with pytest.raises(BackupError, match="Jumlah baris"):
            restore_backup(target, wrong)
        with empty.engine.connect() as conn:
            tables = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).scalar_one()
        assert tables == 0 and left_behind(target.data_dir) == []
        empty.dispose()
        restore_backup(target, good)  # the retry is not blocked
        assert len(list((target.data_dir / "archive").rglob("*.pdf"))) == 1
    finally:
        databases.drop_postgres(admin_url, source_name)
        databases.drop_postgres(admin_url, empty_name)


MALFORMED: list[tuple[str, object]] = [
    ("a list", []),
    ("no database", {"format": 1}),
    ("a string for the archive", "archive"),
    ("a path out of the archive", "escape"),
    ("rows that are not numbers", "rows"),
    ("JSON nested 100,000 deep", b"[" * 100_000),
]


@pytest.mark.parametrize(("what", "manifest"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_manifest_is_a_clear_refusal(
    good_backup: Path, tmp_path: Path, what: str, manifest: object
) -> None:
    """Item 12: a malformed manifest ended in a KeyError or TypeError traceback."""

    def broken(data: dict[str, Any]) -> object:
        if manifest == "archive":
            return {**data, "archive": "archive/semua.pdf"}
        if manifest == "escape":
            entry = {"path": "../../../etc/passwd", "sha256": "0" * 64}
            return {**data, "archive": [entry]}
        if manifest == "rows":
            return {**data, "rows": {**data["rows"], "letters": "banyak"}}
        return manifest

    bad = rewritten(good_backup, tmp_path / "rusak.zip", manifest=broken)
    target = tmp_path / "pulih"
    with pytest.raises(BackupError, match=r"manifest\.json"):
        restore_backup(Settings(data_dir=target), bad)
    assert left_behind(target) == []


def test_loket_restore_prints_the_refusal_without_a_traceback(
    good_backup: Path, tmp_path: Path
) -> None:
    bad = rewritten(good_backup, tmp_path / "rusak.zip", manifest=lambda _: {"format": 1})
    done = loket("restore", str(bad), data_dir=tmp_path / "pulih")
    assert done.returncode == 1
    assert "manifest.json tidak sah" in done.stderr and "Traceback" not in done.stderr


# --------------------------------------------------------------------------- file modes


def modes(*paths: Path) -> dict[str, str]:
    return {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in paths}


def everything_under(folder: Path) -> list[Path]:
    return [folder, *sorted(folder.rglob("*"))]


def assert_private(*paths: Path) -> None:
    expected = {p.name: oct(0o700 if p.is_dir() else 0o600) for p in paths}
    assert modes(*paths) == expected


def test_data_files_are_600_and_folders_700_under_umask_022(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """Item 7: with umask 022 the database, its archive and keys, and the backup zip
    holding all of them (every NIK, the signing key) were readable by every account."""
    old = os.umask(0o022)
    try:
        settings = Settings(data_dir=tmp_path / "data" / "desa", public_url="http://desa.test")
        db = Database(settings)
        migrate_and_seed(db)
        issue_letters(db, 1)
        sqlite = settings.data_dir / "loket.sqlite3"
        wal = [sqlite.with_name(sqlite.name + s) for s in ("-wal", "-shm")]
        assert all(p.exists() for p in wal)  # the engine still holds a connection
        assert_private(settings.data_dir.parent, *everything_under(settings.data_dir))

        backup = tmp_path / "cadangan" / "hari-ini.zip"
        create_backup(settings, backup)
        assert_private(backup.parent, backup)
        db.dispose()

        restored = Settings(data_dir=tmp_path / "pulih")
        restore_backup(restored, backup)
        assert_private(*everything_under(restored.data_dir))
    finally:
        os.umask(old)


def test_an_older_install_s_database_is_narrowed_to_600(
    sqlite_template: Path, tmp_path: Path
) -> None:
    old = os.umask(0o022)
    try:
        data_dir = tmp_path / "lama"
        databases.sqlite_copy(sqlite_template, data_dir)  # made 644 / 755, as before
        assert modes(data_dir / "loket.sqlite3") == {"loket.sqlite3": "0o644"}
        Database(Settings(data_dir=data_dir)).dispose()
        assert_private(data_dir, data_dir / "loket.sqlite3")
    finally:
        os.umask(old)


def test_the_loket_command_writes_private_files_under_umask_022(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert loket("migrate", data_dir=data_dir).returncode == 0
    assert loket("seed-demo", data_dir=data_dir).returncode == 0
    backup = tmp_path / "cadangan" / "b.zip"
    assert loket("backup", str(backup), data_dir=data_dir).returncode == 0
    assert_private(*everything_under(data_dir), backup.parent, backup)
    # The command runs with umask 077, so what any library writes for it is private too.
    shown = loket(
        data_dir=data_dir,
        code="import os; from office_server import cli; "
        "cli.main(['migrate']); print(oct(os.umask(0)))",
    )
    assert shown.stdout.split()[-1] == "0o77", shown.stderr
