"""The hub's consumer: village events from JetStream into PostgreSQL, exactly once.

A batch is fetched, each event inserted with `ON CONFLICT (event_id) DO NOTHING`, and the
projections (request state, day aggregates, catalog, village profile, UMKM register)
updated only for rows that were new, all in one transaction; the messages are acknowledged after it
commits. A crash before the ack redelivers the batch and the inserts find every id
there, so a redelivery or a replay after JetStream's duplicate window changes nothing.
The subject names the sender (the server let only that village publish there); an
envelope claiming another village is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from loket_protocol import events, subjects
from regency_hub.database import HubDatabase
from regency_hub.models import (
    CatalogEntry,
    DayAggregate,
    Event,
    HubFiling,
    LetterMonth,
    RequestState,
    UmkmEntry,
    Village,
    VillageForm,
    VillageKey,
)

log = logging.getLogger("loket.hub.ingest")
FETCH_BATCH = 500
FETCH_WAIT_SECONDS = 1.0
# The dashboard's months are the villages' calendar months (Western Indonesia Time).
WIB = ZoneInfo("Asia/Jakarta")


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
    """One transaction for the batch: the events in one multi-row insert that skips known
    ids, then the projections of the new ones, statement by statement in order."""
    with db.unit_of_work() as session:
        villages = _villages_by_token(session)
        accepted: list[tuple[Village, events.Event | events.UnknownEvent, int]] = []
        for message in messages:
            token = _token_of(message.subject)
            village = villages.get(token)
            try:
                event = events.decode(message.data)
            except events.BadEvent:
                counts.refused += 1
                continue
            if village is None or not _same_village(event.village, token):
                counts.refused += 1
                continue
            accepted.append((village, event, message.metadata.sequence.stream))
        if not accepted:
            return
        rows = [_row(village, event, seq) for village, event, seq in accepted]
        new_ids = set(
            session.scalars(
                insert(Event)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["event_id"])
                .returning(Event.event_id)
            )
        )
        counts.stored += len(new_ids)
        counts.duplicates += len(accepted) - len(new_ids)
        latest: dict[int, datetime | None] = {}
        projection = _Projection()
        for village, event, _seq in accepted:
            if event.id not in new_ids:
                continue
            new_ids.discard(event.id)  # the same id twice in one batch: once
            if isinstance(event, events.Event):
                projection.add(session, village, event)
            latest[village.id] = max(
                (t for t in (latest.get(village.id), event.at) if t is not None), default=None
            )
        projection.flush(session)
        now = datetime.now(UTC)
        for village_id, at in latest.items():
            session.execute(
                update(Village)
                .where(Village.id == village_id)
                .values(last_received_at=now, last_event_at=at)
            )


def _same_village(claimed: str, token: str) -> bool:
    try:
        return subjects.village_token(claimed) == token
    except ValueError:
        return False


def _row(village: Village, event: events.Event | events.UnknownEvent, seq: int) -> dict[str, Any]:
    if isinstance(event, events.Event):
        version, data = events.SCHEMA_VERSION, event.data.model_dump(mode="json")
    else:
        version, data = event.version, event.raw
    return {
        "event_id": event.id,
        "village_id": village.id,
        "kind": str(event.kind),
        "version": version,
        "understood": isinstance(event, events.Event),
        "occurred_at": event.at,
        "stream_seq": seq,
        "data": data,
    }


def _request_upsert(*columns: str) -> Any:
    """The request's row made, or these columns of it set; run as one executemany for
    the batch (psycopg pipelines it: each row its own statement, in order)."""
    statement = insert(RequestState)
    return statement.on_conflict_do_update(
        index_elements=["village_id", "code"],
        set_={name: statement.excluded[name] for name in columns},
    )


def _status_upsert() -> Any:
    statement = insert(RequestState)
    current = RequestState.__table__.c
    newer = statement.excluded.status_at >= current.status_at
    return statement.on_conflict_do_update(
        index_elements=["village_id", "code"],
        # Events may arrive out of order: the latest by the village's clock wins.
        set_={
            "status": case((newer, statement.excluded.status), else_=current.status),
            "status_at": func.greatest(current.status_at, statement.excluded.status_at),
            "ready_at": func.coalesce(statement.excluded.ready_at, current.ready_at),
        },
    )


def _month_counts(filed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counted: Counter[tuple[int, date, str]] = Counter()
    for row in filed:
        local = row["filed_at"].astimezone(WIB)
        counted[(row["village_id"], date(local.year, local.month, 1), row["letter_type"])] += 1
    return [
        {"village_id": v, "month": m, "letter_type": t, "filed": n}
        for (v, m, t), n in sorted(counted.items())  # one order: concurrent batches never deadlock
    ]


def _month_upsert() -> Any:
    statement = insert(LetterMonth)
    return statement.on_conflict_do_update(
        index_elements=["village_id", "month", "letter_type"],
        set_={"filed": LetterMonth.__table__.c.filed + statement.excluded.filed},
    )


def _umkm_upsert() -> Any:
    """An entry per village and pickup code: a newer one (re-issued, or sent again under
    a changed policy) replaces every field, so a field the village stopped sending goes."""
    statement = insert(UmkmEntry)
    columns = [c.name for c in UmkmEntry.__table__.c if c.name not in ("id", "village_id", "code")]
    return statement.on_conflict_do_update(
        index_elements=["village_id", "code"],
        set_={name: statement.excluded[name] for name in columns},
        where=statement.excluded.occurred_at >= UmkmEntry.__table__.c.occurred_at,
    )


def _store_form(
    session: Session, village: Village, at: datetime, data: events.LetterTypeForm
) -> None:
    """The type's form, replaced only by a newer one (by the village's clock)."""
    statement = insert(VillageForm).values(
        village_id=village.id, code=data.code, sent_at=at, form=data.model_dump(mode="json")
    )
    current = VillageForm.__table__.c
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["village_id", "code"],
            set_={"sent_at": statement.excluded.sent_at, "form": statement.excluded.form},
            where=statement.excluded.sent_at >= current.sent_at,
        )
    )


def store_key(session: Session, village_id: int, data: events.VillageKey) -> None:
    """A key the village sent (or `add-village --public-key` gave): the newest received is
    the one residents seal to; a key seen again becomes the newest again."""
    statement = insert(VillageKey).values(
        village_id=village_id, kid=data.kid, public_key=data.public_key
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["village_id", "kid"], set_={"received_at": func.clock_timestamp()}
        )
    )


def _refused(session: Session, village: Village, at: datetime, data: events.SealedRefused) -> None:
    """The village opened the box and could not file it: the resident corrects the form.
    (Not compared with `sent_at`: that is the hub's clock, `at` the village's.)"""
    session.execute(
        update(HubFiling)
        .where(
            HubFiling.village_id == village.id,
            HubFiling.request_id == data.request_id,
            HubFiling.code == data.code,
        )
        .values(refused_at=at, problems=[p.model_dump() for p in data.problems])
    )


class _Projection:
    """What a batch's new events change besides the events table."""

    def __init__(self) -> None:
        self.filed: list[dict[str, Any]] = []
        self.status: list[dict[str, Any]] = []
        self.picked: list[dict[str, Any]] = []
        self.umkm: list[dict[str, Any]] = []

    def add(self, session: Session, village: Village, event: events.Event) -> None:
        data = event.data
        base = {"village_id": village.id, "status": "submitted", "status_at": event.at}
        if isinstance(data, events.RequestFiled):
            self.filed.append(
                base
                | {
                    "code": data.code,
                    "letter_type": data.letter_type,
                    "channel": data.channel,
                    "filed_at": event.at,
                }
            )
        elif isinstance(data, events.StatusChanged):
            self.status.append(
                base
                | {
                    "code": data.code,
                    "status": data.to_status,
                    "ready_at": event.at if data.to_status == "ready" else None,
                }
            )
        elif isinstance(data, events.PickedUp):
            self.picked.append(
                base | {"code": data.code, "picked_up_at": event.at, "picked_up_via": data.via}
            )
        elif isinstance(data, events.QueueDay):
            figures = data.model_dump(mode="json")
            session.execute(
                insert(DayAggregate)
                .values(village_id=village.id, day=data.day, figures=figures)
                .on_conflict_do_update(
                    index_elements=["village_id", "day"], set_={"figures": figures}
                )
            )
        elif isinstance(data, events.CatalogChanged):
            for entry in data.letter_types:
                session.execute(
                    insert(CatalogEntry)
                    .values(
                        village_id=village.id,
                        code=entry.code,
                        name=entry.name,
                        active=entry.active,
                    )
                    .on_conflict_do_update(
                        index_elements=["village_id", "code"],
                        set_={"name": entry.name, "active": entry.active},
                    )
                )
        elif isinstance(data, events.UmkmEntry):
            self.umkm.append(
                data.model_dump(mode="json")
                | {"village_id": village.id, "event_id": event.id, "occurred_at": event.at}
            )
        elif isinstance(data, events.LetterTypeForm):
            _store_form(session, village, event.at, data)
        elif isinstance(data, events.VillageKey):
            store_key(session, village.id, data)
        elif isinstance(data, events.SealedRefused):
            _refused(session, village, event.at, data)
        elif isinstance(data, events.ProfileChanged):
            session.execute(
                update(Village)
                .where(Village.id == village.id)
                .values(name=data.name, kecamatan=data.kecamatan)
            )

    def flush(self, session: Session) -> None:
        # Each kind touches its own columns, so their order does not matter; within a
        # kind (several status changes of one request) the rows keep the batch's order.
        if self.filed:
            session.execute(_request_upsert("letter_type", "channel", "filed_at"), self.filed)
            session.execute(_month_upsert(), _month_counts(self.filed))
        if self.status:
            session.execute(_status_upsert(), self.status)
        if self.picked:
            session.execute(_request_upsert("picked_up_at", "picked_up_via"), self.picked)
        if self.umkm:
            session.execute(_umkm_upsert(), self.umkm)


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
