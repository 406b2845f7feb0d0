"""The resident's pages: catalog, form, review, result with the pickup QR, status, fixes.

Everything works as plain HTML forms without JavaScript; JS adds checks as you type, the
status lookup from the QR link's fragment and the offline request QR. Codes, secrets and
personal data travel only in POST bodies (never a query string); pages that show a
secret are sent with `Cache-Control: no-store`.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from loket_protocol.qr import pickup_payload
from office_server import i18n
from office_server.audit.service import RESIDENT
from office_server.config import Settings
from office_server.deps import AppSettings, DbSession, ReadSession, resident_request
from office_server.error_handlers import PageRefused
from office_server.errors import DomainError, NotFound, RateLimited, ValidationFailed
from office_server.guards import Guesses, anonymous_filing
from office_server.letter_types import service as letter_types
from office_server.letter_types.models import LetterType
from office_server.qr_images import qr_png_data_url, qr_svg
from office_server.requests import documents, lifecycle, prefill, submission
from office_server.requests import service as requests_service
from office_server.requests.models import Channel, LetterRequest
from office_server.security import normalize_code
from office_server.templating import render
from office_server.village import service as village

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
FIELD_PREFIX = "form_data."


def _values(form: FormData, lt: LetterType) -> tuple[str, str, dict[str, str]]:
    nik = str(form.get("applicant_nik") or "").strip()
    name = str(form.get("applicant_name") or "").strip()
    data: dict[str, str] = {}
    for spec in lt.fields:
        raw = form.get(FIELD_PREFIX + spec.name)
        value = str(raw).strip() if isinstance(raw, str) else ""
        if value:
            data[spec.name] = value
    return nik, name, data


def _self_service_type(session: Session, code: str) -> LetterType:
    lt = letter_types.get_by_code(session, code=code)
    if not lt.self_service:
        raise NotFound(
            f"{lt.title} dilayani langsung di loket kantor desa. Silakan datang dengan "
            "membawa persyaratannya.",
            f"'{lt.title}' is handled at the office counter only.",
        )
    return lt


def _form_page(
    request: Request,
    session: Session,
    lt: LetterType,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refusal: RateLimited | None = None,
    short: bool = False,
    no_match: bool = False,
    status_code: int = 200,
) -> Response:
    """The form: short (the register fills the rest) or full. After a short form that
    matched no resident, the full one with one message that says nothing of why."""
    headers = {**NO_STORE, **(refusal.headers if refusal else {})} if values else None
    fields = prefill.short_fields(lt) if short else lt.fields
    return render(
        request,
        "requests/form.html",
        {
            "village": village.get_profile(session),
            "lt": lt,
            "short": short,
            # On the short form the birth date is asked beside NIK and name, to match.
            "applicant_fields": [f for f in fields if short and f.name in prefill.MATCH_FIELDS],
            "fields": [f for f in fields if not (short and f.name in prefill.MATCH_FIELDS)],
            "values": values or {},
            "errors": errors or {},
            "refusal": refusal.message if refusal else None,
            "no_match": prefill.NO_MATCH_MESSAGE if no_match else None,
        },
        status_code=status_code,
        headers=headers,
    )


def _is_short(session: Session, lt: LetterType, form: FormData) -> bool:
    """The resident filled the short form (and it is still offered)."""
    return form.get("short") == "1" and prefill.offers_short_form(session, lt)


@router.get("/surat", response_class=HTMLResponse)
def catalog(request: Request, session: ReadSession) -> Response:
    return render(
        request,
        "requests/catalog.html",
        {
            "village": village.get_profile(session),
            "types": letter_types.catalog(session),
        },
    )


@router.get("/surat/{code}", response_class=HTMLResponse)
def form(code: str, request: Request, session: ReadSession) -> Response:
    lt = _self_service_type(session, code)
    return _form_page(request, session, lt, short=prefill.offers_short_form(session, lt))


@router.post("/surat/{code}", response_class=HTMLResponse)
async def review(code: str, request: Request, session: ReadSession) -> Response:
    """Step 2: the server checks everything, then shows it back before it is sent. A
    short form is matched to the register here (a guess, counted like a wrong secret)."""
    lt = _self_service_type(session, code)
    posted = await request.form()
    short = _is_short(session, lt, posted)
    nik, name, data = _values(posted, lt)
    values = {"applicant_nik": nik, "applicant_name": name, **data}
    try:
        checked = submission.check_submission(
            session,
            letter_type_code=lt.code,
            applicant_nik=nik,
            applicant_name=name,
            form_data=data,
            short_form=short,
        )
    except ValidationFailed as exc:
        return _form_page(
            request, session, lt, values=values, errors=exc.fields, short=short, status_code=422
        )
    if short:
        try:
            guesses = Guesses(request, "register")
        except RateLimited as exc:
            return _form_page(
                request, session, lt, values=values, refusal=exc, short=True, status_code=429
            )
        found = prefill.match_applicant(
            session, lt, nik=checked.nik, name=checked.name, form=checked.form
        )
        if found is None:
            guesses.wrong()
            return _form_page(request, session, lt, values=values, no_match=True)
    cleaned = checked.form
    return render(
        request,
        "requests/review.html",
        {
            "village": village.get_profile(session),
            "lt": lt,
            "fields": prefill.short_fields(lt) if short else lt.fields,
            "short": short,
            "nik": nik,
            "name": " ".join(name.split()),
            "cleaned": cleaned,
            "values": data,
            # One key per filled form: pressing "Kirim" twice files one request.
            "key": secrets.token_urlsafe(18),
        },
        headers=NO_STORE,
    )


@router.post("/surat/{code}/ubah", response_class=HTMLResponse)
async def edit_again(code: str, request: Request, session: ReadSession) -> Response:
    lt = _self_service_type(session, code)
    posted = await request.form()
    nik, name, data = _values(posted, lt)
    return _form_page(
        request,
        session,
        lt,
        values={"applicant_nik": nik, "applicant_name": name, **data},
        short=_is_short(session, lt, posted),
    )


@router.post("/surat/{code}/kirim", response_class=HTMLResponse)
async def submit(
    code: str, request: Request, session: DbSession, settings: AppSettings
) -> Response:
    lt = _self_service_type(session, code)
    form_data = await request.form()
    short = _is_short(session, lt, form_data)
    nik, name, data = _values(form_data, lt)
    key = str(form_data.get("key") or "")[:40]
    guesses = None
    try:
        # The short form is matched again here: the review step's answer is not trusted.
        guesses = Guesses(request, "register") if short else None
        # Limited per address and in all, like the JSON API (a repeated "Kirim" is free).
        with anonymous_filing(request) as slot:
            created, secret, replayed = requests_service.create(
                session,
                letter_type_code=lt.code,
                applicant_nik=nik,
                applicant_name=name,
                form_data=data,
                phone=None,
                channel=Channel.WEB,
                actor=RESIDENT,
                idempotency_key=f"web:{key}" if key else None,
                short_form=short,
            )
            if replayed:
                slot.give_back()
    except prefill.NoRegisterMatch as exc:
        if guesses is not None:
            guesses.wrong()
        values = {"applicant_nik": nik, "applicant_name": name, **data}
        raise PageRefused(
            lambda s: _form_page(request, s, _self_service_type(s, code), values=values,
                                 no_match=True)
        ) from exc  # fmt: skip
    except RateLimited as exc:
        # The form again with what was typed, and why it was not sent.
        values = {"applicant_nik": nik, "applicant_name": name, **data}
        refusal = exc
        raise PageRefused(
            lambda s: _form_page(
                request,
                s,
                _self_service_type(s, code),
                values=values,
                refusal=refusal,
                short=short,
                status_code=429,
            )
        ) from exc
    except ValidationFailed as exc:
        values = {"applicant_nik": nik, "applicant_name": name, **data}
        errors = exc.fields
        raise PageRefused(
            lambda s: _form_page(
                request,
                s,
                _self_service_type(s, code),
                values=values,
                errors=errors,
                short=short,
                status_code=422,
            )
        ) from exc
    return _result_page(request, session, settings, created, secret)


def _result_page(
    request: Request, session: Session, settings: Settings, req: LetterRequest, secret: str
) -> Response:
    payload = pickup_payload(settings.public_url_upper, req.public_code, secret)
    return render(
        request,
        "requests/result.html",
        {
            "village": village.get_profile(session),
            "req": req,
            # In groups of four: easier to read out or copy by hand at the counter.
            "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr_svg": qr_svg(payload, attributes='class="qr" role="img" aria-label="QR"')[0],
            "qr_png": qr_png_data_url(payload),
            "status_link": f"/s/{req.public_code}#{secret}",
            "secret": secret,
            **_upload_step(session, req),
        },
        status_code=201,
        headers=NO_STORE,
    )


def _upload_step(session: Session, req: LetterRequest) -> dict[str, Any]:
    """What the photo step (requests/_documents.html) lists: kinds and what was sent."""
    counts: dict[str, int] = {}
    for document in documents.for_request(session, request_id=req.id):
        counts[document.kind] = counts.get(document.kind, 0) + 1
    return {"doc_kinds": documents.kinds(req), "doc_counts": counts}


# --- status ------------------------------------------------------------------------


def _status_page(
    request: Request,
    session: Session,
    *,
    req: LetterRequest | None = None,
    code: str = "",
    secret: str = "",
    error: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "requests/status.html",
        {
            "village": village.get_profile(session),
            "req": req,
            "code": code,
            "secret": secret,
            "error": error,
            "errors": errors or {},
            "values": values if values is not None else (req.form_data if req else {}),
            # A pre-filled request shows what the resident typed, never the register's.
            "fields": prefill.resident_fields(req) if req else [],
            "label": lifecycle.label(req.status, i18n.lang_of(request)) if req else "",
            **(_upload_step(session, req) if req else {}),
        },
        status_code=status_code,
        headers=NO_STORE,
    )


@router.get("/status", response_class=HTMLResponse)
def status_form(request: Request, session: ReadSession) -> Response:
    return _status_page(request, session)


@router.get("/s/{code}", response_class=HTMLResponse)
@router.get("/S/{code}", response_class=HTMLResponse)
def status_from_qr(code: str, request: Request, session: ReadSession) -> Response:
    """Where a phone camera lands from the pickup QR; the secret stays in the fragment."""
    return render(
        request,
        "requests/status_qr.html",
        {"village": village.get_profile(session), "code": normalize_code(code)[:12]},
        headers={"Referrer-Policy": "no-referrer"},
    )


@router.post("/status", response_class=HTMLResponse)
def status_lookup(
    request: Request,
    session: ReadSession,
    code: Annotated[str, Form(max_length=40)] = "",
    secret: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    try:
        req = resident_request(request, session, code, secret)
    except DomainError as exc:
        return _status_page(
            request, session, code=code, error=exc.message, status_code=exc.status_code
        )
    return _status_page(request, session, req=req, code=req.public_code, secret=secret)


@router.post("/status/perbaiki", response_class=HTMLResponse)
async def status_fix(request: Request, session: DbSession) -> Response:
    form_data = await request.form()
    code = str(form_data.get("code") or "")[:40]
    secret = str(form_data.get("secret") or "")[:80]
    try:
        req = resident_request(request, session, code, secret)
    except DomainError as exc:
        return _status_page(
            request, session, code=code, error=exc.message, status_code=exc.status_code
        )
    _, _, data = _values(form_data, req.letter_type)
    try:
        requests_service.resubmit_fixed(session, req, changes=data, actor=RESIDENT)
    except DomainError as exc:
        fields = exc.fields if isinstance(exc, ValidationFailed) else None
        message = None if fields else exc.message

        def again(s: Session) -> Response:
            # The fix is refused: the request as it was, the resident's typing kept.
            req = resident_request(request, s, code, secret)
            return _status_page(
                request,
                s,
                req=req,
                code=code,
                secret=secret,
                error=message,
                errors=fields,
                values={**req.form_data, **data} if fields else None,
                status_code=422 if fields else 409,
            )

        raise PageRefused(again) from exc
    return _status_page(request, session, req=req, code=req.public_code, secret=secret)


@router.get("/offline", response_class=HTMLResponse)
def offline(request: Request) -> Response:
    """What the service worker shows for a page it has not cached, when there is no signal."""
    return render(request, "requests/offline.html", {"village": None})
