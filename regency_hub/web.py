"""The hub's web app. This slice serves its health (with the ingest's counts); the
regency dashboard (staff login, charts, registers) is the next slice."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from regency_hub.database import HubDatabase
from regency_hub.ingest import IngestCounts
from regency_hub.models import Event, Village


def create_app(db: HubDatabase, counts: IngestCounts) -> FastAPI:
    app = FastAPI(title="Loket Desa regency hub", docs_url=None, redoc_url=None)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        with db.unit_of_work() as session:
            villages = session.scalar(select(func.count()).select_from(Village))
            stored = session.scalar(select(func.count()).select_from(Event))
        return {
            "ok": True,
            "villages": villages,
            "events": stored,
            "ingest": {
                "stored": counts.stored,
                "duplicates": counts.duplicates,
                "refused": counts.refused,
            },
        }

    return app
