from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from office_server.audit.service import Actor
from office_server.database import Base, UTCDateTime, utcnow


class Role(StrEnum):
    OPERATOR = "operator"
    SIGNER = "signer"
    ADMIN = "admin"


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(80), default="")
    nip: Mapped[str | None] = mapped_column(String(40), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Bumped when the account is disabled: sessions carry it and die with it.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def has_role(self, *roles: Role) -> bool:
        # Admins can do everything an operator or signer can.
        return self.role == Role.ADMIN or self.role in roles

    @property
    def actor(self) -> Actor:
        """Who this operator is in the audit log."""
        return Actor("operator", self.id, self.username)
