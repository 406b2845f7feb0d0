"""The kiosk's API (Authorization: Bearer <kiosk key>). Every call is safe to retry."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from loket_protocol.qr import MAX_PAYLOAD_CHARS, OFFLINE_PREFIX, PayloadError, PickupPayload, parse
from office_server.deps import AppSettings, CurrentKiosk, DbSession, IdempotencyKey
from office_server.guards import ScanGuesses
from office_server.kiosks import service as kiosks
from office_server.queue import service as queue
from office_server.requests import lifecycle
from office_server.requests import service as requests_service
from office_server.requests.models import Channel
from office_server.requests.schemas import RequestCreated, RequestIn

router = APIRouter(prefix="/api/v1/kiosk", tags=["kiosk"])

PICKUP_SECRET_DOC = (
    "The secret inside pickup_qr on its own (26 base32 characters; 32 for older requests), "  # noqa: S105
    "for the kiosk to print "
    "readably beside the QR so a resident can type it in where a camera cannot read it. "
    "The server keeps only its hash and cannot show it again."
)


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payload: str = Field(max_length=MAX_PAYLOAD_CHARS)


class ScanRequest(BaseModel):
    code: str
    letter_type_title: str
    status: str
    status_label: str
    submitted_at: str | None
    correction_message: str | None
    rejection_reason: str | None


class ScanClaim(BaseModel):
    claim_id: str
    letter_number: str
    pdf_sha256: str
    pdf_size: int
    paper: str = Field(description="A4, F4, thermal80 or thermal58: the PDF's page layout")


class ScanOut(BaseModel):
    kind: Literal["pickup", "offline_request", "verification", "unknown"]
    outcome: Literal[
        "ready",
        "in_progress",
        "collect_at_counter",
        "needs_correction",
        "rejected",
        "cancelled",
        "expired",
        "already_picked_up",
        "filed",
        "invalid",
        "not_found",
        "not_arrived",
    ]
    message: str
    message_en: str
    request: ScanRequest | None = None
    claim: ScanClaim | None = None
    pickup_qr: str | None = Field(
        default=None,
        description="Only when outcome is filed: the new request's pickup QR payload; its "
        "code is request.code.",
    )
    pickup_secret: str | None = Field(
        default=None, description="Only when outcome is filed. " + PICKUP_SECRET_DOC
    )
    already_filed: bool = Field(
        default=False,
        description="Only with outcome filed: this offline-request QR had been filed before, "
        "and pickup_qr is the same ticket as then (still valid; nothing was replaced).",
    )


@router.post("/scans", response_model=ScanOut)
def scan(
    body: ScanIn, http: Request, session: DbSession, kiosk: CurrentKiosk, settings: AppSettings
) -> ScanOut:
    """What the kiosk shows for a scanned QR: print it, not yet (why), or filed.

    Wrong pickup QRs slow down that kiosk a little and that code ever more (429 with
    retry_after); other residents' valid QRs keep working.
    """
    guesses = ScanGuesses(http, kiosk_id=kiosk.id, code=_pickup_code(body.payload))
    result = kiosks.scan(session, kiosk=kiosk, payload=body.payload, settings=settings)
    if result.outcome in ("not_found", "not_arrived"):
        # A wrong secret, or a hub code not (yet) here: a guess as far as this kiosk knows;
        # a foreign QR is not.
        guesses.wrong()
    out = ScanOut(
        kind=result.kind,
        outcome=result.outcome,
        message=result.message,
        message_en=result.message_en,
        pickup_qr=result.pickup_qr,
        pickup_secret=result.pickup_secret,
        already_filed=result.already_filed,
    )
    if result.request is not None:
        r = result.request
        out.request = ScanRequest(
            code=r.public_code,
            letter_type_title=r.letter_type.title,
            status=r.status,
            status_label=lifecycle.label(r.status),
            submitted_at=r.submitted_at.isoformat() if r.submitted_at else None,
            correction_message=r.correction_message,
            rejection_reason=r.rejection_reason,
        )
    if result.claim is not None and result.letter is not None:
        out.claim = ScanClaim(
            claim_id=result.claim.id,
            letter_number=result.letter.number,
            pdf_sha256=result.letter.pdf_sha256,
            pdf_size=result.letter.pdf_size,
            paper=result.letter.paper,
        )
    return out


def _pickup_code(payload: str) -> str | None:
    """The request code of a pickup QR (for the guessing limit), else None."""
    if payload.strip().upper().startswith(OFFLINE_PREFIX):
        return None  # not a guess at anything; decoding it is the service's work
    try:
        parsed = parse(payload)
    except PayloadError:
        return None
    return parsed.code if isinstance(parsed, PickupPayload) else None


@router.get(
    "/claims/{claim_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The letter PDF"}},
)
def claim_pdf(
    claim_id: str, session: DbSession, kiosk: CurrentKiosk, settings: AppSettings
) -> Response:
    letter, pdf = kiosks.claim_pdf(session, kiosk=kiosk, claim_id=claim_id, settings=settings)
    return Response(
        pdf, media_type="application/pdf", headers={"X-Content-SHA256": letter.pdf_sha256}
    )


class ClaimState(BaseModel):
    status: str


class FailedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=500)


@router.post("/claims/{claim_id}/printed", response_model=ClaimState)
def claim_printed(claim_id: str, session: DbSession, kiosk: CurrentKiosk) -> ClaimState:
    """Call only after the printer reported success; the request becomes picked_up."""
    request = kiosks.confirm_printed(session, kiosk=kiosk, claim_id=claim_id)
    return ClaimState(status=request.status)


@router.post("/claims/{claim_id}/failed", response_model=ClaimState)
def claim_failed(
    claim_id: str, body: FailedIn, session: DbSession, kiosk: CurrentKiosk
) -> ClaimState:
    request = kiosks.report_failed(session, kiosk=kiosk, claim_id=claim_id, reason=body.reason)
    return ClaimState(status=request.status)


class KioskRequestCreated(RequestCreated):
    pickup_secret: str = Field(description=PICKUP_SECRET_DOC)


@router.post("/requests", status_code=201, response_model=KioskRequestCreated)
def file_at_kiosk(
    body: RequestIn,
    session: DbSession,
    kiosk: CurrentKiosk,
    settings: AppSettings,
    idempotency_key: IdempotencyKey = None,
) -> KioskRequestCreated:
    """Files a request typed at the kiosk; the answer is what its pickup ticket prints."""
    request, secret, _ = requests_service.create(
        session,
        **body.filing(),
        channel=Channel.KIOSK,
        actor=kiosks.actor_for(kiosk),
        idempotency_key=idempotency_key,
    )
    created = RequestCreated.of(request, secret, settings)
    return KioskRequestCreated(**created.model_dump(), pickup_secret=secret)


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str = Field(default="A", max_length=2)


class TicketOut(BaseModel):
    ticket_id: str
    number: str
    service_date: str
    waiting_before: int
    follow_url: str


@router.post("/tickets", status_code=201, response_model=TicketOut)
def take_ticket(
    body: TicketIn,
    session: DbSession,
    kiosk: CurrentKiosk,
    settings: AppSettings,
    idempotency_key: IdempotencyKey = None,
) -> TicketOut:
    ticket = queue.take(
        session, service=body.service, kiosk_id=kiosk.id, idempotency_key=idempotency_key
    )
    return TicketOut(
        ticket_id=ticket.id,
        number=ticket.label,
        service_date=ticket.service_date.isoformat(),
        waiting_before=queue.waiting_before(session, ticket),
        follow_url=f"{settings.public_url.rstrip('/')}/antrean/{ticket.id}",
    )
