"""The day's figures for the operator: requests filed per letter type, letters issued,
and how long a request took from submission to a ready letter."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loket_protocol import events
from office_server.audit.models import AuditEvent
from office_server.clock import local_tz
from office_server.letter_types.models import LetterType
from office_server.letters.models import Letter
from office_server.queue.models import QueueTicket
from office_server.requests.models import LetterRequest
from office_server.sync import outbox


def day_stats(session: Session, *, start: datetime, end: datetime) -> dict[str, Any]:
    """Requests filed per letter type in [start, end) and submit-to-ready times (minutes).

    `start`/`end` are aware datetimes (the office's local day in UTC).
    """
    per_type = session.execute(
        select(LetterType.title, func.count(LetterRequest.id))
        .join(LetterRequest, LetterRequest.letter_type_id == LetterType.id)
        .where(LetterRequest.created_at >= start, LetterRequest.created_at < end)
        .group_by(LetterType.title)
        .order_by(func.count(LetterRequest.id).desc())
    ).all()
    ready_rows = session.execute(
        select(LetterRequest.submitted_at, Letter.created_at)
        .join(Letter, Letter.request_id == LetterRequest.id)
        .where(Letter.created_at >= start, Letter.created_at < end)
    ).all()
    minutes = sorted(
        (made - submitted).total_seconds() / 60
        for submitted, made in ready_rows
        if submitted is not None and made is not None
    )
    return {
        "per_type": [(title, int(n)) for title, n in per_type],
        "filed": sum(int(n) for _, n in per_type),
        "ready": len(minutes),
        "avg_minutes": (sum(minutes) / len(minutes)) if minutes else None,
        "median_minutes": minutes[len(minutes) // 2] if minutes else None,
        "max_minutes": minutes[-1] if minutes else None,
    }


def day_summary(session: Session, *, day: date) -> events.QueueDay:
    """The office's day in counts only, for the regency (the queue day summary event)."""
    tz = local_tz()
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = start + timedelta(days=1)

    def count(statement: Any) -> int:
        return int(session.scalar(statement) or 0)

    pickups = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "pick_up", AuditEvent.at >= start, AuditEvent.at < end)
    )
    return events.QueueDay(
        day=day,
        tickets_taken=count(
            select(func.count()).select_from(QueueTicket).where(QueueTicket.service_date == day)
        ),
        tickets_called=count(
            select(func.count())
            .select_from(QueueTicket)
            .where(QueueTicket.service_date == day, QueueTicket.called_at.is_not(None))
        ),
        requests_filed=count(
            select(func.count())
            .select_from(LetterRequest)
            .where(LetterRequest.created_at >= start, LetterRequest.created_at < end)
        ),
        letters_issued=count(
            select(func.count()).select_from(Letter).where(Letter.issued_on == day)
        ),
        picked_up=count(pickups),
        picked_up_at_kiosk=count(pickups.where(AuditEvent.actor_type == "kiosk")),
    )


def record_day_summary(session: Session, *, day: date) -> bool:
    """Puts the day's summary in the outbox once (its event id is derived from the day, so
    the hourly chore can ask every hour). Returns whether it was new."""
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"loket-desa:queue.day:{day.isoformat()}"))
    return outbox.record(session, day_summary(session, day=day), event_id=event_id) is not None
