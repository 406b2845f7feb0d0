"""Databases for tests, built by the real Alembic migrations.

The migrated, seeded schema is built once per run (a template) and each test gets its
own copy: a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL. That
isolates tests as a per-test rollback would, and still lets the concurrency tests commit
from many connections at once.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine, text

from office_server import seed
from office_server.config import Settings
from office_server.database import Database
from office_server.migrate import upgrade

REPO = Path(__file__).resolve().parents[2]
PG_URL_FILE = REPO / "var" / "test-services" / "postgres.url"
# One template per test run: two runs sharing a PostgreSQL server (two checkouts on one
# machine) must not drop each other's template.
PG_TEMPLATE = f"loket_template_{os.getpid()}"


def postgres_admin_url() -> str | None:
    url = os.environ.get("LOKET_TEST_POSTGRES_URL")
    if url:
        return url
    if PG_URL_FILE.exists():
        return PG_URL_FILE.read_text().strip() or None
    return None


def migrate_and_seed(db: Database) -> None:
    upgrade(db.engine)
    with db.session() as session:
        seed.seed_demo(session)
        session.commit()


def build_sqlite_template(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=folder)
    db = Database(settings)
    migrate_and_seed(db)
    db.dispose()
    return folder / "loket.sqlite3"


def sqlite_copy(template: Path, data_dir: Path) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / "loket.sqlite3"
    # The backup API copies a consistent image, WAL included.
    with closing(sqlite3.connect(template)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def build_postgres_template(admin_url: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {PG_TEMPLATE}"))
    engine.dispose()
    db = Database(Settings(), url=_with_db(admin_url, PG_TEMPLATE))
    migrate_and_seed(db)
    db.dispose()


def drop_postgres_template(admin_url: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)"))
    engine.dispose()


def postgres_copy(admin_url: str) -> tuple[str, str]:
    name = f"loket_t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {PG_TEMPLATE}"))
    engine.dispose()
    return name, _with_db(admin_url, name)


def drop_postgres(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


def _with_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name
