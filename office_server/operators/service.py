from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.config import Settings
from office_server.database import utcnow
from office_server.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from office_server.operators.models import Operator, OperatorSession, Role
from office_server.security import hash_password, sha256_hex, verify_password

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
    """Checks a login. The account is never locked (a lock would let anybody keep the
    kades out); guessing is slowed before this is called, per address and per user name
    (guards.LoginGuard). Unknown, disabled and real accounts get the same refusal.

    A refusal is returned, not raised: the failure count it wrote must be committed
    although the login fails, so the caller answers normally.
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
    if not verify_password(password, operator.password_hash):
        operator.failed_logins += 1
        if operator.failed_logins % settings.login_free_failures == 0:
            # For the admin reading the audit log: somebody is trying this account.
            audit.record(
                session,
                actor=operator.actor,
                action="login_failures",
                details={"failed_logins": operator.failed_logins},
            )
        return failed
    operator.failed_logins = 0
    operator.locked_until = None
    operator.last_login_at = utcnow()
    audit.record(session, actor=operator.actor, action="login")
    return operator


# --- sessions --------------------------------------------------------------------------


def open_session(session: Session, *, operator: Operator, settings: Settings) -> str:
    """A new session for a login; returns its token (only its hash is stored)."""
    now = utcnow()
    # The operator's sessions that ended long enough ago are of no use to anybody.
    session.execute(
        delete(OperatorSession).where(
            OperatorSession.operator_id == operator.id,
            or_(
                OperatorSession.expires_at < now,
                OperatorSession.revoked_at < now - timedelta(hours=settings.session_hours),
            ),
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        OperatorSession(
            token_hash=sha256_hex(token),
            operator_id=operator.id,
            created_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
        )
    )
    session.flush()
    return token


def session_operator(session: Session, *, token: str) -> Operator | None:
    """The operator of a live session: not revoked, not expired, account active."""
    row = session.scalars(
        select(OperatorSession).where(OperatorSession.token_hash == sha256_hex(token))
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    operator = session.get(Operator, row.operator_id)
    if operator is None or not operator.active:
        return None
    return operator


def close_session(session: Session, *, token: str) -> None:
    """Logout: the session ends on the server, so a copy of the cookie is worth nothing."""
    session.execute(
        update(OperatorSession)
        .where(
            OperatorSession.token_hash == sha256_hex(token), OperatorSession.revoked_at.is_(None)
        )
        .values(revoked_at=utcnow())
    )


def _revoke_all(session: Session, *, operator_id: int) -> None:
    session.execute(
        update(OperatorSession)
        .where(OperatorSession.operator_id == operator_id, OperatorSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def get(session: Session, *, operator_id: int) -> Operator:
    operator = session.get(Operator, operator_id)
    if operator is None:
        raise NotFound("Operator tidak ditemukan.", "Operator not found.")
    return operator


def list_all(session: Session) -> list[Operator]:
    return list(session.scalars(select(Operator).order_by(Operator.username)))


def set_active(session: Session, *, operator_id: int, active: bool, actor: Actor) -> Operator:
    """Admins switch accounts off (not delete: the audit trail names them); its sessions end."""
    operator = get(session, operator_id=operator_id)
    if not active and operator.id == actor.id:
        raise Conflict("Anda tidak dapat menonaktifkan akun sendiri.", "Cannot disable yourself.")
    operator.active = active
    operator.session_generation += 1
    _revoke_all(session, operator_id=operator.id)
    audit.record(
        session,
        actor=actor,
        action="operator_enable" if active else "operator_disable",
        details={"operator": operator.username},
    )
    return operator
