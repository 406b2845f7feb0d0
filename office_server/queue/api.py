from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from office_server.deps import DbSession, OperatorUser, ReadSession
from office_server.queue import service as queue
from office_server.queue.models import QueueTicket

router = APIRouter(prefix="/api/v1", tags=["queue"])


class TicketState(BaseModel):
    ticket_id: str
    number: str
    status: str
    counter_no: int | None
    called_at: datetime | None
    call_count: int

    @classmethod
    def of(cls, t: QueueTicket) -> TicketState:
        return cls(
            ticket_id=t.id,
            number=t.label,
            status=t.status,
            counter_no=t.counter_no,
            called_at=t.called_at,
            call_count=t.call_count,
        )


class Board(BaseModel):
    called: list[TicketState]
    waiting: int


class CallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    counter_no: int = Field(ge=1, le=20)
    service: str = Field(default="A", max_length=2)


@router.get("/queue/board", response_model=Board)
def board(session: ReadSession) -> Board:
    """For the TV display: latest calls (no names, only numbers) and how many wait."""
    data = queue.board(session)
    return Board(called=[TicketState.of(t) for t in data.called], waiting=data.waiting)


@router.get("/queue/tickets/{ticket_id}", response_model=TicketState)
def ticket_state(ticket_id: str, session: ReadSession) -> TicketState:
    return TicketState.of(queue.get(session, ticket_id=ticket_id))


@router.post("/operator/queue/call-next", response_model=TicketState)
def call_next(body: CallIn, session: DbSession, operator: OperatorUser) -> TicketState:
    ticket = queue.call_next(
        session, counter_no=body.counter_no, service=body.service, actor=operator.actor
    )
    return TicketState.of(ticket)


@router.post("/operator/queue/{ticket_id}/recall", response_model=TicketState)
def recall(ticket_id: str, session: DbSession, operator: OperatorUser) -> TicketState:
    return TicketState.of(queue.recall(session, ticket_id=ticket_id, actor=operator.actor))


@router.post("/operator/queue/{ticket_id}/skip", response_model=TicketState)
def skip(ticket_id: str, session: DbSession, operator: OperatorUser) -> TicketState:
    return TicketState.of(queue.skip(session, ticket_id=ticket_id, actor=operator.actor))
