"""Fixtures of the sync tests: a village's data folder (migrated, seeded) and a real hub."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from office_server.config import Settings
from office_server.database import Database
from tests.support import databases
from tests.sync.harness import Hub, running_hub, stop_relays


@pytest.fixture(autouse=True)
def _no_relay_left_behind() -> Iterator[None]:
    yield
    stop_relays()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    if not databases.postgres_admin_url():
        pytest.skip("PostgreSQL is not running (make services)")
    with running_hub(tmp_path_factory.mktemp("hub") / "hub") as hub:
        hub.start()
        yield hub


def make_village(template: Path, folder: Path) -> tuple[Settings, Database]:
    """A village data folder with the seeded demo database (its outbox empty)."""
    databases.sqlite_copy(template, folder)
    settings = Settings(data_dir=folder, sign_letters=False)
    db = Database(settings)
    from sqlalchemy import delete

    from office_server.sync.models import OutboxEvent

    with db.unit_of_work() as session:
        session.execute(delete(OutboxEvent))  # what seeding recorded
    return settings, db
