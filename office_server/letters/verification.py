"""Public verification of a printed letter: by the token in its QR, or by the PDF's hash.

Shows what the paper itself shows about the letter (number, type, date, village, signer)
and the PDF's SHA-256; never the NIK or the form data.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from office_server.errors import NotFound
from office_server.letters.models import Letter
from office_server.requests.models import LetterRequest
from office_server.village import service as village_service

_TOKEN_RE = re.compile(r"^[A-Z2-7]{32}$")


class VerifiedLetter(BaseModel):
    """What the paper itself shows; the verification page and GET /api/v1/verify show it."""

    number: str
    letter_type_title: str
    issued_on: date
    village: str
    signer_name: str
    signer_title: str
    pdf_sha256: str


def _not_found() -> NotFound:
    return NotFound(
        "Surat tidak ditemukan. Kode pada surat mungkin salah atau surat ini tidak "
        "diterbitkan oleh desa ini.",
        "No letter with this verification code.",
        code="letter_not_found",
    )


def _describe(session: Session, letter: Letter) -> VerifiedLetter:
    request = session.get(LetterRequest, letter.request_id)
    assert request is not None
    profile = village_service.get_profile(session)
    return VerifiedLetter(
        number=letter.number,
        letter_type_title=request.letter_type.title,
        issued_on=letter.issued_on,
        village=(
            f"Desa {profile.name}, Kecamatan {profile.kecamatan}, Kabupaten {profile.kabupaten}"
        ),
        signer_name=letter.signer_name,
        signer_title=letter.signer_title,
        pdf_sha256=letter.pdf_sha256,
    )


def by_token(session: Session, token: str) -> VerifiedLetter:
    token = token.strip().upper()
    if not _TOKEN_RE.match(token):
        raise _not_found()
    letter = session.scalars(select(Letter).where(Letter.verification_token == token)).first()
    if letter is None:
        raise _not_found()
    return _describe(session, letter)


def by_pdf(session: Session, pdf: bytes) -> VerifiedLetter:
    digest = hashlib.sha256(pdf).hexdigest()
    letter = session.scalars(select(Letter).where(Letter.pdf_sha256 == digest)).first()
    if letter is None:
        raise _not_found()
    return _describe(session, letter)
