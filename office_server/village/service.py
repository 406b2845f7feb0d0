from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from office_server.errors import NotFound
from office_server.village.models import Announcement, VillageProfile


def get_profile(*, session: Session) -> VillageProfile:
    profile = session.get(VillageProfile, 1)
    if profile is None:
        raise NotFound(
            "Profil desa belum diisi. Jalankan `loket seed-demo` atau isi di halaman admin.",
            "The village profile is not set up yet.",
            code="village_missing",
        )
    return profile


def published_announcements(*, session: Session, limit: int = 5) -> list[Announcement]:
    stmt = (
        select(Announcement)
        .where(Announcement.published.is_(True))
        .order_by(Announcement.created_at.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
