from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from office_server.database import Base, UTCDateTime, utcnow

DEFAULT_NUMBER_FORMAT = "{kode}/{nomor:03}/{kode_desa}/{bulan_romawi}/{tahun}"


class VillageProfile(Base):
    """The one village this server serves (a single row, id 1)."""

    __tablename__ = "village_profile"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kode_desa: Mapped[str] = mapped_column(String(40))
    kecamatan: Mapped[str] = mapped_column(String(120))
    kabupaten: Mapped[str] = mapped_column(String(120))
    provinsi: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    office_hours: Mapped[str] = mapped_column(String(200), default="")
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The village stamp (cap desa), a PNG with transparency printed over the signature.
    stamp_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    head_name: Mapped[str] = mapped_column(String(120))
    head_title: Mapped[str] = mapped_column(String(80), default="Kepala Desa")
    head_nip: Mapped[str | None] = mapped_column(String(40), nullable=True)
    number_format: Mapped[str] = mapped_column(String(200), default=DEFAULT_NUMBER_FORMAT)
    # "per_type": each letter type counts from 1 every year; "shared": one counter for all.
    number_scope: Mapped[str] = mapped_column(String(20), default="per_type")
    # F4 (folio, 215 x 330 mm) is what most Indonesian village offices print on.
    paper_size: Mapped[str] = mapped_column(String(10), default="F4")
    about: Mapped[str] = mapped_column(Text, default="")
    # Photos of documents are deleted this many days after the request is finished
    # (picked up, rejected, cancelled, expired): UU PDP data minimisation.
    document_retention_days: Mapped[int] = mapped_column(Integer, default=30)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Announcement(Base):
    """A short notice on the village's public page (office closed, new service, ...)."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegisterPolicy(Base):
    """What of the UMKM register may leave the village for the regency hub (a single row,
    id 1; no row means the default: nothing). Per field, as DHIS2's "skip
    synchronization"; the owner's name is a separate choice and the NIK has no field."""

    __tablename__ = "register_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    send_umkm: Mapped[bool] = mapped_column(default=False)
    business_name: Mapped[bool] = mapped_column(default=False)
    business_kind: Mapped[bool] = mapped_column(default=False)
    since: Mapped[bool] = mapped_column(default=False)
    dusun: Mapped[bool] = mapped_column(default=False)
    rt_rw: Mapped[bool] = mapped_column(default=False)
    owner_name: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
