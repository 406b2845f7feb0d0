"""Gapless counters (letter numbers per year, queue numbers per day).

`next_value` must run inside the caller's write transaction: the increment is part of
the same unit of work as the row that uses the number, so a rollback gives the number
back and no gap appears. Concurrency: the UPDATE takes SQLite's write lock (the session
began with BEGIN IMMEDIATE) or a row lock on PostgreSQL, so concurrent callers queue.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from office_server.database import Base


class SequenceCounter(Base):
    __tablename__ = "sequence_counters"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    period: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


def next_value(session: Session, *, name: str, period: str) -> int:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(SequenceCounter)
        .values(name=name, period=period, last_value=0)
        .on_conflict_do_nothing(index_elements=["name", "period"])
    )
    value = session.execute(
        update(SequenceCounter)
        .where(SequenceCounter.name == name, SequenceCounter.period == period)
        .values(last_value=SequenceCounter.last_value + 1)
        .returning(SequenceCounter.last_value)
    ).scalar_one()
    return int(value)
