from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from office_server.database import Base, UTCDateTime, utcnow


class NotificationSettings(Base):
    """How the village reaches residents (one row, id 1): none, WhatsApp or SMS gateway."""

    __tablename__ = "notification_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), default="none")  # none, whatsapp, sms
    gateway_url: Mapped[str] = mapped_column(String(300), default="")
    # The rented gateway's key; sent only in the header the admin names, never logged.
    token: Mapped[str] = mapped_column(String(300), default="")
    token_header: Mapped[str] = mapped_column(String(60), default="Authorization")
    body_format: Mapped[str] = mapped_column(String(10), default="json")  # json or form
    body_template: Mapped[str] = mapped_column(Text, default="")
    daily_cap: Mapped[int] = mapped_column(Integer, default=200)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OutboxMessage(Base):
    """A message to a resident, written in the transaction that changed the request's status.

    `idempotency_key` goes with every attempt so that a gateway that got a message whose
    answer we lost does not send it twice. The text holds no personal data.
    """

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("letter_requests.id"), nullable=True, index=True
    )
    public_code: Mapped[str] = mapped_column(String(12))
    event: Mapped[str] = mapped_column(String(30))  # needs_correction, ready, rejected
    phone: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str] = mapped_column(String(40), unique=True)
    # Random, in the message's "stop" link: it names no person and no request.
    stop_token: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)


class OptOut(Base):
    """A phone number that asked for no more messages."""

    __tablename__ = "notification_optouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
