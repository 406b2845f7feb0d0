"""The day's figures for the operator: requests filed per letter type, letters issued,
and how long a request took from submission to a ready letter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from office_server.letter_types.models import LetterType
from office_server.letters.models import Letter
from office_server.requests.models import LetterRequest


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
