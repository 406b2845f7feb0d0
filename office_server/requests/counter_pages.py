"""The counter (loket): an operator enters a request for a walk-in resident, for any
letter type, saves a half-filled one as a draft, files it and prints the resident's
receipt with the pickup QR; after signing, the letter is printed and handed over here.

The receipt page carries the pickup secret: it is shown once, right after it is made
(`Cache-Control: no-store`), never reachable by a URL.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from loket_protocol.qr import pickup_payload
from office_server.audit import service as audit
from office_server.deps import AppSettings, CsrfChecked, DbSession, OperatorUser, PageId
from office_server.error_handlers import PageRefused
from office_server.errors import DomainError, ValidationFailed
from office_server.letter_types import service as letter_types
from office_server.letter_types.models import LetterType
from office_server.letters import counter as letter_counter
from office_server.operators.models import Operator
from office_server.qr_images import qr_svg
from office_server.requests import counter
from office_server.requests import service as requests_service
from office_server.requests.lifecycle import Status
from office_server.requests.models import LetterRequest
from office_server.templating import render
from office_server.village import service as village

router = APIRouter(prefix="/operator", include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}
# Statuses in which a lost receipt may be printed again (with a new secret).
RECEIPT_STATUSES = frozenset(
    {Status.SUBMITTED, Status.NEEDS_CORRECTION, Status.AWAITING_SIGNATURE, Status.READY}
)


@router.get("/loket", response_class=HTMLResponse)
def counter_catalog(request: Request, session: DbSession, me: OperatorUser) -> Response:
    return render(
        request,
        "operators/counter_catalog.html",
        {"me": me, "types": letter_types.catalog(session)},
        csrf=True,
    )


def _form_page(
    request: Request,
    me: Operator,
    lt: LetterType,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    values = values or {}
    return render(
        request,
        "operators/counter_form.html",
        {
            "me": me,
            "lt": lt,
            "fields": lt.fields,
            "values": values.get("form", {}),
            "applicant": values,
            "errors": errors or {},
        },
        status_code=status_code,
        csrf=True,
        headers=NO_STORE,
    )


@router.get("/loket/{code}", response_class=HTMLResponse)
def counter_form(code: str, request: Request, session: DbSession, me: OperatorUser) -> Response:
    lt = letter_types.get_by_code(session, code=code[:40])
    return _form_page(request, me, lt)


@router.post("/loket/{code}", response_class=HTMLResponse)
async def counter_file(
    code: str,
    request: Request,
    session: DbSession,
    me: OperatorUser,
    settings: AppSettings,
    _: CsrfChecked,
) -> Response:
    lt = letter_types.get_by_code(session, code=code[:40])
    form = await request.form()

    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    form_data = {
        spec.name: text(f"form_data.{spec.name}").strip() or None
        for spec in lt.fields
        if isinstance(form.get(f"form_data.{spec.name}"), str)
    }
    nik, name, phone = text("applicant_nik").strip(), text("applicant_name").strip(), text("phone")
    given = {"applicant_nik": nik, "applicant_name": name, "phone": phone.strip()}
    try:
        if text("simpan") == "draf":
            draft = counter.save_draft(
                session,
                letter_type_code=lt.code,
                applicant_nik=nik,
                applicant_name=name,
                form_data=form_data,
                phone=phone.strip() or None,
                actor=me.actor,
            )
            return RedirectResponse(f"/operator/permohonan/{draft.id}?ok=draft", status_code=303)
        filed, secret = counter.file_now(
            session,
            letter_type_code=lt.code,
            applicant_nik=nik,
            applicant_name=name,
            form_data=form_data,
            phone=phone.strip() or None,
            actor=me.actor,
        )
    except ValidationFailed as exc:
        values = {**given, "form": {k: v or "" for k, v in form_data.items()}}
        lt_code, errors = lt.code, exc.fields

        def again(s: Session) -> Response:
            return _form_page(
                request,
                me,
                letter_types.get_by_code(s, code=lt_code),
                values=values,
                errors=errors,
                status_code=422,
            )

        raise PageRefused(again) from exc
    return _receipt(request, session, settings, me, filed, secret)


def _receipt(
    request: Request,
    session: Session,
    settings: Any,
    me: Operator,
    req: LetterRequest,
    secret: str,
) -> Response:
    payload = pickup_payload(settings.public_url_upper, req.public_code, secret)
    return render(
        request,
        "operators/receipt.html",
        {
            "me": me,
            "village": village.get_profile(session),
            "req": req,
            "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr_svg": qr_svg(payload, attributes='class="qr" role="img" aria-label="QR"')[0],
        },
        status_code=201,
        csrf=True,
        headers=NO_STORE,
    )


def _refused_to_request_page(request_id: int) -> PageRefused:
    # The request page says the action was refused; its status shows why.
    def back(_: Session) -> Response:
        return RedirectResponse(f"/operator/permohonan/{request_id}?ok=refused", status_code=303)

    return PageRefused(back)


@router.post("/permohonan/{request_id}/ajukan", response_class=HTMLResponse)
def counter_submit(
    request_id: PageId,
    request: Request,
    session: DbSession,
    me: OperatorUser,
    settings: AppSettings,
    _: CsrfChecked,
) -> Response:
    """A draft filled in the rest of the way is filed; the receipt is printed."""
    req = requests_service.get(session, request_id=request_id)
    try:
        secret = counter.submit_draft(session, req, actor=me.actor)
    except DomainError as exc:
        raise _refused(request, me, req.letter_type.code, request_id, exc) from exc
    return _receipt(request, session, settings, me, req, secret)


def _refused(
    request: Request, me: Operator, code: str, request_id: int, exc: DomainError
) -> PageRefused:
    """The draft's form again with every problem, so the operator completes it."""

    def again(s: Session) -> Response:
        req = requests_service.get(s, request_id=request_id)
        values = {
            "applicant_nik": req.applicant_nik,
            "applicant_name": req.applicant_name,
            "phone": req.phone or "",
            "form": req.form_data,
        }
        errors = exc.fields if isinstance(exc, ValidationFailed) else {"_": exc.message}
        return render(
            request,
            "operators/counter_form.html",
            {
                "me": me,
                "lt": req.letter_type,
                "fields": req.letter_type.fields,
                "values": values["form"],
                "applicant": values,
                "errors": errors,
                "draft": req,
            },
            status_code=422 if isinstance(exc, ValidationFailed) else 409,
            csrf=True,
            headers=NO_STORE,
        )

    return PageRefused(again)


