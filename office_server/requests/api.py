"""JSON API for residents (file, follow, fix) and operators (the queue and its actions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response

from loket_protocol.qr import verification_payload
from office_server.audit.service import RESIDENT
from office_server.config import Settings
from office_server.deps import (
    AppSettings,
    DbSession,
    IdempotencyKey,
    OperatorUser,
    ReadSession,
    SignerUser,
    resident_request,
)
from office_server.guards import anonymous_filing
from office_server.letters import service as letters
from office_server.letters.models import Letter
from office_server.requests import lifecycle
from office_server.requests import service as requests_service
from office_server.requests.models import Channel, LetterRequest
from office_server.requests.schemas import (
    CorrectionIn,
    LetterInfo,
    PublicStatus,
    ReasonIn,
    RequestCreated,
    RequestDetail,
    RequestIn,
    RequestSummary,
)
from office_server.security import normalize_code

router = APIRouter(prefix="/api/v1", tags=["requests"])

SECRET_HEADER = "X-Pickup-Secret"  # noqa: S105 - a header name
PickupSecret = Annotated[str, Header(alias=SECRET_HEADER, max_length=64)]
# Database ids are 32-bit on every backend; a larger number is simply not found.
RequestId = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.post("/requests", status_code=201, response_model=RequestCreated)
def file_request(
    body: RequestIn,
    http: Request,
    session: DbSession,
    settings: AppSettings,
    idempotency_key: IdempotencyKey = None,
) -> RequestCreated:
    """Files a request from a resident's phone. The 201 is sent only after the commit.

    Limited per client address and in all (429, LOKET_FILING_*); a retry that files
    nothing new does not count.
    """
    with anonymous_filing(http) as slot:
        request, secret, replayed = requests_service.create(
            session,
            **body.filing(),
            channel=Channel.WEB,
            actor=RESIDENT,
            idempotency_key=idempotency_key,
        )
        if replayed:
            slot.give_back()
    return RequestCreated.of(request, secret, settings)


@router.get("/requests/{code}/status", response_model=PublicStatus)
def request_status(
    code: str, http: Request, session: ReadSession, secret: PickupSecret
) -> PublicStatus:
    """Status for the resident; the secret travels in a header, never in the URL."""
    return PublicStatus.of(resident_request(http, session, code, secret))


@router.post("/requests/{code}/corrections", response_model=PublicStatus)
def submit_correction(
    code: str, body: CorrectionIn, http: Request, session: DbSession, secret: PickupSecret
) -> PublicStatus:
    """The resident fixes the fields the operator asked about and sends it back."""
    request = resident_request(http, session, code, secret)
    requests_service.resubmit_fixed(
        session, request, changes=body.form_data, actor=RESIDENT, applicant_name=body.applicant_name
    )
    return PublicStatus.of(request)


@router.post("/requests/{code}/cancel", response_model=PublicStatus)
def cancel_by_resident(
    code: str, http: Request, session: DbSession, secret: PickupSecret
) -> PublicStatus:
    request = resident_request(http, session, code, secret)
    lifecycle.apply(session, request, "cancel", actor=RESIDENT, reason="dibatalkan pemohon")
    return PublicStatus.of(request)


# --- operators -------------------------------------------------------------------------

operator_router = APIRouter(prefix="/api/v1/operator", tags=["operator"])


def letter_info(letter: Letter, settings: Settings) -> LetterInfo:
    return LetterInfo(
        number=letter.number,
        issued_on=letter.issued_on.isoformat(),
        signer_name=letter.signer_name,
        pdf_sha256=letter.pdf_sha256,
        verification_url=verification_payload(settings.public_url_upper, letter.verification_token),
    )


def _detail(session: DbSession, request: LetterRequest, settings: Settings) -> RequestDetail:
    letter = None
    if request.status in (lifecycle.Status.READY, lifecycle.Status.PICKED_UP):
        letter = letter_info(letters.for_request(session, request_id=request.id), settings)
    return RequestDetail.detail(request, letter)


@operator_router.get("/requests", response_model=list[RequestSummary])
def queue(
    session: DbSession,
    operator: OperatorUser,
    status: str | None = None,
    letter_type: str | None = None,
    code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[RequestSummary]:
    rows = requests_service.list_queue(
        session,
        statuses=[status] if status else None,
        letter_type_code=letter_type,
        code=normalize_code(code) if code else None,
        limit=limit,
        offset=offset,
    )
    return [RequestSummary.of(r) for r in rows]


@operator_router.get("/requests/{request_id}", response_model=RequestDetail)
def view_request(
    request_id: RequestId, session: DbSession, operator: OperatorUser, settings: AppSettings
) -> RequestDetail:
    request = requests_service.view_by_operator(session, request_id=request_id, operator=operator)
    return _detail(session, request, settings)


@operator_router.patch("/requests/{request_id}", response_model=RequestDetail)
def edit_request(
    request_id: RequestId,
    body: CorrectionIn,
    session: DbSession,
    operator: OperatorUser,
    settings: AppSettings,
) -> RequestDetail:
    request = requests_service.get(session, request_id=request_id)
    requests_service.correct_fields(
        session,
        request,
        changes=body.form_data,
        actor=operator.actor,
        applicant_name=body.applicant_name,
    )
    return _detail(session, request, settings)


def _act(
    session: DbSession, request_id: int, action: str, operator: OperatorUser, reason: str | None
) -> LetterRequest:
    request = requests_service.get(session, request_id=request_id)
    return requests_service.transition(
        session, request, action, actor=operator.actor, reason=reason
    )


@operator_router.post("/requests/{request_id}/approve", response_model=RequestDetail)
def approve(
    request_id: RequestId, session: DbSession, operator: OperatorUser, s: AppSettings
) -> RequestDetail:
    return _detail(session, _act(session, request_id, "approve", operator, None), s)


@operator_router.post("/requests/{request_id}/sign", response_model=RequestDetail)
def sign(
    request_id: RequestId, session: DbSession, signer: SignerUser, settings: AppSettings
) -> RequestDetail:
    """The village head (or sekdes) signs: the letter gets its number and final PDF."""
    request = requests_service.get(session, request_id=request_id)
    letters.sign(session, request, signer=signer, settings=settings)
    return _detail(session, request, settings)


# The actions that need a reason: the resident reads it (correction, rejection).
REASON_ACTIONS = {"ask-correction": "ask_correction", "reject": "reject", "cancel": "cancel"}


def _add_reason_route(path_action: str, action: str) -> None:
    # One route per action, not /{action}: an unknown path stays a 404/405.
    @operator_router.post(
        f"/requests/{{request_id}}/{path_action}",
        response_model=RequestDetail,
        name=f"request_{action}",
    )
    def act_with_reason(
        request_id: RequestId,
        body: ReasonIn,
        session: DbSession,
        operator: OperatorUser,
        s: AppSettings,
    ) -> RequestDetail:
        request = _act(session, request_id, action, operator, body.reason)
        return _detail(session, request, s)


for _path_action, _action in REASON_ACTIONS.items():
    _add_reason_route(_path_action, _action)


@operator_router.get(
    "/requests/{request_id}/letter.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The letter PDF"}},
)
def letter_pdf(
    request_id: RequestId, session: DbSession, operator: OperatorUser, settings: AppSettings
) -> Response:
    # The letter shows the NIK: opening it is audited like opening the request.
    requests_service.view_by_operator(session, request_id=request_id, operator=operator)
    letter = letters.for_request(session, request_id=request_id)
    pdf = letters.pdf_bytes(letter, settings=settings)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": "inline; filename=surat.pdf",
            "X-Content-SHA256": letter.pdf_sha256,
        },
    )
