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
    # What the resident (or an operator) typed; never the register's values (see below).
    form_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The register row this request matched (NIK + name + birth date): the letter takes
    # the register-held fields from it (residents/prefill.py). No foreign key: a request
    # is archived and synced on its own, and an id that no longer resolves only means the
    # letter prints what was typed.
    register_resident_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
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


class RequestDocument(Base):
    """A photo of a required document (KTP, KK, pengantar RT/RW...) sent with a request.

    The picture itself is a file under `<data_dir>/documents/` (never a static route);
    the row says whose it is and what it shows. Both go when the village's retention
    period after pickup has passed (`documents.purge_expired`).
    """

    __tablename__ = "request_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Chosen by the uploader (a UUID): a retried PUT of the same photo lands on this row.
    document_key: Mapped[str] = mapped_column(String(36), unique=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("letter_requests.id"), index=True)
    # Which required document it shows, as the letter type named it at upload time.
    kind: Mapped[str] = mapped_column(String(120))
    # A random file name, never derived from the request or the resident.
    file_name: Mapped[str] = mapped_column(String(64), unique=True)
    # Of the bytes as sent, so a retry of the same photo is told from a different one.
    upload_sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
