"""Regency staff logins: password check, slowing guessers, server-side sessions.

Same care as the office's operator logins: one refusal text whether or not the account
exists, no lock-out (a lock would let anybody keep the regency's staff out) but a wait
that doubles after a few failures per user name, and sessions that end on the server.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from regency_hub.models import HubSession, HubUser, LoginFailure

WRONG_LOGIN = "Nama pengguna atau kata sandi salah."
FREE_FAILURES = 5
FIRST_WAIT_SECONDS = 30.0
MAX_WAIT_SECONDS = 15 * 60.0
# A session unused this long is over (a shared regency PC left logged in).
IDLE_LIMIT = timedelta(hours=8)

_hasher = PasswordHasher()
# Unknown names cost the same hash check as known ones (no timing tells them apart).
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int = 0


@dataclass(frozen=True)
class Login:
    token: str
    user: HubUser


def _norm(username: str) -> str:
    return username.strip().lower()[:60]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def wait_text(seconds: int) -> str:
    if seconds >= 120:
        return f"{(seconds + 59) // 60} menit"
    return f"{seconds} detik"


def log_in(session: Session, *, username: str, password: str) -> Login | Refusal:
    """A new session, or why not. A refusal is returned, not raised: the failure count
    it wrote must be committed although the login fails."""
    name = _norm(username)
    now = datetime.now(UTC)
    failure = session.get(LoginFailure, name)
    if failure is not None and failure.wait_until is not None and failure.wait_until > now:
        wait = int((failure.wait_until - now).total_seconds()) + 1
        return Refusal(
            f"Terlalu banyak percobaan masuk. Tunggu {wait_text(wait)} lalu coba lagi.", wait
        )
    user = session.scalars(select(HubUser).where(HubUser.username == name)).first()
    if not _verify(password, user.password_hash if user else _DUMMY_HASH) or user is None:
        # An upsert: two first failures at once for one name must not collide.
        failures = session.scalar(
            insert(LoginFailure)
            .values(name=name, failures=1)
            .on_conflict_do_update(
                index_elements=["name"], set_={"failures": LoginFailure.failures + 1}
            )
            .returning(LoginFailure.failures)
        )
        if failures is not None and failures >= FREE_FAILURES:
            wait_s = min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2 ** (failures - FREE_FAILURES))
            session.execute(
                update(LoginFailure)
                .where(LoginFailure.name == name)
                .values(wait_until=now + timedelta(seconds=wait_s))
            )
        return Refusal(WRONG_LOGIN)
    if failure is not None:
        session.delete(failure)
    token = secrets.token_urlsafe(32)
    session.add(
        HubSession(token_hash=_token_hash(token), user_id=user.id, csrf=secrets.token_urlsafe(24))
    )
    session.flush()
    return Login(token=token, user=user)


def _verify(password: str, stored: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def current(session: Session, *, token: str | None) -> tuple[HubUser, HubSession] | None:
    """The user of a live session (and the session, for its CSRF token)."""
    if not token:
        return None
    row = session.get(HubSession, _token_hash(token))
    now = datetime.now(UTC)
    if row is None:
        return None
    if now - row.last_seen_at > IDLE_LIMIT:
        session.delete(row)
        return None
    row.last_seen_at = now
    user = session.get(HubUser, row.user_id)
    return (user, row) if user is not None else None


def log_out(session: Session, *, token: str | None) -> None:
    """The session ends here, so a copied cookie is worth nothing afterwards."""
    if token:
        session.execute(delete(HubSession).where(HubSession.token_hash == _token_hash(token)))
