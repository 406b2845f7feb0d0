"""Alembic environment of the hub (its own migrations, its own version table)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from regency_hub import models  # noqa: F401 - registers every table
from regency_hub.database import Base

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        compare_type=True,
        version_table="hub_alembic_version",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `loket hub migrate`")
connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
