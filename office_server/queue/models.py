from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from office_server.database import Base, UTCDateTime, utcnow


class TicketStatus:
    WAITING = "waiting"
    CALLED = "called"
    SERVED = "served"
    SKIPPED = "skipped"


class QueueTicket(Base):
    __tablename__ = "queue_tickets"
    __table_args__ = (UniqueConstraint("service_date", "service", "number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_date: Mapped[date] = mapped_column(Date, index=True)
    service: Mapped[str] = mapped_column(String(2))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=TicketStatus.WAITING)
    counter_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk_devices.id"), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    call_count: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def label(self) -> str:
        return f"{self.service}-{self.number:03d}"
