"""The hub's consumer: village events from JetStream into PostgreSQL, exactly once.

A batch is fetched, each event inserted with `ON CONFLICT (event_id) DO NOTHING`, and the
projections (request state, day aggregates, catalog, village profile) updated only for
rows that were new, all in one transaction; the messages are acknowledged after it
commits. A crash before the ack redelivers the batch and the inserts find every id
there, so a redelivery or a replay after JetStream's duplicate window changes nothing.
The subject names the sender (the server let only that village publish there); an
envelope claiming another village is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from loket_protocol import events, subjects
from regency_hub.database import HubDatabase
from regency_hub.models import CatalogEntry, DayAggregate, Event, RequestState, Village

log = logging.getLogger("loket.hub.ingest")
FETCH_BATCH = 500
FETCH_WAIT_SECONDS = 1.0


@dataclass
class IngestCounts:
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    unknown: int = 0


def _villages_by_token(session: Session) -> dict[str, Village]:
    return {subjects.village_token(v.kode_desa): v for v in session.scalars(select(Village))}


def _token_of(subject: str) -> str:
    parts = subject.split(".")
    return parts[2] if len(parts) > 3 and parts[:2] == ["loket", "up"] else ""


def store_batch(db: HubDatabase, messages: list[Msg], counts: IngestCounts) -> None:
    with db.unit_of_work() as session:
        villages = _villages_by_token(session)
        for message in messages:
            village = villages.get(_token_of(message.subject))
            try:
                event = events.decode(message.data)
            except events.BadEvent:
                counts.refused += 1
                continue
            if village is None or subjects.village_token(event.village) != _token_of(
                message.subject
            ):
                counts.refused += 1
                continue
            if _store(session, village, event, message.metadata.sequence.stream):
                counts.stored += 1
            else:
                counts.duplicates += 1


def _store(
    session: Session, village: Village, event: events.Event | events.UnknownEvent, seq: int
) -> bool:
    understood = isinstance(event, events.Event)
    row: dict[str, Any] = {
        "event_id": event.id,
        "village_id": village.id,
        "kind": str(event.kind),
        "version": events.SCHEMA_VERSION if understood else event.version,  # type: ignore[union-attr]
        "understood": understood,
        "occurred_at": event.at,
        "stream_seq": seq,
        "data": event.data.model_dump(mode="json") if understood else event.raw,  # type: ignore[union-attr]
    }
    inserted = session.execute(
        insert(Event)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(Event.id)
    ).first()
    if inserted is None:
        return False
    now = datetime.now(UTC)
    session.execute(
        update(Village)
        .where(Village.id == village.id)
        .values(last_received_at=now, last_event_at=event.at)
    )
    if isinstance(event, events.Event):
        _project(session, village, event)
    return True


def _request_row(session: Session, village: Village, code: str, at: datetime) -> RequestState:
    session.execute(
        insert(RequestState)
        .values(village_id=village.id, code=code, status="submitted", status_at=at)
        .on_conflict_do_nothing(index_elements=["village_id", "code"])
    )
    return session.scalars(
        select(RequestState)
        .where(RequestState.village_id == village.id, RequestState.code == code)
        .with_for_update()
    ).one()


def _project(session: Session, village: Village, event: events.Event) -> None:
    data = event.data
    if isinstance(data, events.RequestFiled):
        state = _request_row(session, village, data.code, event.at)
        state.letter_type, state.channel, state.filed_at = data.letter_type, data.channel, event.at
    elif isinstance(data, events.StatusChanged):
        state = _request_row(session, village, data.code, event.at)
        # Events may arrive out of order: the latest status by the village's clock wins.
        if event.at >= state.status_at:
            state.status, state.status_at = data.to_status, event.at
        if data.to_status == "ready":
            state.ready_at = event.at
    elif isinstance(data, events.PickedUp):
        state = _request_row(session, village, data.code, event.at)
        state.picked_up_at, state.picked_up_via = event.at, data.via
    elif isinstance(data, events.QueueDay):
        figures = data.model_dump(mode="json")
        session.execute(
            insert(DayAggregate)
            .values(village_id=village.id, day=data.day, figures=figures)
            .on_conflict_do_update(index_elements=["village_id", "day"], set_={"figures": figures})
        )
    elif isinstance(data, events.CatalogChanged):
        for entry in data.letter_types:
            session.execute(
                insert(CatalogEntry)
                .values(
                    village_id=village.id, code=entry.code, name=entry.name, active=entry.active
                )
                .on_conflict_do_update(
                    index_elements=["village_id", "code"],
                    set_={"name": entry.name, "active": entry.active},
                )
            )
    elif isinstance(data, events.ProfileChanged):
        village.name, village.kecamatan = data.name, data.kecamatan


async def run(
    db: HubDatabase, js: JetStreamContext, stop: asyncio.Event, counts: IngestCounts
) -> None:
    """Until `stop`. A failed round (the connection dropped during a config reload, the
    database away) is logged by type and tried again; its messages were not acknowledged,
    so JetStream delivers them again."""
    sub = await js.pull_subscribe_bind(subjects.HUB_CONSUMER, stream=subjects.UP_STREAM)
    while not stop.is_set():
        try:
            messages = await sub.fetch(batch=FETCH_BATCH, timeout=FETCH_WAIT_SECONDS)
        except (nats.errors.TimeoutError, TimeoutError):
            continue  # nothing came (or a reload cut the fetch short)
        except Exception as exc:
            log.warning("ingest fetch failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)
            continue
        try:
            await asyncio.to_thread(store_batch, db, messages, counts)
        except Exception as exc:
            log.warning("ingest store failed: %s", type(exc).__name__)
            for message in messages:
                with contextlib.suppress(Exception):
                    await message.nak(delay=1)
            continue
        for message in messages:
            await message.ack()
