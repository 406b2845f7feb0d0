"""What every `loket` command shares: its one transaction and its refusal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from office_server.config import get_settings

# The database (SQLAlchemy) is imported only when a command opens it, so `loket kiosk`
# also runs where only the kiosk extra is installed.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from office_server.database import Database


class CommandFailed(Exception):
    """A command refused: main() prints the message and exits with the code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def open_database() -> Database:
    from office_server.database import Database

    return Database(get_settings())


@contextmanager
def unit_of_work(*, write: bool = True) -> Iterator[Session]:
    """The CLI's one transaction: commits when the block ends, rolls back when it raises
    (a refusal is an exception, so it can never commit half a change)."""
    db = open_database()
    try:
        with db.unit_of_work(write=write) as session:
            yield session
    finally:
        db.dispose()
