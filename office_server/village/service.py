from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from loket_protocol.events import Kind
from office_server import numbering
from office_server.clock import today_local
from office_server.errors import NotFound, ValidationFailed
from office_server.operators.models import Operator, Role
from office_server.sync import outbox
from office_server.village import logo
from office_server.village.models import Announcement, VillageProfile


def get_profile(session: Session) -> VillageProfile:
    profile = session.get(VillageProfile, 1)
    if profile is None:
        raise NotFound(
            "Profil desa belum diisi. Jalankan `loket seed-demo` atau isi di halaman admin.",
            "The village profile is not set up yet.",
            code="village_missing",
        )
    return profile


def published_announcements(session: Session, *, limit: int = 5) -> list[Announcement]:
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
    "head_nip",
    "about",
    "number_format",
    "number_scope",
    "paper_size",
    "document_retention_days",
)
# Photos of documents are kept this many days after a request is finished (UU PDP).
RETENTION_DAYS_RANGE = (1, 365)
NUMBER_SCOPES = ("per_type", "shared")
# The page the final PDF is laid out on; thermal layouts for offices with a receipt
# printer only (the kiosk prints them at the printer's dot width, not shrunk from A4).
PAPER_SIZES = ("F4", "A4", "thermal80", "thermal58")
MAX_LOGO_BYTES = logo.MAX_LOGO_BYTES


def update_profile(session: Session, *, changes: dict[str, str]) -> VillageProfile:
    """Admin edits of the village profile; every listed field but the optional ones is required."""
    profile = get_profile(session)
    optional = {"postal_code", "phone", "email", "office_hours", "about", "head_nip"}
    errors: dict[str, str] = {}
    if "number_format" in changes:
        problem = numbering.format_problem(changes["number_format"].strip())
        if problem:
            errors["number_format"] = problem
    scope = changes.get("number_scope", profile.number_scope)
    if scope not in NUMBER_SCOPES:
        errors["number_scope"] = "Pilih penomoran per jenis surat atau satu nomor bersama."
    elif scope != profile.number_scope and numbering.numbers_taken(
        session, year=today_local().year
    ):
        errors["number_scope"] = (
            "Penomoran tidak dapat diganti di tengah tahun: sudah ada surat bernomor tahun "
            "ini. Ganti pada awal tahun depan."
        )
    fmt = changes.get("number_format", profile.number_format).strip()
    if scope == "per_type" and "{kode}" not in fmt and "number_format" not in errors:
        # Each type counts from 1: without its code two types would issue the same number.
        errors["number_format"] = "Dengan penomoran per jenis surat, format harus memuat {kode}."
    if changes.get("paper_size", PAPER_SIZES[0]) not in PAPER_SIZES:
        errors["paper_size"] = "Pilih ukuran kertas dari daftar."
    if "document_retention_days" in changes:
        days = _retention_days(changes["document_retention_days"])
        if days is None:
            low, high = RETENTION_DAYS_RANGE
            errors["document_retention_days"] = f"Isi jumlah hari, {low} sampai {high}."
        else:
            profile.document_retention_days = days
    limits = {c.name: getattr(c.type, "length", None) for c in VillageProfile.__table__.columns}
    for name in PROFILE_FIELDS:
        if name not in changes or name == "document_retention_days":
            continue
        value = " ".join(changes[name].split()) if name != "about" else changes[name].strip()
        limit = limits.get(name)
        if not value and name not in optional:
            errors[name] = "Wajib diisi."
        elif limit and len(value) > limit:
            errors[name] = f"Terlalu panjang (paling banyak {limit} karakter)."
        elif name not in errors:
            setattr(profile, name, None if name == "head_nip" and not value else value)
    if errors:
        raise ValidationFailed(errors)
    outbox.record_public(
        session,
        Kind.PROFILE_CHANGED,
        {
            "name": profile.name,
            "kode_desa": profile.kode_desa,
            "kecamatan": profile.kecamatan,
            "kabupaten": profile.kabupaten,
            "provinsi": profile.provinsi,
        },
    )
    return profile


def _retention_days(text: str) -> int | None:
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 3):
        return None
    low, high = RETENTION_DAYS_RANGE
    return int(text) if low <= int(text) <= high else None


def all_announcements(session: Session) -> list[Announcement]:
    return list(session.scalars(select(Announcement).order_by(Announcement.created_at.desc())))


def add_announcement(session: Session, *, title: str, body: str) -> Announcement:
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
    session: Session, *, announcement_id: int, published: bool
) -> Announcement:
    item = session.get(Announcement, announcement_id)
    if item is None:
        raise NotFound("Pengumuman tidak ditemukan.", "Announcement not found.")
    item.published = published
    return item


def set_logo(session: Session, *, data: bytes) -> VillageProfile:
    """The kop surat's logo: any common image, stored as a PNG of at most 600 px.

    Too large an image is refused from its header, before it is decoded; nothing changes.
    """
    if not data:
        raise ValidationFailed({"logo": "Pilih berkas gambar logo."})
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationFailed({"logo": "Berkas logo terlalu besar (paling besar 1 MB)."})
    try:
        png = logo.shrunk_png(data, max_side=600)
    except logo.LogoRefused as exc:
        raise ValidationFailed({"logo": str(exc)}) from exc
    profile = get_profile(session)
    profile.logo_png = png
    return profile


# Specimen and stamp: sharp at about 300 dpi on a 60 mm wide signature block.
_SIGN_MAX_SIDE = 800


def _sign_image(data: bytes, field: str, what: str) -> bytes:
    if not data:
        raise ValidationFailed({field: f"Pilih berkas gambar {what}."})
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationFailed({field: f"Berkas {what} terlalu besar (paling besar 1 MB)."})
    try:
        return logo.transparent_png(data, max_side=_SIGN_MAX_SIDE)
    except logo.LogoRefused as exc:
        raise ValidationFailed({field: str(exc)}) from exc


def set_stamp(session: Session, *, data: bytes) -> VillageProfile:
    """The village stamp (cap desa), printed over the signer's specimen on letters signed
    for the kiosk. A PNG with transparency, checked like the logo before decoding."""
    png = _sign_image(data, "stamp", "cap desa")
    profile = get_profile(session)
    profile.stamp_png = png
    return profile


def set_signature(session: Session, *, operator_id: int, data: bytes) -> Operator:
    """A signer's signature specimen, printed on the letters they sign for the kiosk."""
    signer = session.get(Operator, operator_id)
    if signer is None or not signer.has_role(Role.SIGNER):
        raise NotFound("Penanda tangan tidak ditemukan.", "Signer not found.")
    signer.signature_png = _sign_image(data, f"signature_{operator_id}", "tanda tangan")
    return signer


def signers(session: Session) -> list[Operator]:
    """The accounts that sign letters (the admin's page lists their specimens)."""
    return [
        o
        for o in session.scalars(select(Operator).order_by(Operator.id))
        if o.has_role(Role.SIGNER)
    ]
