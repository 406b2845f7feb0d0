from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from office_server.database import Base, UTCDateTime, utcnow


class OutboxEvent(Base):
    """One event for the regency hub, written in the transaction of the change it tells.

    Lifecycle: written (sent_at NULL) -> published and acknowledged by the hub's JetStream
    (sent_at, hub_seq set by the relay after the PubAck). Rows are kept after sending: they
    are the village's own record of what it told the regency.
    """

    __tablename__ = "sync_outbox"
    __table_args__ = (Index("ix_sync_outbox_pending", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The hub stream's sequence from the PubAck: proof of what the hub holds.
    hub_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class RegencyAnnouncement(Base):
    """A notice the regency sent to every village, shown on the village's public page."""

    __tablename__ = "sync_regency_announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
