from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
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
    # A signer's signature specimen (PNG with transparency), printed on letters they sign.
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Failed logins since the last good one (the audit log notes every few).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    # No longer set: logins are slowed per address and per name, never locked (0002).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Bumped when the account is disabled or enabled; its sessions are revoked then too.
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


class OperatorSession(Base):
    """One login. The signed cookie carries only a random token; this row, found by the
    token's SHA-256, is what makes the cookie worth anything, so a logout, a disabled
    account or an expiry ends the session on the server, whatever a browser kept."""

    __tablename__ = "operator_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
