from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from office_server.database import Base, UTCDateTime, utcnow


class KioskDevice(Base):
    """A kiosk allowed to claim and print letters; its API key is stored only as a hash."""

    __tablename__ = "kiosk_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(12), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ClaimStatus:
    OPEN = "open"
    PRINTED = "printed"
    FAILED = "failed"


class KioskClaim(Base):
    """A kiosk's attempt to print one ready letter. Retrying an open claim is safe."""

    __tablename__ = "kiosk_claims"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosk_devices.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("letter_requests.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=ClaimStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
