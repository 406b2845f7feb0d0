"""Feeding the hub's real ingest (`ingest.store_batch`) without a NATS server: messages
built as JetStream delivers them (subject, envelope, ack subject carrying the stream
sequence), so the events table and projections are written by the hub's own code."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta

from nats.aio.msg import Msg

from loket_protocol import events, subjects
from regency_hub.database import HubDatabase
from regency_hub.ingest import IngestCounts, store_batch

_seq = itertools.count(1)


def message(kode_desa: str, at: datetime, data: events._Data) -> Msg:
    raw = events.encode(event_id=uuid.uuid4(), village=kode_desa, at=at, data=data)
    kind = str(events.KIND_OF[type(data)])
    seq = next(_seq)
    return Msg(
        _client=None,  # type: ignore[arg-type]
        subject=subjects.up_subject(kode_desa, kind),
        reply=f"$JS.ACK.{subjects.UP_STREAM}.{subjects.HUB_CONSUMER}.1.{seq}.{seq}.0.0",
        data=raw,
    )


def ingest(db: HubDatabase, messages: list[Msg]) -> IngestCounts:
    counts = IngestCounts()
    store_batch(db, messages, counts)
    return counts


def request_life(
    kode_desa: str,
    code: str,
    *,
    letter_type: str,
    filed: datetime,
    ready_after: timedelta | None = None,
    picked_after: timedelta | None = None,
    via: str = "kiosk",
    channel: str = "web",
) -> list[Msg]:
    """The events a village sends for one request: filed, ready, picked up."""
    out = [
        message(
            kode_desa,
            filed,
            events.RequestFiled(
                code=code, letter_type=letter_type, channel=channel, status="submitted"
            ),
        )
    ]
    if ready_after is not None:
        ready = filed + ready_after
        out.append(
            message(
                kode_desa,
                ready,
                events.StatusChanged(
                    code=code, from_status="awaiting_signature", to_status="ready"
                ),
            )
        )
        if picked_after is not None:
            out.append(
                message(kode_desa, ready + picked_after, events.PickedUp(code=code, via=via))
            )
    return out


def profile(kode_desa: str, name: str, kecamatan: str) -> events.ProfileChanged:
    return events.ProfileChanged(
        kode_desa=kode_desa, name=name, kecamatan=kecamatan, kabupaten="Serang", provinsi="Banten"
    )
