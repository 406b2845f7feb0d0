"""The hub's dashboard tests: a migrated hub database on the shared PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from regency_hub.database import HubDatabase
from tests.support import databases
from tests.sync.harness import Hub


@pytest.fixture(scope="module")
def hub_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubDatabase]:
    """A fresh hub database migrated by `loket hub migrate` (no nats-server)."""
    admin = databases.postgres_admin_url()
    if not admin:
        pytest.skip("PostgreSQL is not running (make services)")
    hub = Hub(admin_url=admin, folder=Path(tmp_path_factory.mktemp("hub")) / "hub")
    hub.create()
    db = HubDatabase(hub.url)
    try:
        yield db
    finally:
        db.dispose()
        hub.drop()
