"""The relay: outbox rows up to the hub's JetStream, the regency's messages down.

Up: a round reads the oldest unsent rows, publishes each to `loket.up.<village>.<kind>`
with `Nats-Msg-Id` = the event's UUID, waits for the PubAcks, and marks sent only the
rows the hub acknowledged, in one short transaction. A crash between a PubAck and that
commit resends the row: JetStream drops it as a duplicate within its window, and the
hub's PostgreSQL drops it after (unique event id), so the outcome is exactly once.

Down: the village's durable pull consumer on LOKET_DOWN. A message is acknowledged only
after the village's own commit; a redelivered one finds its event id already stored.

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


@dataclass
class RelayCounts:
    """What this relay did since it started (for tests, benchmarks and the log)."""

    published: int = 0
    duplicates: int = 0
    received: int = 0
    rounds_failed: int = 0
    connected: int = 0
    errors: dict[str, int] = field(default_factory=dict)


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
    ) -> None:
        self.db = db
        self.creds = creds
        self.batch = batch
        self.retry_max_seconds = retry_max_seconds
        self.counts = RelayCounts()

    @classmethod
    def from_settings(cls, db: Database, settings: Settings) -> Relay:
        assert settings.hub_credentials is not None
        creds = HubCredentials.load(settings.hub_credentials, url=settings.hub_url)
        return cls(
            db, creds, batch=settings.sync_batch, retry_max_seconds=settings.sync_retry_max_seconds
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
                log.warning("a message from the hub is off the schema; dropped")
                await message.term()
                continue
            if isinstance(event, events.UnknownEvent):
                # A newer kind or version: keep it at the hub for an upgraded village.
                await message.nak(delay=3600)
                continue
            with self.db.unit_of_work() as session:
                outbox.store_announcement(session, event)
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
        )

    def _failed(self, exc: BaseException) -> None:
        name = type(exc).__name__
        self.counts.rounds_failed += 1
        self.counts.errors[name] = self.counts.errors.get(name, 0) + 1

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
                await self.push(js)
                # Also the idle pause: the fetch waits up to PULL_WAIT_SECONDS for messages.
                await self.pull(sub)
        finally:
            # Bounded: closing a TLS connection whose peer vanished can wait forever for
            # a close_notify that never comes.
            with contextlib.suppress(*LINK_ERRORS, asyncio.TimeoutError):
                await asyncio.wait_for(nc.close(), timeout=CLOSE_TIMEOUT_SECONDS)


def start_in_thread(db: Database, settings: Settings) -> threading.Event:
    """The relay in a daemon thread with its own event loop; set the event to stop it."""
    return looping.start_in_thread("sync-relay", Relay.from_settings(db, settings).run)
