"""Periodic chores of a running server: requests the resident abandoned expire,
yesterday's figures go into the outbox for the regency (once), and photos of documents
are deleted once the village's retention period after a finished request has passed."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from office_server.clock import WallClock, today_local, utc_now
from office_server.config import Settings
from office_server.database import Database
from office_server.letters import stats
from office_server.requests import documents
from office_server.requests import service as requests_service

log = logging.getLogger("loket.housekeeping")
INTERVAL_SECONDS = 3600


def run_once(db: Database, settings: Settings, *, clock: WallClock = utc_now) -> int:
    with db.unit_of_work() as session:
        expired = requests_service.expire_stale(session, settings=settings)
        stats.record_day_summary(session, day=today_local() - timedelta(days=1))
    if expired:
        log.info("%d unfinished requests expired", expired)
    # Its own unit of work: a photo folder that cannot be read does not undo the above.
    with db.unit_of_work() as session:
        purged = documents.purge_expired(
            session, store=documents.DocumentStore(settings.documents_dir), now=clock()
        )
    if purged.documents or purged.orphans:
        log.info("%d document photos deleted (retention), %d leftover files", purged.documents,
                 purged.orphans)  # fmt: skip
    return expired


def start(db: Database, settings: Settings) -> threading.Event:
    """Runs the chores now and then every hour, in a daemon thread; set the event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while True:
            try:
                run_once(db, settings)
            except Exception as exc:  # never let a chore take the server down
                log.error("housekeeping failed: %s", type(exc).__name__)
            if stop.wait(INTERVAL_SECONDS):
                return

    threading.Thread(target=loop, name="housekeeping", daemon=True).start()
    return stop
