"""Finding archived letters, and exporting them as a zip with a manifest.

Searching by NIK or name reads personal data, so every search and export is audited
(which criteria were used, never their values).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.letter_types.models import LetterType
from office_server.letters.archive import Archive
from office_server.letters.models import Letter
from office_server.requests.models import LetterRequest

MAX_RESULTS = 500


@dataclass(frozen=True)
class ArchiveQuery:
    number: str | None = None
    name: str | None = None
    nik: str | None = None
    letter_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def used(self) -> list[str]:
        return [k for k, v in self.__dict__.items() if v not in (None, "")]


@dataclass(frozen=True)
class ArchiveEntry:
    letter: Letter
    request: LetterRequest


def _statement(query: ArchiveQuery) -> Select[tuple[Letter, LetterRequest]]:
    stmt = (
        select(Letter, LetterRequest)
        .join(LetterRequest, LetterRequest.id == Letter.request_id)
        .join(LetterType, LetterType.id == LetterRequest.letter_type_id)
    )
    if query.number:
        stmt = stmt.where(Letter.number.contains(query.number.strip()))
    if query.name:
        stmt = stmt.where(
            func.lower(LetterRequest.applicant_name).contains(query.name.strip().lower())
        )
    if query.nik:
        stmt = stmt.where(LetterRequest.applicant_nik == query.nik.strip())
    if query.letter_type:
        stmt = stmt.where(LetterType.code == query.letter_type)
    if query.date_from:
        stmt = stmt.where(Letter.issued_on >= query.date_from)
    if query.date_to:
        stmt = stmt.where(Letter.issued_on <= query.date_to)
    return stmt.order_by(Letter.issued_on.desc(), Letter.id.desc())


def search(
    session: Session, query: ArchiveQuery, *, actor: Actor, limit: int = 100
) -> list[ArchiveEntry]:
    audit.record(session, actor=actor, action="archive_search", details={"by": query.used()})
    rows = session.execute(_statement(query).limit(min(limit, MAX_RESULTS))).all()
    return [ArchiveEntry(letter, request) for letter, request in rows]


def export_zip(session: Session, query: ArchiveQuery, *, actor: Actor, archive: Archive) -> bytes:
    """A zip of the matching PDFs and a manifest.json of their data and SHA-256 hashes."""
    audit.record(session, actor=actor, action="archive_export", details={"by": query.used()})
    rows = session.execute(_statement(query)).all()
    manifest = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for letter, request in rows:
            name = f"surat/{letter.issued_on.isoformat()}_{request.public_code}.pdf"
            zf.writestr(name, archive.read(letter.pdf_sha256))
            manifest.append(
                {
                    "file": name,
                    "number": letter.number,
                    "letter_type": request.letter_type.code,
                    "issued_on": letter.issued_on.isoformat(),
                    "applicant_name": request.applicant_name,
                    "applicant_nik": request.applicant_nik,
                    "form_data": request.form_data,
                    "signer_name": letter.signer_name,
                    "pdf_sha256": letter.pdf_sha256,
                }
            )
        zf.writestr(
            "manifest.json", json.dumps({"letters": manifest}, ensure_ascii=False, indent=2)
        )
    return buffer.getvalue()
