"""Engine, sessions and the declarative base.

SQLite runs in WAL mode with foreign keys on. Write transactions on SQLite start with
BEGIN IMMEDIATE: SQLite's default deferred BEGIN lets two writers both read, then one
fails to upgrade its lock with "database is locked" and no wait. Taking the write lock
up front makes concurrent writers queue on busy_timeout instead, which the gapless
letter numbering relies on. PostgreSQL keeps its normal transactions; numbering takes a
row lock there.

The SQLite file holds every resident's NIK: the data folder is made 700 and the database
file 600 before SQLite opens it, so its -wal and -shm files (which SQLite creates with
the database file's mode) are 600 too, whatever the umask.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from office_server.config import Settings, get_settings
from office_server.errors import InvalidCharacter

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 30_000


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which has no time zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use office_server.database.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
    _refuse_nul_characters(engine)
    return engine


def _refuse_nul_characters(engine: Engine) -> None:
    """Refuses a statement with a NUL character in any text parameter, on both backends.

    PostgreSQL cannot hold one in text (psycopg raises before sending), SQLite stores it.
    Strings from clients reach statements on many routes (request codes, ticket ids, letter
    type codes, user names, searches, form keys), and each became a 500 on PostgreSQL.
    Here is the one place they all pass: a NUL is a clear 400 there, the same on SQLite.
    """

    @event.listens_for(engine, "before_cursor_execute")
    def _check(
        _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, many: bool
    ) -> None:
        for row in parameters if many else (parameters,):
            if isinstance(row, Mapping):
                values = list(row.values())
            elif isinstance(row, list | tuple):
                values = list(row)
            else:
                values = [row]
            if any(isinstance(value, str) and "\x00" in value for value in values):
                raise InvalidCharacter(
                    "Data yang dikirim berisi karakter yang tidak diizinkan (karakter NUL). "
                    "Periksa lagi isian Anda.",
                    "The request holds a NUL character, which is not allowed.",
                )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # FULL: a commit that returned is on disk even if power fails right after.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get("write", True) else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


def _private_sqlite_files(data_dir: Path, url: str) -> None:
    """The data folder 700 and the SQLite file 600 (made empty if missing: SQLite takes an
    empty file as an empty database); an older install's wider modes are narrowed."""
    missing = []
    folder = data_dir
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)
    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    if path.parent.is_dir() and not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for existing in (data_dir, path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
        try:
            mode = stat.S_IMODE(existing.stat().st_mode)
            if mode & 0o077:
                existing.chmod(mode & ~0o077)
        except OSError:  # not there, or not ours to change
            continue


class Database:
    """One engine and its session factories; built once per app or CLI command."""

    def __init__(self, settings: Settings | None = None, *, url: str | None = None) -> None:
        self.settings = settings or get_settings()
        self.url = url or self.settings.resolved_database_url
        if self.url.startswith("sqlite"):
            _private_sqlite_files(self.settings.data_dir, self.url)
        self.engine = make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        # Readers take no write lock on SQLite, so status lookups never queue behind writers.
        self._reader = sessionmaker(
            self.engine.execution_options(write=False), expire_on_commit=False
        )

    def session(self, *, write: bool = True) -> Session:
        return (self._writer if write else self._reader)()

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        """Commit on success, roll back on error: the one place a unit of work ends.

        Services only flush. A request's work ends here through the session dependency
        (deps.py); the CLI, the housekeeping thread and the signer's batch use it directly.
        """
        session = self.session(write=write)
        try:
            yield session
            if write:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """unit_of_work() as a generator, for FastAPI's yield dependencies."""
        with self.unit_of_work(write=write) as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
