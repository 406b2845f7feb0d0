from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loket_protocol.events import Kind
from office_server.errors import NotFound
from office_server.letter_types import published
from office_server.letter_types.models import LetterType
from office_server.sync import outbox

# "kiosk": printed with the specimen and stamp, self-service; "counter": wet signature.
PRINT_MODES = {
    "kiosk": "Dicetak di anjungan dengan spesimen tanda tangan dan cap",
    "counter": "Ditandatangani basah dan diambil di loket",
}


def get_by_code(session: Session, *, code: str) -> LetterType:
    lt = session.scalars(
        select(LetterType).where(LetterType.code == code, LetterType.active.is_(True))
    ).first()
    if lt is None:
        raise NotFound(
            "Jenis surat tidak ditemukan.", "Unknown letter type.", code="letter_type_not_found"
        )
    return lt


def catalog(session: Session, *, include_inactive: bool = False) -> list[LetterType]:
    stmt = select(LetterType).order_by(LetterType.sort_order, LetterType.title)
    if not include_inactive:
        stmt = stmt.where(LetterType.active.is_(True))
    return list(session.scalars(stmt))


def get_any(session: Session, *, code: str) -> LetterType:
    """A letter type by code, active or not (for the admin pages)."""
    lt = session.scalars(select(LetterType).where(LetterType.code == code)).first()
    if lt is None:
        raise NotFound(
            "Jenis surat tidak ditemukan.", "Unknown letter type.", code="letter_type_not_found"
        )
    return lt


def update(
    session: Session,
    *,
    code: str,
    title: str,
    description: str,
    classification_code: str,
    required_documents: list[str],
    self_service: bool,
    active: bool,
    template_name: str,
    body_template: str,
    form_schema: list[dict[str, Any]],
    print_mode: str = "kiosk",
    validity_days: str = "",
) -> LetterType:
    """Admin edits; the form schema is checked field by field before it is stored."""
    from pydantic import ValidationError

    from office_server.errors import ValidationFailed
    from office_server.letter_types.forms import parse_schema

    lt = get_any(session, code=code)
    errors: dict[str, str] = {}
    title = " ".join(title.split())
    if not title or len(title) > 160:
        errors["title"] = "Judul wajib diisi (paling banyak 160 karakter)."
    if not classification_code.strip() or len(classification_code) > 40:
        errors["classification_code"] = "Kode klasifikasi wajib diisi (paling banyak 40)."
    if not template_name.replace("_", "").isalnum() or len(template_name) > 80:
        errors["template_name"] = "Nama templat hanya huruf, angka, dan _."
    try:
        specs = parse_schema(form_schema)
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            errors["form_schema"] = "Nama isian tidak boleh dobel."
    except ValidationError as exc:
        errors["form_schema"] = f"Skema formulir tidak valid: {exc.error_count()} kesalahan."
    if print_mode not in PRINT_MODES:
        errors["print_mode"] = "Pilih cara cetak dari daftar."
    days = validity_days.strip()
    if days and not (days.isdigit() and 1 <= int(days) <= 3660):
        errors["validity_days"] = "Masa berlaku diisi jumlah hari (1 sampai 3660), atau kosong."
    if errors:
        raise ValidationFailed(errors)
    lt.print_mode = print_mode
    lt.validity_days = int(days) if days else None
    lt.title = title
    lt.description = description.strip()
    lt.classification_code = classification_code.strip()
    lt.required_documents = [d.strip() for d in required_documents if d.strip()]
    lt.self_service = self_service
    lt.active = active
    lt.template_name = template_name
    lt.body_template = body_template.strip()
    lt.form_schema = form_schema
    session.flush()
    outbox.record_public(
        session,
        Kind.CATALOG_CHANGED,
        {
            "letter_types": [
                {"code": t.code, "name": t.title, "active": t.active}
                for t in catalog(session, include_inactive=True)
            ]
        },
    )
    published.record(session, lt)
    return lt
