"""Queue tickets: take a number at the kiosk, operators call them to a counter (loket)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.clock import today_local
from office_server.database import utcnow
from office_server.errors import Conflict, NotFound, ValidationFailed
from office_server.queue.models import QueueTicket, TicketStatus
from office_server.security import new_id
from office_server.sequences import next_value

SERVICES = {"A": "Layanan surat", "B": "Informasi dan pengaduan"}


def take(
    session: Session,
    *,
    service: str = "A",
    kiosk_id: int | None = None,
    idempotency_key: str | None = None,
    today: date | None = None,
) -> QueueTicket:
    service = service.upper()
    idempotency_key = (idempotency_key or "").strip() or None
    if service not in SERVICES:
        raise ValidationFailed({"service": "Jenis layanan antrean tidak dikenal."})
    if idempotency_key:
        existing = session.scalars(
            select(QueueTicket).where(QueueTicket.idempotency_key == idempotency_key)
        ).first()
        if existing is not None:
            return existing
    today = today or today_local()
    number = next_value(session, name=f"ticket:{service}", period=today.isoformat())
    ticket = QueueTicket(
        id=new_id(),
        service_date=today,
        service=service,
        number=number,
        kiosk_id=kiosk_id,
        idempotency_key=idempotency_key,
    )
    session.add(ticket)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # two retries of one ticket raced past the lookup
        raise Conflict(
            "Nomor antrean sedang dibuat. Coba lagi sebentar.",
            "The same ticket is being issued; retry shortly.",
            code="duplicate_ticket",
        ) from exc
    return ticket


def waiting_before(session: Session, ticket: QueueTicket) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(QueueTicket)
            .where(
                QueueTicket.service_date == ticket.service_date,
                QueueTicket.service == ticket.service,
                QueueTicket.status == TicketStatus.WAITING,
                QueueTicket.number < ticket.number,
            )
        )
        or 0
    )


def get(session: Session, *, ticket_id: str) -> QueueTicket:
    ticket = session.get(QueueTicket, ticket_id)
    if ticket is None:
        raise NotFound("Nomor antrean tidak ditemukan.", "Ticket not found.")
    return ticket


def call_next(
    session: Session,
    *,
    counter_no: int,
    actor: Actor,
    service: str = "A",
    today: date | None = None,
) -> QueueTicket:
    today = today or today_local()
    ticket = session.scalars(
        select(QueueTicket)
        .where(
            QueueTicket.service_date == today,
            QueueTicket.service == service.upper(),
            QueueTicket.status == TicketStatus.WAITING,
        )
        .order_by(QueueTicket.number)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if ticket is None:
        raise NotFound("Tidak ada antrean yang menunggu.", "Nobody is waiting.", code="queue_empty")
    # The resident called before at this counter is done when the next one is called.
    for previous in session.scalars(
        select(QueueTicket).where(
            QueueTicket.service_date == today,
            QueueTicket.counter_no == counter_no,
            QueueTicket.status == TicketStatus.CALLED,
        )
    ):
        previous.status = TicketStatus.SERVED
        previous.finished_at = utcnow()
    _call(ticket, counter_no)
    audit.record(session, actor=actor, action="ticket_call", details={"ticket": ticket.label})
    return ticket


def recall(session: Session, *, ticket_id: str, actor: Actor) -> QueueTicket:
    ticket = get(session, ticket_id=ticket_id)
    if ticket.status != TicketStatus.CALLED or ticket.counter_no is None:
        raise Conflict("Nomor ini belum dipanggil.", "This ticket has not been called.")
    _call(ticket, ticket.counter_no)
    audit.record(session, actor=actor, action="ticket_recall", details={"ticket": ticket.label})
    return ticket


def skip(session: Session, *, ticket_id: str, actor: Actor) -> QueueTicket:
    ticket = get(session, ticket_id=ticket_id)
    if ticket.status not in (TicketStatus.WAITING, TicketStatus.CALLED):
        raise Conflict("Nomor ini sudah selesai dilayani.", "This ticket is already finished.")
    ticket.status = TicketStatus.SKIPPED
    ticket.finished_at = utcnow()
    audit.record(session, actor=actor, action="ticket_skip", details={"ticket": ticket.label})
    return ticket


def _call(ticket: QueueTicket, counter_no: int) -> None:
    ticket.status = TicketStatus.CALLED
    ticket.counter_no = counter_no
    ticket.called_at = utcnow()
    ticket.call_count += 1


@dataclass(frozen=True)
class BoardState:
    called: list[QueueTicket]
    waiting: int


def board(session: Session, *, today: date | None = None) -> BoardState:
    """What the TV display shows: the latest calls and how many are waiting."""
    today = today or today_local()
    called = list(
        session.scalars(
            select(QueueTicket)
            .where(QueueTicket.service_date == today, QueueTicket.called_at.is_not(None))
            .order_by(QueueTicket.called_at.desc())
            .limit(6)
        )
    )
    waiting = session.scalar(
        select(func.count())
        .select_from(QueueTicket)
        .where(QueueTicket.service_date == today, QueueTicket.status == TicketStatus.WAITING)
    )
    return BoardState(called=called, waiting=int(waiting or 0))


def called_at_counter(
    session: Session, *, counter_no: int, today: date | None = None
) -> QueueTicket | None:
    """The ticket now being served at a counter (called and not yet finished), if any."""
    today = today or today_local()
    return session.scalars(
        select(QueueTicket)
        .where(
            QueueTicket.service_date == today,
            QueueTicket.counter_no == counter_no,
            QueueTicket.status == TicketStatus.CALLED,
        )
        .order_by(QueueTicket.called_at.desc())
        .limit(1)
    ).first()


def waiting_count(
    session: Session, *, service: str | None = None, today: date | None = None
) -> int:
    today = today or today_local()
    stmt = (
        select(func.count())
        .select_from(QueueTicket)
        .where(QueueTicket.service_date == today, QueueTicket.status == TicketStatus.WAITING)
    )
    if service:
        stmt = stmt.where(QueueTicket.service == service.upper())
    return int(session.scalar(stmt) or 0)


def was_called(
    session: Session, *, service: str, number: int, counter_no: int, today: date | None = None
) -> bool:
    """Whether this number was called to this counter today (what the TV may announce)."""
    today = today or today_local()
    found = session.scalar(
        select(func.count())
        .select_from(QueueTicket)
        .where(
            QueueTicket.service_date == today,
            QueueTicket.service == service,
            QueueTicket.number == number,
            QueueTicket.counter_no == counter_no,
            QueueTicket.called_at.is_not(None),
        )
    )
    return bool(found)