@router.post("/permohonan/{request_id}/tanda-terima", response_class=HTMLResponse)
def counter_receipt_again(
    request_id: PageId,
    request: Request,
    session: DbSession,
    me: OperatorUser,
    settings: AppSettings,
    _: CsrfChecked,
) -> Response:
    """A lost receipt: a new pickup secret (the old QR stops working) on a new receipt."""
    req = requests_service.get(session, request_id=request_id)
    if req.status not in RECEIPT_STATUSES:
        raise _refused_to_request_page(request_id)
    secret = counter.new_pickup_secret(req)
    audit.record(session, actor=me.actor, action="receipt", request_id=req.id)
    return _receipt(request, session, settings, me, req, secret)


@router.post("/permohonan/{request_id}/serahkan", response_class=HTMLResponse)
def counter_hand_over(
    request_id: PageId, request: Request, session: DbSession, me: OperatorUser, _: CsrfChecked
) -> Response:
    """The signed letter was printed at the counter and given to the resident."""
    req = requests_service.get(session, request_id=request_id)
    try:
        letter_counter.hand_over(session, req, actor=me.actor)
    except DomainError as exc:
        raise _refused_to_request_page(request_id) from exc
    return RedirectResponse(f"/operator/permohonan/{request_id}?ok=handed_over", status_code=303)
