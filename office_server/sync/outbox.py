"""Writing the outbox: every change the regency should know, in the change's transaction.

The outbox fills whether or not a hub is configured: a row per change costs little next
to the request itself, the same code runs in every village (tested once), and a village
that joins its regency later sends its history since install. `loket sync status`
shows the depth.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from loket_protocol import events
from office_server.database import utcnow
from office_server.sync.models import OutboxEvent, RegencyAnnouncement

log = logging.getLogger("loket.sync")


def record(
    session: Session,
    data: events.EventData,
    *,
    at: datetime | None = None,
    event_id: str | None = None,
) -> OutboxEvent | None:
    """Adds one event (flushes nothing). With `event_id` (a deterministic id, e.g. of a
    day's summary) an event already recorded is not recorded again; returns None then."""
    kind = events.KIND_OF[type(data)]
    if event_id is not None:
        exists = session.scalar(select(OutboxEvent.id).where(OutboxEvent.event_id == event_id))
        if exists is not None:
            return None
    row = OutboxEvent(
        event_id=event_id or str(events.new_event_id()),
        kind=str(kind),
        version=events.SCHEMA_VERSION,
        data=data.model_dump(mode="json"),
        occurred_at=at or utcnow(),
    )
    session.add(row)
    return row


def pending(session: Session, *, limit: int) -> list[OutboxEvent]:
    return list(
        session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.sent_at.is_(None))
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
    )


def mark_sent(session: Session, *, acked: dict[int, int], at: datetime | None = None) -> None:
    """Marks outbox rows (id -> the hub's stream sequence) sent, after their PubAcks."""
    when = at or utcnow()
    for row_id, seq in acked.items():
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == row_id, OutboxEvent.sent_at.is_(None))
            .values(sent_at=when, hub_seq=seq)
        )


@dataclass(frozen=True)
class SyncStatus:
    depth: int
    sent: int
    last_sent_event: str | None
    last_sent_at: datetime | None
    oldest_pending_at: datetime | None

    def lag_seconds(self, now: datetime) -> float:
        """How old the oldest unsent change is (0 when nothing waits)."""
        if self.oldest_pending_at is None:
            return 0.0
        return max(0.0, (now - self.oldest_pending_at).total_seconds())


def status(session: Session) -> SyncStatus:
    depth = session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.sent_at.is_(None))
    )
    sent = session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.sent_at.is_not(None))
    )
    last = session.execute(
        select(OutboxEvent.event_id, OutboxEvent.sent_at)
        .where(OutboxEvent.sent_at.is_not(None))
        .order_by(OutboxEvent.hub_seq.desc(), OutboxEvent.id.desc())
        .limit(1)
    ).first()
    oldest = session.scalar(
        select(func.min(OutboxEvent.occurred_at)).where(OutboxEvent.sent_at.is_(None))
    )
    return SyncStatus(
        depth=int(depth or 0),
        sent=int(sent or 0),
        last_sent_event=last[0] if last else None,
        last_sent_at=last[1] if last else None,
        oldest_pending_at=oldest,
    )


def store_announcement(session: Session, event: events.Event) -> bool:
    """Keeps a regency announcement once (a redelivered one is no new row)."""
    if not isinstance(event.data, events.Announcement):
        return False
    exists = session.scalar(
        select(RegencyAnnouncement.id).where(RegencyAnnouncement.event_id == str(event.id))
    )
    if exists is not None:
        return False
    session.add(
        RegencyAnnouncement(
            event_id=str(event.id), title=event.data.title, body=event.data.body, sent_at=event.at
        )
    )
    return True


def regency_announcements(session: Session, *, limit: int = 3) -> list[RegencyAnnouncement]:
    return list(
        session.scalars(
            select(RegencyAnnouncement).order_by(RegencyAnnouncement.sent_at.desc()).limit(limit)
        )
    )


def record_public(session: Session, kind: events.Kind, data: dict[str, object]) -> bool:
    """Records an event of text an admin typed (profile, catalog). Text the schema refuses
    (a long run of digits in a name) is not sent, and the admin's change still stands:
    the regency misses a name, the village loses nothing. Returns whether it was recorded."""
    try:
        checked = events.data_from_dict(kind, data)
    except ValueError:  # pydantic's ValidationError is a ValueError
        log.warning("%s not sent to the regency: refused by the event schema", kind)
        return False
    record(session, checked)
    return True
