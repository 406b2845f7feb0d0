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


# --- used by the admin pages --------------------------------------------------------

PROFILE_FIELDS = (
    "name",
    "kode_desa",
    "kecamatan",
    "kabupaten",
    "provinsi",
    "address",
    "postal_code",
    "phone",
    "email",
    "office_hours",
    "head_name",
    "head_title",
    "about",
)


def update_profile(*, session: Session, changes: dict[str, str]) -> VillageProfile:
    """Admin edits of the village profile; every listed field but the optional ones is required."""
    from office_server.errors import ValidationFailed

    profile = get_profile(session=session)
    optional = {"postal_code", "phone", "email", "office_hours", "about"}
    errors: dict[str, str] = {}
    limits = {c.name: getattr(c.type, "length", None) for c in VillageProfile.__table__.columns}
    for name in PROFILE_FIELDS:
        if name not in changes:
            continue
        value = " ".join(changes[name].split()) if name != "about" else changes[name].strip()
        limit = limits.get(name)
        if not value and name not in optional:
            errors[name] = "Wajib diisi."
        elif limit and len(value) > limit:
            errors[name] = f"Terlalu panjang (paling banyak {limit} karakter)."
        else:
            setattr(profile, name, value)
    if errors:
        raise ValidationFailed(errors)
    return profile


def all_announcements(*, session: Session) -> list[Announcement]:
    return list(session.scalars(select(Announcement).order_by(Announcement.created_at.desc())))


def add_announcement(*, session: Session, title: str, body: str) -> Announcement:
    from office_server.errors import ValidationFailed

    title = " ".join(title.split())
    if not title or len(title) > 160:
        raise ValidationFailed({"title": "Judul wajib diisi (paling banyak 160 karakter)."})
    if len(body) > 2000:
        raise ValidationFailed({"body": "Isi pengumuman paling banyak 2000 karakter."})
    item = Announcement(title=title, body=body.strip(), published=True)
    session.add(item)
    session.flush()
    return item


def set_announcement_published(
    *, session: Session, announcement_id: int, published: bool
) -> Announcement:
    item = session.get(Announcement, announcement_id)
    if item is None:
        raise NotFound("Pengumuman tidak ditemukan.", "Announcement not found.")
    item.published = published
    return item
