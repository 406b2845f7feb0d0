"""Villages, staff accounts and announcements: the hub's administrative writes."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime

import bcrypt
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from loket_protocol import events, subjects
from regency_hub.models import HubUser, SentAnnouncement, Village
from regency_hub.natsconf import VillageUser

BCRYPT_ROUNDS = 10


def add_village(session: Session, *, kode_desa: str, name: str) -> tuple[Village, str]:
    """A new village and its NATS password (returned once; only its bcrypt is kept)."""
    token = subjects.village_token(kode_desa)
    if session.scalar(select(Village.id).where(Village.kode_desa == kode_desa)) is not None:
        raise ValueError(f"village {kode_desa} is already registered")
    password = secrets.token_urlsafe(32)
    village = Village(
        kode_desa=kode_desa,
        name=name,
        nats_user=f"village-{token}",
        password_bcrypt=bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode(),
        register_policy={},
        # The village's own NATS account, which holds its off-site archive buckets.
        archive_bucket=subjects.archive_account(kode_desa),
    )
    session.add(village)
    session.flush()
    return village, password


def village_users(session: Session) -> list[VillageUser]:
    return [
        VillageUser(kode_desa=v.kode_desa, user=v.nats_user, password_bcrypt=v.password_bcrypt)
        for v in session.scalars(select(Village).order_by(Village.id))
    ]


def set_active(session: Session, *, kode_desa: str, active: bool) -> bool:
    village = session.scalar(select(Village).where(Village.kode_desa == kode_desa))
    if village is None:
        return False
    village.active = active
    return True


def credentials_file(village: Village, *, password: str, url: str, ca_pem: str) -> str:
    """What the village saves and points LOKET_HUB_CREDENTIALS at."""
    return json.dumps(
        {
            "kode_desa": village.kode_desa,
            "user": village.nats_user,
            "password": password,
            "url": url,
            "ca_pem": ca_pem,
            # The off-site archive: this user (same password) in the village's own account.
            "archive_user": subjects.archive_user(village.kode_desa),
        },
        indent=2,
    )


def create_user(session: Session, *, username: str, full_name: str, password: str) -> HubUser:
    if len(password) < 10:
        raise ValueError("a password of at least 10 characters")
    user = HubUser(
        username=username, full_name=full_name, password_hash=PasswordHasher().hash(password)
    )
    session.add(user)
    session.flush()
    return user


def new_announcement(session: Session, *, title: str, body: str) -> tuple[str, bytes]:
    """Records an announcement for every village; returns (event id, envelope) to publish."""
    data = events.Announcement(title=title, body=body)
    event_id = uuid.uuid4()
    session.add(SentAnnouncement(event_id=event_id, title=title, body=body))
    raw = events.encode(event_id=event_id, village="regency", at=datetime.now(UTC), data=data)
    return str(event_id), raw
