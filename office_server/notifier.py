"""The sender beside the server: takes due messages from the outbox and sends them.

Runs in its own thread (`loket server`) or as `loket notify run`. Each message is taken
in one short transaction, sent with no transaction open (a gateway that hangs holds no
database lock and no page waits for it; the gateway call has a timeout), and its result
written in another. A crash between sending and writing the result sends it again with
the same idempotency key, which the gateway uses to drop the copy.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from office_server.clock import WallClock, utc_now
from office_server.config import Settings
from office_server.database import Database
from office_server.notifications import service as notifications
from office_server.notifications.gateway import Gateway, GatewayError

log = logging.getLogger("loket.notify")
INTERVAL_SECONDS = 15.0


@dataclass
class Round:
    sent: int = 0
    failed: int = 0
    capped: bool = False
    errors: list[str] = field(default_factory=list)


def run_once(
    db: Database, settings: Settings, *, gateway: Gateway | None = None, clock: WallClock = utc_now
) -> Round:
    """One pass over what is due now. Logs ids and error kinds only, never a number or text."""
    result = Round()
    with db.unit_of_work() as session:
        if gateway is None:
            gateway = notifications.gateway_for(notifications.get_settings_row(session))
        if gateway is None:
            return result
        claims, result.capped = notifications.claim_due(
            session, now=clock(), public_url=settings.public_url
        )
    for claim in claims:
        try:
            gateway.send(to=claim.to, text=claim.text, key=claim.key)
        except GatewayError as exc:
            with db.unit_of_work() as session:
                notifications.mark_failed(session, message_id=claim.id, kind=exc.kind, now=clock())
            log.warning("message %d not sent: %s", claim.id, exc.kind)
            result.failed += 1
            result.errors.append(exc.kind)
            continue
        with db.unit_of_work() as session:
            notifications.mark_sent(session, message_id=claim.id, now=clock())
        log.info("message %d sent", claim.id)
        result.sent += 1
    return result


def start(db: Database, settings: Settings) -> threading.Event:
    """Sends every INTERVAL_SECONDS in a daemon thread; set the event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                run_once(db, settings)
            except Exception as exc:  # a bad round must not end the sender
                log.error("sender round failed: %s", type(exc).__name__)
            stop.wait(INTERVAL_SECONDS)

    threading.Thread(target=loop, name="notify-sender", daemon=True).start()
    return stop
