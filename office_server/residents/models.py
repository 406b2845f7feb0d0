from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from office_server.database import Base, UTCDateTime, utcnow


class Resident(Base):
    """A row of the village register (OpenSID export or CSV), used to check NIK and fill letters."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    birth_place: Mapped[str] = mapped_column(String(80), default="")
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))  # L or P
    religion: Mapped[str] = mapped_column(String(30), default="")
    occupation: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    rt: Mapped[str] = mapped_column(String(4), default="")
    rw: Mapped[str] = mapped_column(String(4), default="")
    dusun: Mapped[str] = mapped_column(String(80), default="")
    no_kk: Mapped[str] = mapped_column(String(16), default="")
    # Status hubungan dalam keluarga (KEPALA KELUARGA, ISTRI, ANAK, ...), as on the KK.
    shdk: Mapped[str] = mapped_column(String(40), default="")
    marital_status: Mapped[str] = mapped_column(String(30), default="")
    education: Mapped[str] = mapped_column(String(60), default="")
    citizenship: Mapped[str] = mapped_column(String(30), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
