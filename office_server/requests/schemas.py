from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from loket_protocol.qr import pickup_payload
from office_server.config import Settings
from office_server.requests import lifecycle
from office_server.requests.models import LetterRequest


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    letter_type: str = Field(max_length=40)
    applicant_nik: str = Field(max_length=32)
    applicant_name: str = Field(max_length=200)
    form_data: dict[str, str | int | float | None] = Field(default_factory=dict)
    phone: str | None = Field(default=None, max_length=20)

    def filing(self) -> dict[str, Any]:
        """The keyword arguments of requests.service.create for this body."""
        return {
            "letter_type_code": self.letter_type,
            "applicant_nik": self.applicant_nik,
            "applicant_name": self.applicant_name,
            "form_data": self.form_data,
            "phone": self.phone,
        }


class RequestCreated(BaseModel):
    code: str
    pickup_qr: str = Field(description="Pickup QR payload (docs/DESIGN.md, kind 1); show as a QR.")
    status: str
    status_label: str
    status_url: str

    @classmethod
    def of(cls, request: LetterRequest, secret: str, settings: Settings) -> RequestCreated:
        return cls(
            code=request.public_code,
            pickup_qr=pickup_payload(settings.public_url_upper, request.public_code, secret),
            status=request.status,
            status_label=lifecycle.label(request.status),
            status_url=f"{settings.public_url.rstrip('/')}/s/{request.public_code}",
        )


class PublicStatus(BaseModel):
    """What a resident holding the secret may see: no NIK, no other personal data."""

    code: str
    letter_type: str
    letter_type_title: str
    status: str
    status_label: str
    submitted_at: datetime | None
    updated_at: datetime
    correction_message: str | None
    rejection_reason: str | None
    form_data: dict[str, Any] | None = Field(
        default=None, description="Only while a correction is asked for, to fix the fields."
    )

    @classmethod
    def of(cls, request: LetterRequest) -> PublicStatus:
        asks_fix = request.status == lifecycle.Status.NEEDS_CORRECTION
        return cls(
            code=request.public_code,
            letter_type=request.letter_type.code,
            letter_type_title=request.letter_type.title,
            status=request.status,
            status_label=lifecycle.label(request.status),
            submitted_at=request.submitted_at,
            updated_at=request.status_changed_at,
            correction_message=request.correction_message,
            rejection_reason=request.rejection_reason,
            form_data=request.form_data if asks_fix else None,
        )


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form_data: dict[str, str | int | float | None] = Field(default_factory=dict)
    applicant_name: str | None = Field(default=None, max_length=200)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=1000)


class RequestSummary(BaseModel):
    id: int
    code: str
    letter_type: str
    letter_type_title: str
    channel: str
    applicant_name: str
    status: str
    status_label: str
    created_at: datetime
    status_changed_at: datetime

    @classmethod
    def of(cls, r: LetterRequest) -> RequestSummary:
        return cls(
            id=r.id,
            code=r.public_code,
            letter_type=r.letter_type.code,
            letter_type_title=r.letter_type.title,
            channel=r.channel,
            applicant_name=r.applicant_name,
            status=r.status,
            status_label=lifecycle.label(r.status),
            created_at=r.created_at,
            status_changed_at=r.status_changed_at,
        )


class LetterInfo(BaseModel):
    number: str
    issued_on: str
    signer_name: str
    pdf_sha256: str
    verification_url: str


class RequestDetail(RequestSummary):
    applicant_nik: str
    phone: str | None
    form_data: dict[str, Any]
    correction_message: str | None
    rejection_reason: str | None
    allowed_actions: list[str]
    letter: LetterInfo | None = None

    @classmethod
    def detail(cls, r: LetterRequest, letter: LetterInfo | None = None) -> RequestDetail:
        base = RequestSummary.of(r).model_dump()
        return cls(
            **base,
            applicant_nik=r.applicant_nik,
            phone=r.phone,
            form_data=r.form_data,
            correction_message=r.correction_message,
            rejection_reason=r.rejection_reason,
            allowed_actions=[a for a in lifecycle.ACTIONS if lifecycle.can(r, a)],
            letter=letter,
        )
