from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from office_server.database import Base, UTCDateTime, utcnow


class Letter(Base):
    """An issued letter: its number, signer and the archived final PDF (by content hash)."""

    __tablename__ = "letters"
    # A number is unique within its counter: two types sharing a classification code
    # each count on their own (the counter key is the type).
    __table_args__ = (UniqueConstraint("counter_scope", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("letter_requests.id"), unique=True)
    number: Mapped[str] = mapped_column(String(120), index=True)
    counter_scope: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), nullable=True)
    signer_name: Mapped[str] = mapped_column(String(120))
    signer_title: Mapped[str] = mapped_column(String(80))
    signer_nip: Mapped[str | None] = mapped_column(String(40), nullable=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdf_size: Mapped[int] = mapped_column(Integer)
    # The layout the PDF was rendered on (A4, F4, thermal80, thermal58): the kiosk picks
    # the printer's media from it.
    paper: Mapped[str] = mapped_column(String(10), default="F4")
    # Unguessable; the verification QR opens /v/<token>. Never an id.
    verification_token: Mapped[str] = mapped_column(String(40), unique=True)
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
