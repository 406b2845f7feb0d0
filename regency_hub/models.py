"""The hub's tables: villages, every event as it came, and what the dashboard reads.

`events` is the record (one row per event id, whatever its version); `request_states`
and `day_aggregates` are projections the ingest keeps up to date in the same transaction,
so the dashboard (a later slice) reads turnaround and counts without scanning events.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from regency_hub.database import Base


class Village(Base):
    __tablename__ = "villages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kode_desa: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    kecamatan: Mapped[str] = mapped_column(String(160), default="")
    # The NATS user of this village and its bcrypt hash (the server config holds the hash).
    nats_user: Mapped[str] = mapped_column(String(80), unique=True)
    password_bcrypt: Mapped[str] = mapped_column(String(100))
    # The NATS account holding the village's off-site archive buckets (loket_db,
    # loket_pdf); the register policy it set (which register fields go up; none by default).
    archive_bucket: Mapped[str | None] = mapped_column(String(80), nullable=True)
    register_policy: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # Residents reach the village's pages at the hub only while it is active (h0004).
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_received_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


class Event(Base):
    """Every event once (unique id). Unknown kinds or newer versions are kept as they came
    (`understood` false) and can be read after the hub's upgrade."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    understood: Mapped[bool] = mapped_column(Boolean)
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The row's own insert time (clock_timestamp, not the transaction's start): the
    # village-to-PostgreSQL delay is received_at - occurred_at.
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    stream_seq: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)


class RequestState(Base):
    """One row per request per village: its latest status and the times that make
    turnaround (filed -> ready -> picked up). The dashboard never scans it: triggers
    (h0005) keep `turnaround_buckets` and `service_months` from each row's change."""

    __tablename__ = "request_states"
    __table_args__ = (UniqueConstraint("village_id", "code"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    code: Mapped[str] = mapped_column(String(12))
    letter_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[str] = mapped_column(String(30))
    status_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    picked_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    picked_up_via: Mapped[str | None] = mapped_column(String(16), nullable=True)


class LetterMonth(Base):
    """Requests filed per village, WIB calendar month and letter type: kept by the ingest
    with each new `request.filed`, so the dashboard's counts and 12-month line read a
    few thousand rows instead of scanning millions of requests."""

    __tablename__ = "letter_months"

    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    letter_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    filed: Mapped[int] = mapped_column(BigInteger)


class TurnaroundBucket(Base):
    """Letters per village, WIB month of filing, turnaround leg (1 filed -> ready,
    2 ready -> picked up, 3 filed -> picked up) and duration bucket (regency_hub/
    turnaround.py): a histogram the dashboard reads percentiles from. Kept by the
    trigger on request_states (migration h0005), never written from Python."""

    __tablename__ = "turnaround_buckets"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    leg: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    letters: Mapped[int] = mapped_column(BigInteger)


class TurnaroundRegency(Base):
    """The same histogram summed over the regency's villages, kept by the same trigger:
    the regency-wide page reads a few hundred rows however many villages."""

    __tablename__ = "turnaround_regency"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    leg: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    letters: Mapped[int] = mapped_column(BigInteger)


class ServiceMonth(Base):
    """Letters picked up, and those at the kiosk, per village and WIB month of filing;
    kept by the same trigger."""

    __tablename__ = "service_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    picked_up: Mapped[int] = mapped_column(BigInteger)
    picked_up_kiosk: Mapped[int] = mapped_column(BigInteger)


class DayAggregate(Base):
    __tablename__ = "day_aggregates"
    __table_args__ = (UniqueConstraint("village_id", "day"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    day: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(JSONB)


class CatalogEntry(Base):
    __tablename__ = "catalog_entries"
    __table_args__ = (UniqueConstraint("village_id", "code"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(160))
    active: Mapped[bool] = mapped_column(Boolean)


class UmkmEntry(Base):
    """The UMKM register from business letters, only as far as the village's register
    policy lets it go up (each field None when kept home). One entry per village and
    pickup code: a letter issued again, or sent again, replaces it (the latest by the
    village's clock). A village that turns its policy off sends nothing more; what came
    before stays here."""

    __tablename__ = "umkm_register"
    __table_args__ = (
        UniqueConstraint("village_id", "code"),
        # The page's order within a village: walked per village, never a full sort.
        Index("ix_umkm_register_village_name", "village_id", "business_name", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    code: Mapped[str] = mapped_column(String(12))
    # The event that wrote the entry as it stands (the events table holds every one).
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    business_name: Mapped[str | None] = mapped_column(String(160), nullable=True)
    kind: Mapped[str | None] = mapped_column(String(160), nullable=True)
    since: Mapped[str | None] = mapped_column(String(20), nullable=True)
    dusun: Mapped[str | None] = mapped_column(String(160), nullable=True)
    rt: Mapped[str | None] = mapped_column(String(5), nullable=True)
    rw: Mapped[str | None] = mapped_column(String(5), nullable=True)
    owner_name: Mapped[str | None] = mapped_column(String(160), nullable=True)


class HubUser(Base):
    """Regency staff who log in to the dashboard."""

    __tablename__ = "hub_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SentAnnouncement(Base):
    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class HubSession(Base):
    """A staff login. The cookie holds a random token, this row only its SHA-256, so a
    copy of the database opens no session; logout deletes the row."""

    __tablename__ = "hub_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("hub_users.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class LoginFailure(Base):
    """Failed logins per user name (existing or not, so it tells nothing about accounts)."""

    __tablename__ = "hub_login_failures"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    wait_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class VillageKey(Base):
    """The village's public keys for sealed requests (h0004): the newest is the one the
    browser seals to; older ones stay so a box sealed before a key change still names one."""

    __tablename__ = "village_keys"
    __table_args__ = (UniqueConstraint("village_id", "kid"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    kid: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(String(87))
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )


class VillageForm(Base):
    """One letter type's form as the village last sent it (`catalog.form`)."""

    __tablename__ = "village_forms"
    __table_args__ = (UniqueConstraint("village_id", "code"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    code: Mapped[str] = mapped_column(String(40))
    # The village's clock of the event: an older event never replaces a newer form.
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    form: Mapped[dict[str, Any]] = mapped_column(JSONB)


class HubFiling(Base):
    """A request a resident filed at the hub: the code the hub gave it and the pickup
    secret's hash, nothing the resident typed (the box went to JetStream, not here).
    What the village did with it is in `request_states` under the same (village, code);
    a box the village could not file leaves its problems here (`request.refused`)."""

    __tablename__ = "hub_filings"
    __table_args__ = (UniqueConstraint("village_id", "code"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    code: Mapped[str] = mapped_column(String(12))
    letter_type: Mapped[str] = mapped_column(String(40))
    secret_hash: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The last box sent (a correction sends another); refusals after it reopen the form.
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    refused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # [{"field", "message"}]: words from the village, never a typed value.
    problems: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
