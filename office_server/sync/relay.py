"""The relay: outbox rows up to the hub's JetStream, the regency's messages down.

Up: a round reads the oldest unsent rows, publishes each to `loket.up.<village>.<kind>`
with `Nats-Msg-Id` = the event's UUID, waits for the PubAcks, and marks sent only the
rows the hub acknowledged, in one short transaction. A crash between a PubAck and that
commit resends the row: JetStream drops it as a duplicate within its window, and the
hub's PostgreSQL drops it after (unique event id), so the outcome is exactly once.

Down: the village's durable pull consumer on LOKET_DOWN. A message is acknowledged only
after the village's own commit; a redelivered one finds its event id already stored.
Announcements are kept here; what a higher domain must handle (a resident's sealed
request) goes to the relay's `Inbox`, given by whoever builds the relay
(`requests.hub_inbox`), so this module stays below the domains it feeds.

It runs as `loket sync run` or as a thread of `loket server` (LOKET_HUB_CREDENTIALS set),
never in a request's path: the office writes only the outbox row, and a dead link costs
the office nothing but a growing outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy.orm import Session

from loket_protocol import events, subjects
from office_server.config import Settings
from office_server.database import Database
from office_server.sync import looping, outbox
from office_server.sync.hub_link import HubCredentials

log = logging.getLogger("loket.sync")

PUBLISH_TIMEOUT_SECONDS = 20.0
PULL_WAIT_SECONDS = 1.0
PULL_BATCH = 20
CLOSE_TIMEOUT_SECONDS = 5.0
LINK_ERRORS = looping.LINK_ERRORS


class Inbox:
    """What the relay hands to the domains above it; this base files nothing (a relay
    without an inbox leaves sealed requests at the hub for one that has)."""

    def receive(self, session: Session, event: events.Event, *, kode_desa: str) -> str | None:
        """Handles one message to village `kode_desa` in the caller's transaction; None:
        not handled here."""
        return None

    def malformed(self, session: Session, *, message_id: str, subject: str, raw: bytes) -> bool:
        """A message off the schema; True if it was recorded (and may be acknowledged)."""
        return False


@dataclass
class RelayCounts:
    """What this relay did since it started (for tests, benchmarks and the log)."""

    published: int = 0
    duplicates: int = 0
    received: int = 0
    rounds_failed: int = 0
    connected: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    # What the inbox did with messages: "filed", "refused", "duplicate", ...
    inbox: dict[str, int] = field(default_factory=dict)


async def _quiet(_error: Exception) -> None:
    # nats-py logs every socket error with its text by default; the relay's loop reports
    # what matters (the error's type) itself.
    return None


class Relay:
    def __init__(
        self,
        db: Database,
        creds: HubCredentials,
        *,
        batch: int = 200,
        retry_max_seconds: float = 30.0,
        inbox: Inbox | None = None,
    ) -> None:
        self.db = db
        self.creds = creds
        self.batch = batch
        self.retry_max_seconds = retry_max_seconds
        self.counts = RelayCounts()
        self.inbox = inbox or Inbox()
        self.wake = looping.Wake()

    @classmethod
    def from_settings(
        cls, db: Database, settings: Settings, *, inbox: Inbox | None = None
    ) -> Relay:
        assert settings.hub_credentials is not None
        creds = HubCredentials.load(settings.hub_credentials, url=settings.hub_url)
        return cls(
            db,
            creds,
            batch=settings.sync_batch,
            retry_max_seconds=settings.sync_retry_max_seconds,
            inbox=inbox,
        )

    async def connect(self) -> Client:
        options: dict[str, Any] = self.creds.connect_options()
        return await nats.connect(error_cb=_quiet, disconnected_cb=None, **options)

    async def push(self, js: JetStreamContext) -> int:
        """One round up: returns how many rows the hub acknowledged (raises if any failed)."""
        with self.db.unit_of_work(write=False) as session:
            rows = [
                (r.id, r.event_id, r.kind, r.data, r.occurred_at)
                for r in outbox.pending(session, limit=self.batch)
            ]
        if not rows:
            return 0
        publishes = []
        for _row_id, event_id, kind, data, occurred_at in rows:
            payload = events.encode(
                event_id=uuid.UUID(event_id),
                village=self.creds.kode_desa,
                at=occurred_at,
                data=events.data_from_dict(kind, data),
            )
            publishes.append(
                js.publish(
                    subjects.up_subject(self.creds.kode_desa, kind),
                    payload,
                    timeout=PUBLISH_TIMEOUT_SECONDS,
                    headers={"Nats-Msg-Id": event_id},
                )
            )
        results = await asyncio.gather(*publishes, return_exceptions=True)
        acked: dict[int, int] = {}
        failure: BaseException | None = None
        for (row_id, *_), result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                failure = failure or result
                continue
            acked[row_id] = result.seq
            if result.duplicate:
                self.counts.duplicates += 1
        if acked:
            with self.db.unit_of_work() as session:
                outbox.mark_sent(session, acked=acked)
            self.counts.published += len(acked)
        if failure is not None:
            raise failure
        return len(acked)

    async def pull(self, sub: JetStreamContext.PullSubscription) -> int:
        """One round down: applies and acknowledges what the regency sent."""
        try:
            messages = await sub.fetch(batch=PULL_BATCH, timeout=PULL_WAIT_SECONDS)
        except nats.errors.TimeoutError:
            return 0
        applied = 0
        for message in messages:
            try:
                event = events.decode(message.data)
            except events.BadEvent:
                if self._malformed(message):
                    await message.ack()
                    continue
                log.warning("a message from the hub is off the schema; dropped")
                await message.term()
                continue
            if isinstance(event, events.UnknownEvent):
                # A newer kind or version: keep it at the hub for an upgraded village.
                await message.nak(delay=3600)
                continue
            try:
                with self.db.unit_of_work() as session:
                    if isinstance(event.data, events.Announcement):
                        outbox.store_announcement(session, event)
                        outcome: str | None = "announcement"
                    else:
                        outcome = self.inbox.receive(session, event, kode_desa=self.creds.kode_desa)
            except Exception as exc:  # one message must not stop the relay
                # Rolled back; it comes again later. The type only: a message may quote data.
                log.error(
                    "a %s from the hub could not be stored: %s", event.kind, type(exc).__name__
                )
                await message.nak(delay=60)
                continue
            if outcome is None:
                # No one here handles it (a relay built without its inbox): later.
                await message.nak(delay=60)
                continue
            self.counts.inbox[outcome] = self.counts.inbox.get(outcome, 0) + 1
            await message.ack()
            applied += 1
        self.counts.received += applied
        return applied

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: connect, push and pull; after a failure wait (doubling, capped).
        A row published but not yet marked sent when `stop` comes is sent again next
        time, and deduplicated."""
        await looping.keep_linked(
            self._session,
            stop,
            retry_max_seconds=self.retry_max_seconds,
            failed=self._failed,
            what="hub",
            wake=self.wake,
        )

    def _malformed(self, message: Any) -> bool:
        try:
            message_id = f"seq:{message.metadata.sequence.stream}"
        except (AttributeError, ValueError):
            return False
        with self.db.unit_of_work() as session:
            return self.inbox.malformed(
                session, message_id=message_id, subject=message.subject, raw=message.data
            )

    def _failed(self, exc: BaseException) -> None:
        name = type(exc).__name__
        self.counts.rounds_failed += 1
        self.counts.errors[name] = self.counts.errors.get(name, 0) + 1
        self.wake.fail_all()

    async def _session(self, stop: asyncio.Event) -> None:
        nc = await self.connect()
        self.counts.connected += 1
        try:
            js = nc.jetstream(timeout=PUBLISH_TIMEOUT_SECONDS)
            sub = await js.pull_subscribe_bind(
                subjects.village_consumer(self.creds.kode_desa), stream=subjects.DOWN_STREAM
            )
            while not stop.is_set():
                if nc.is_closed:
                    raise nats.errors.ConnectionClosedError
                asked = self.wake.begin()
                await self.push(js)
                # Also the idle pause: the fetch waits up to PULL_WAIT_SECONDS for messages.
                await self.pull(sub)
                self.wake.answer(asked, ok=True)
        finally:
            # Bounded: closing a TLS connection whose peer vanished can wait forever for
            # a close_notify that never comes.
            with contextlib.suppress(*LINK_ERRORS, asyncio.TimeoutError):
                await asyncio.wait_for(nc.close(), timeout=CLOSE_TIMEOUT_SECONDS)


# The relay running in this process (`loket server`'s thread), for an operator's
# "pull now"; None under `loket sync run` in a process of its own, or with no hub.
RUNNING: Relay | None = None


def start_in_thread(
    db: Database, settings: Settings, *, inbox: Inbox | None = None
) -> threading.Event:
    """The relay in a daemon thread with its own event loop; set the event to stop it."""
    global RUNNING
    relay = Relay.from_settings(db, settings, inbox=inbox)
    RUNNING = relay
    return looping.start_in_thread("sync-relay", relay.run)


def pull_now(timeout: float) -> bool | None:
    """Asks this process's relay for a round now and waits for it: True when it went
    through, False when the link is down, None when no relay runs here or it took longer."""
    relay = RUNNING
    if relay is None:
        return None
    return relay.wake.wait(relay.wake.ask(), timeout)
