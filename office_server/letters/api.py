"""JSON: public verification by token, and the operators' archive (search, export)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from office_server.deps import (
    AdminUser,
    AppSettings,
    DbSession,
    OperatorUser,
    ReadSession,
    verified_letter,
)
from office_server.errors import ValidationFailed
from office_server.letters import search
from office_server.letters.archive import Archive
from office_server.letters.verification import VerifiedLetter

router = APIRouter(prefix="/api/v1", tags=["letters"])


@router.get("/verify/{token}", response_model=VerifiedLetter)
def verify(token: str, request: Request, session: ReadSession) -> VerifiedLetter:
    return verified_letter(request, session, token)


class ArchiveRow(BaseModel):
    request_id: int
    code: str
    number: str
    letter_type: str
    issued_on: date
    applicant_name: str
    signer_name: str
    pdf_sha256: str
    status: str


# Dates as YYYY-MM-DD only: pydantic would also read "0" as 1970-01-01.
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
IsoDate = Annotated[str | None, Query(pattern=ISO_DATE)]


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed({field: "Tanggal tidak valid (contoh 2026-11-28)."}) from exc


def _query(
    number: str | None,
    name: str | None,
    nik: str | None,
    letter_type: str | None,
    date_from: str | None,
    date_to: str | None,
) -> search.ArchiveQuery:
    return search.ArchiveQuery(
        number, name, nik, letter_type, _date(date_from, "date_from"), _date(date_to, "date_to")
    )


class ArchiveSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str | None = Field(default=None, max_length=120)
    name: str | None = Field(default=None, max_length=120)
    nik: str | None = Field(default=None, max_length=16)
    letter_type: str | None = Field(default=None, max_length=40)
    date_from: str | None = Field(default=None, pattern=ISO_DATE)
    date_to: str | None = Field(default=None, pattern=ISO_DATE)


@router.post("/operator/archive/search", response_model=list[ArchiveRow])
def archive_search(
    body: ArchiveSearchIn, session: DbSession, operator: OperatorUser
) -> list[ArchiveRow]:
    """Search issued letters. A POST, so that a NIK or a name never sits in a URL."""
    entries = search.search(
        session,
        _query(body.number, body.name, body.nik, body.letter_type, body.date_from, body.date_to),
        actor=operator.actor,
    )
    return [
        ArchiveRow(
            request_id=e.request.id,
            code=e.request.public_code,
            number=e.letter.number,
            letter_type=e.request.letter_type.code,
            issued_on=e.letter.issued_on,
            applicant_name=e.request.applicant_name,
            signer_name=e.letter.signer_name,
            pdf_sha256=e.letter.pdf_sha256,
            status=e.request.status,
        )
        for e in entries
    ]


@router.get(
    "/operator/archive/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "PDFs + manifest.json"}},
)
def archive_export(
    session: DbSession,
    admin: AdminUser,
    settings: AppSettings,
    letter_type: str | None = None,
    date_from: IsoDate = None,
    date_to: IsoDate = None,
) -> Response:
    """A zip of the PDFs with manifest.json (admin only: it is bulk personal data)."""
    data = search.export_zip(
        session,
        _query(None, None, None, letter_type, date_from, date_to),
        actor=admin.actor,
        archive=Archive(settings.archive_dir),
    )
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": "attachment; filename=arsip-surat.zip"},
    )
