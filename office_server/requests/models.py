from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from office_server.database import Base, UTCDateTime, utcnow
from office_server.letter_types.models import LetterType


class Channel(StrEnum):
    WEB = "web"
    KIOSK = "kiosk"
    COUNTER = "counter"
    OFFLINE_QR = "offline_qr"
    # Filed from home through the regency hub, sealed to the village's key.
    HUB = "hub"


class LetterRequest(Base):
    """A resident's request for a letter, from filing to pick-up."""

    __tablename__ = "letter_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_code: Mapped[str] = mapped_column(String(12), unique=True)
    letter_type_id: Mapped[int] = mapped_column(ForeignKey("letter_types.id"))
    channel: Mapped[str] = mapped_column(String(16))
    applicant_nik: Mapped[str] = mapped_column(String(16), index=True)
    applicant_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    form_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(30), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    # Client-chosen key that makes a retried POST return the same request.
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True, nullable=True)
    body_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    correction_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    queue_ticket_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    letter_type: Mapped[LetterType] = relationship(lazy="joined")


class SealedRefusal(Base):
    """A request sealed at the hub that this village could not file (could not open it, or
    its form failed the checks): what an operator may see, never what was typed."""

    __tablename__ = "sealed_refusals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The hub's message id: a redelivered message is refused once.
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    request_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    public_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    # [{"field", "message"}]: the problems in words, as sent back to the resident.
    problems: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
