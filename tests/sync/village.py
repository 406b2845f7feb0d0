"""What a village does in the sync tests: file requests (on a clock the test moves), move
them along, and read its outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from office_server.audit.service import Actor
from office_server.database import Database
from office_server.requests import service as requests_service
from office_server.requests.models import Channel
from office_server.sync.models import OutboxEvent
from tests.support import factories

OPERATOR = Actor("operator", None, "test-operator")


class SimulatedClock:
    """The village's clock in a test: starts at `start`, moves when the test says so."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Every module that stamps what the outbox and the hub see.
        for target in (
            "office_server.requests.service.utcnow",
            "office_server.requests.lifecycle.utcnow",
            "office_server.sync.outbox.utcnow",
        ):
            monkeypatch.setattr(target, self)


def file_requests(
    db: Database,
    count: int,
    *,
    first_serial: int = 1,
    clock: SimulatedClock | None = None,
    step: timedelta = timedelta(0),
    approve_every: int = 0,
) -> list[str]:
    """Files `count` requests (each in its own transaction, as at the counter)."""
    codes = []
    for i in range(count):
        body = factories.request_body(serial=first_serial + i)
        with db.unit_of_work() as session:
            request, _, _ = requests_service.create(
                session,
                letter_type_code=body["letter_type"],
                applicant_nik=body["applicant_nik"],
                applicant_name=body["applicant_name"],
                form_data=body["form_data"],
                phone=None,
                channel=Channel.WEB,
                actor=OPERATOR,
            )
            if approve_every and i % approve_every == 0:
                requests_service.transition(session, request, "approve", actor=OPERATOR)
            codes.append(request.public_code)
        if clock is not None:
            clock.advance(step)
    return codes


def outbox_counts(db: Database) -> tuple[int, int]:
    """(all rows, rows still unsent)."""
    with db.unit_of_work(write=False) as session:
        total = session.scalar(select(func.count()).select_from(OutboxEvent))
        waiting = session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.sent_at.is_(None))
        )
    return int(total or 0), int(waiting or 0)


def week_start() -> datetime:
    return datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
