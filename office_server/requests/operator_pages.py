"""The operator's desk: the request queue (live), one request's page and its actions —
edit, approve, ask for a correction, reject, cancel, sign — and its letter as a PDF.

Every POST carries the session's CSRF token (hidden field `csrf_token`). Pages that show a
request's data go through `view_by_operator`, which audits the read (UU PDP). A refused
action raises PageRefused: the change rolls back and the page shows why.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.deps import (
    AppSettings,
    CsrfChecked,
    CurrentOperator,
    DbSession,
    OperatorUser,
    PageId,
    ReadSession,
    SignerUser,
    require_role,
)
from office_server.error_handlers import PageRefused
from office_server.errors import DomainError, ValidationFailed
from office_server.letter_types import service as letter_types
from office_server.letters import service as letters
from office_server.notifications import service as notifications
from office_server.operators.models import Operator, Role
from office_server.queue import service as queue
from office_server.requests import lifecycle
from office_server.requests import service as requests_service
from office_server.requests.lifecycle import Status
from office_server.requests.models import LetterRequest
from office_server.templating import render

router = APIRouter(prefix="/operator", include_in_schema=False)

OperatorOrSigner = Annotated[Operator, Depends(require_role(Role.OPERATOR, Role.SIGNER))]

DASHBOARD_STATUSES = [
    Status.DRAFT,
    Status.SUBMITTED,
    Status.NEEDS_CORRECTION,
    Status.AWAITING_SIGNATURE,
    Status.READY,
    Status.PICKED_UP,
    Status.REJECTED,
    Status.CANCELLED,
    Status.EXPIRED,
]
# Drafts are counter requests an operator has not finished: they are the office's work too.
OPEN_STATUSES = [
    Status.DRAFT,
    Status.SUBMITTED,
    Status.NEEDS_CORRECTION,
    Status.AWAITING_SIGNATURE,
]
ACTION_BUTTONS = {
    "approve": "Setujui, kirim ke penanda tangan",
    "ask_correction": "Minta perbaikan",
    "reject": "Tolak",
    "cancel": "Batalkan",
}
_AUDIT_LABELS = {
    "create": "mengajukan",
    "replay_create": "mengirim ulang",
    "edit_fields": "mengubah data",
    "claim": "memindai di anjungan",
    "print_failed": "gagal mencetak",
    "reprint": "mencetak ulang",
    "receipt": "mencetak tanda terima",
}
CHANNELS = {
    "web": "HP",
    "kiosk": "Anjungan",
    "counter": "Loket",
    "offline_qr": "QR offline",
    "hub": "Dari rumah",
}
_NOTICES = {
    "approve": "Disetujui dan dikirim untuk tanda tangan.",
    "ask_correction": "Permintaan perbaikan dikirim ke pemohon.",
    "reject": "Permohonan ditolak.",
    "cancel": "Permohonan dibatalkan.",
    "sign": "Surat ditandatangani dan siap diambil.",
    "edit": "Perubahan disimpan.",
    "reprint": "Surat dibuka untuk dicetak ulang.",
    "draft": "Disimpan sebagai draf (Belum Lengkap). Lengkapi lalu ajukan.",
    "handed_over": "Surat dicetak dan diserahkan kepada pemohon.",
    "refused": "Tindakan itu tidak dapat dilakukan pada status permohonan ini.",
}


def action_label(action: str) -> str:
    known = lifecycle.ACTIONS.get(action)
    return known.label if known else _AUDIT_LABELS.get(action, action)


# --- the queue -----------------------------------------------------------------------


def _filters(data: Any) -> dict[str, str]:
    def get(name: str, limit: int) -> str:
        value = data.get(name)
        return str(value).strip()[:limit] if isinstance(value, str) else ""

    status = get("status", 30)
    return {
        "status": status if status in {*DASHBOARD_STATUSES, "open", "all"} else "open",
        "type": get("type", 40),
        "q": get("q", 80),
        "order": "newest" if get("order", 10) == "newest" else "oldest",
    }


def _live_context(session: Session, filters: dict[str, str]) -> dict[str, Any]:
    status = filters["status"]
    statuses = OPEN_STATUSES if status == "open" else None if status == "all" else [status]
    try:
        rows = requests_service.list_queue(
            session,
            statuses=statuses,
            letter_type_code=filters["type"] or None,
            search=filters["q"] or None,
            newest_first=filters["order"] == "newest",
            limit=200,
        )
    except DomainError:
        rows = []
    return {
        "rows": rows,
        "counts": requests_service.count_by_status(session),
        "statuses": DASHBOARD_STATUSES,
        "label": lifecycle.label,
        "filters": filters,
        "oldest": requests_service.oldest_open(session, status=Status.SUBMITTED),
        "tickets_waiting": queue.waiting_count(session),
        "channels": CHANNELS,
        "now": datetime.now(UTC),
    }


def _dashboard(
    request: Request, session: Session, me: Operator, filters: dict[str, str]
) -> Response:
    return render(
        request,
        "operators/dashboard.html",
        {
            "me": me,
            "types": letter_types.catalog(session, include_inactive=True),
            **_live_context(session, filters),
        },
        csrf=True,
    )


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, session: ReadSession, me: CurrentOperator) -> Response:
    if not me.has_role(Role.OPERATOR):
        return RedirectResponse("/operator/tanda-tangan", status_code=303)
    return _dashboard(request, session, me, _filters(request.query_params))


@router.post("", response_class=HTMLResponse)
async def dashboard_filtered(
    request: Request, session: ReadSession, me: OperatorUser, _: CsrfChecked
) -> Response:
    # Searching by name is a POST: names stay out of URLs and browser history.
    return _dashboard(request, session, me, _filters(await request.form()))


@router.post("/data", response_class=HTMLResponse)
async def dashboard_live(
    request: Request, session: ReadSession, me: OperatorUser, _: CsrfChecked
) -> Response:
    """The live part of the dashboard, polled every few seconds by dashboard.js."""
    return render(
        request, "operators/_live.html", _live_context(session, _filters(await request.form()))
    )


# --- one request ---------------------------------------------------------------------


def _request_page(
    request: Request,
    session: Session,
    me: Operator,
    req: LetterRequest,
    *,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    letter = None
    if req.status in (Status.READY, Status.PICKED_UP):
        letter = letters.for_request(session, request_id=req.id)
    return render(
        request,
        "operators/request.html",
        {
            "me": me,
            "req": req,
            "fields": req.letter_type.fields,
            "values": values if values is not None else req.form_data,
            "errors": errors or {},
            "error": error,
            "notice": _NOTICES.get(request.query_params.get("ok", ""), ""),
            "letter": letter,
            "label": lifecycle.label,
            "can": lambda action: lifecycle.can(req, action),
            "buttons": ACTION_BUTTONS,
            "reasons": {a: lifecycle.ACTIONS[a].needs_reason for a in ACTION_BUTTONS},
            "history": audit.history(session, request_id=req.id),
            # The operator sees whether the resident heard back, or asked for no messages.
            "messages": notifications.for_request(session, request_id=req.id),
            "opted_out": notifications.is_opted_out(session, phone=req.phone or ""),
            "message_status": notifications.STATUS_LABELS,
            "message_event": notifications.EVENT_LABELS,
            "action_label": action_label,
            "editable": req.status in (Status.SUBMITTED, Status.NEEDS_CORRECTION, Status.DRAFT),
            "is_operator": me.has_role(Role.OPERATOR),
            "is_signer": me.has_role(Role.SIGNER),
        },
        status_code=status_code,
        csrf=True,
        headers={"Cache-Control": "no-store"},
    )


def _refused(
    request: Request,
    me: Operator,
    request_id: int,
    *,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    changes: dict[str, Any] | None = None,
    status_code: int = 409,
) -> PageRefused:
    """The request page again, as it was before the action, with why it was refused."""

    def page(session: Session) -> Response:
        req = requests_service.get(session, request_id=request_id)
        values = {**req.form_data, **{k: v or "" for k, v in changes.items()}} if changes else None
        return _request_page(
            request,
            session,
            me,
            req,
            error=error,
            errors=errors,
            values=values,
            status_code=status_code,
        )

    return PageRefused(page)


def _done(request_id: int, notice: str) -> Response:
    return RedirectResponse(f"/operator/permohonan/{request_id}?ok={notice}", status_code=303)


@router.get("/permohonan/{request_id}", response_class=HTMLResponse)
def request_detail(
    request_id: PageId, request: Request, session: DbSession, me: OperatorOrSigner
) -> Response:
    req = requests_service.view_by_operator(session, request_id=request_id, operator=me)
    return _request_page(request, session, me, req)


@router.post("/permohonan/{request_id}/ubah", response_class=HTMLResponse)
async def request_edit(
    request_id: PageId, request: Request, session: DbSession, me: OperatorUser, _: CsrfChecked
) -> Response:
    req = requests_service.get(session, request_id=request_id)
    form = await request.form()
    changes: dict[str, Any] = {}
    for spec in req.letter_type.fields:
        value = form.get(f"form_data.{spec.name}")
        if isinstance(value, str):
            changes[spec.name] = value.strip() or None
    name = form.get("applicant_name")
    try:
        requests_service.correct_fields(
            session,
            req,
            changes=changes,
            actor=me.actor,
            applicant_name=name if isinstance(name, str) else None,
        )
    except ValidationFailed as exc:
        raise _refused(
            request, me, request_id, errors=exc.fields, changes=changes, status_code=422
        ) from exc
    except DomainError as exc:
        raise _refused(request, me, request_id, error=exc.message) from exc
    return _done(request_id, "edit")


@router.post("/permohonan/{request_id}/aksi/{action}", response_class=HTMLResponse)
def request_action(
    request_id: PageId,
    action: str,
    request: Request,
    session: DbSession,
    me: OperatorUser,
    _: CsrfChecked,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    req = requests_service.get(session, request_id=request_id)
    if action not in ACTION_BUTTONS:
        raise _refused(request, me, request_id, error="Aksi tidak dikenal.", status_code=404)
    try:
        requests_service.transition(session, req, action, actor=me.actor, reason=reason)
    except DomainError as exc:
        raise _refused(request, me, request_id, error=exc.message) from exc
    return _done(request_id, action)


@router.post("/permohonan/{request_id}/tandatangan", response_class=HTMLResponse)
def request_sign(
    request_id: PageId,
    request: Request,
    session: DbSession,
    me: SignerUser,
    settings: AppSettings,
    _: CsrfChecked,
) -> Response:
    req = requests_service.get(session, request_id=request_id)
    try:
        letters.sign(session, req, signer=me, settings=settings)
    except DomainError as exc:
        raise _refused(request, me, request_id, error=exc.message) from exc
    return _done(request_id, "sign")


def _pdf(data: bytes) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": "inline; filename=surat.pdf", "Cache-Control": "no-store"},
    )


@router.get("/permohonan/{request_id}/pratinjau.pdf")
def request_preview(
    request_id: PageId, session: DbSession, me: OperatorOrSigner, settings: AppSettings
) -> Response:
    """The letter as it will look, before it has a number (watermarked by its number)."""
    req = requests_service.view_by_operator(session, request_id=request_id, operator=me)
    return _pdf(letters.preview_pdf(session, req, settings=settings))


@router.get("/permohonan/{request_id}/surat.pdf")
def request_letter(
    request_id: PageId, session: DbSession, me: OperatorOrSigner, settings: AppSettings
) -> Response:
    # The letter shows the NIK: opening it is audited like opening the request.
    requests_service.view_by_operator(session, request_id=request_id, operator=me)
    letter = letters.for_request(session, request_id=request_id)
    return _pdf(letters.pdf_bytes(letter, settings=settings))


@router.post("/permohonan/{request_id}/cetak-ulang")
def request_reprint(
    request_id: PageId, session: DbSession, me: OperatorUser, _: CsrfChecked
) -> Response:
    """A reprint at the operator's counter: counted and audited, then the PDF opens."""
    letters.record_reprint(session, request_id=request_id, actor=me.actor)
    return RedirectResponse(f"/operator/permohonan/{request_id}/surat.pdf", status_code=303)
