from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from office_server.errors import NotFound
from office_server.letter_types.models import LetterType


def get_by_code(*, session: Session, code: str) -> LetterType:
    lt = session.scalars(
        select(LetterType).where(LetterType.code == code, LetterType.active.is_(True))
    ).first()
    if lt is None:
        raise NotFound(
            "Jenis surat tidak ditemukan.", "Unknown letter type.", code="letter_type_not_found"
        )
    return lt


def catalog(*, session: Session, include_inactive: bool = False) -> list[LetterType]:
    stmt = select(LetterType).order_by(LetterType.sort_order, LetterType.title)
    if not include_inactive:
        stmt = stmt.where(LetterType.active.is_(True))
    return list(session.scalars(stmt))
