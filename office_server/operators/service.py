from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.config import Settings
from office_server.database import utcnow
from office_server.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from office_server.operators.models import Operator, Role
from office_server.security import hash_password, verify_password

MIN_PASSWORD_LENGTH = 8
# Verifying against a real hash when the user does not exist keeps the timing equal.
_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")


def create(
    session: Session,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str,
    title: str = "",
    nip: str | None = None,
) -> Operator:
    username = username.strip().lower()
    if role not in {r.value for r in Role}:
        raise ValidationFailed({"role": "Peran harus operator, signer, atau admin."})
    if not username.replace("_", "").replace(".", "").isalnum() or len(username) > 60:
        raise ValidationFailed({"username": "Nama pengguna hanya huruf, angka, titik, dan _."})
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            {"password": f"Kata sandi paling sedikit {MIN_PASSWORD_LENGTH} karakter."}
        )
    if session.scalars(select(Operator).where(Operator.username == username)).first():
        raise Conflict("Nama pengguna sudah dipakai.", "Username already taken.")
    operator = Operator(
        username=username,
        full_name=full_name.strip(),
        role=role,
        password_hash=hash_password(password),
        title=title,
        nip=nip,
    )
    session.add(operator)
    session.flush()
    return operator


def authenticate(
    session: Session, *, username: str, password: str, settings: Settings
) -> Operator | Unauthorized:
    """Checks a login; locks the account for a while after repeated failures.

    A refusal is returned, not raised: the failure count and a lockout it wrote must be
    committed although the login fails, so the caller answers normally.
    """
    failed = Unauthorized(
        "Nama pengguna atau kata sandi salah.",
        "Wrong username or password.",
        code="login_failed",
    )
    operator = session.scalars(
        select(Operator).where(Operator.username == username.strip().lower())
    ).first()
    if operator is None or not operator.active:
        verify_password(password, _DUMMY_HASH)
        return failed
    now = utcnow()
    if operator.locked_until and operator.locked_until > now:
        minutes = max(1, int((operator.locked_until - now).total_seconds() // 60) + 1)
        return Unauthorized(
            f"Akun dikunci sementara karena terlalu banyak percobaan. Coba lagi dalam "
            f"{minutes} menit.",
            "Account temporarily locked after too many failed logins.",
            code="account_locked",
        )
    if not verify_password(password, operator.password_hash):
        operator.failed_logins += 1
        if operator.failed_logins >= settings.login_max_failures:
            operator.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
            operator.failed_logins = 0
            audit.record(session, actor=operator.actor, action="lockout")
        return failed
    operator.failed_logins = 0
    operator.locked_until = None
    operator.last_login_at = now
    audit.record(session, actor=operator.actor, action="login")
    return operator


def get(session: Session, *, operator_id: int) -> Operator:
    operator = session.get(Operator, operator_id)
    if operator is None:
        raise NotFound("Operator tidak ditemukan.", "Operator not found.")
    return operator


def list_all(session: Session) -> list[Operator]:
    return list(session.scalars(select(Operator).order_by(Operator.username)))


def set_active(session: Session, *, operator_id: int, active: bool, actor: Actor) -> Operator:
    """Admins switch accounts off (not delete: the audit trail names them); sessions end."""
    operator = get(session, operator_id=operator_id)
    if not active and operator.id == actor.id:
        raise Conflict("Anda tidak dapat menonaktifkan akun sendiri.", "Cannot disable yourself.")
    operator.active = active
    operator.session_generation += 1
    audit.record(
        session,
        actor=actor,
        action="operator_enable" if active else "operator_disable",
        details={"operator": operator.username},
    )
    return operator
