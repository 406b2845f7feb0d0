"""The operator's pages: login, the request queue (live), a request and its actions, the
signer's list, archive search and the day's statistics, and the admin pages for accounts,
letter types and kiosks (the village profile and announcements live in village/pages.py).

Every POST carries the session's CSRF token (hidden field `csrf_token`). Pages that show a
request's data go through `view_by_operator`, which audits the read (UU PDP).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.clock import local_tz, today_local
from office_server.deps import (
    AdminUser,
    AppSettings,
    CurrentOperator,
    DbSession,
    OperatorUser,
    ReadSession,
    SignerUser,
    client_key,
    guard_guessing,
    require_role,
    start_operator_session,
)
from office_server.errors import DomainError, Unauthorized, ValidationFailed
from office_server.kiosks import service as kiosks
from office_server.letter_types import service as letter_types
from office_server.letter_types.forms import parse_schema
from office_server.letters import rendering
from office_server.letters import search as archive_search
from office_server.letters import service as letters
from office_server.operators import service as operators
from office_server.operators.models import Operator, Role
from office_server.queue import service as queue
from office_server.ratelimit import RateLimiter
from office_server.requests import lifecycle
from office_server.requests import service as requests_service
from office_server.requests.lifecycle import Status
from office_server.requests.models import LetterRequest
from office_server.requests.service import operator_actor
from office_server.village import service as village
from office_server.web import (
    CsrfChecked,
    PageId,
    check_csrf,
    csrf_token,
    render,
)

router = APIRouter(prefix="/operator", include_in_schema=False)
admin_router = APIRouter(prefix="/admin", include_in_schema=False)

OperatorOrSigner = Annotated[Operator, Depends(require_role(Role.OPERATOR, Role.SIGNER))]

DASHBOARD_STATUSES = [
    Status.SUBMITTED,
    Status.NEEDS_CORRECTION,
    Status.AWAITING_SIGNATURE,
    Status.READY,
    Status.PICKED_UP,
    Status.REJECTED,
    Status.CANCELLED,
    Status.EXPIRED,
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
}


def action_label(action: str) -> str:
    known = lifecycle.ACTIONS.get(action)
    return known.label if known else _AUDIT_LABELS.get(action, action)


CHANNELS = {"web": "HP", "kiosk": "Anjungan", "counter": "Loket", "offline_qr": "QR offline"}

_NOTICES = {
    "approve": "Disetujui dan dikirim untuk tanda tangan.",
    "ask_correction": "Permintaan perbaikan dikirim ke pemohon.",
    "reject": "Permohonan ditolak.",
    "cancel": "Permohonan dibatalkan.",
    "sign": "Surat ditandatangani dan siap diambil.",
    "edit": "Perubahan disimpan.",
    "reprint": "Surat dibuka untuk dicetak ulang.",
}


# --- login ---------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return render(request, "operators/login.html", {"error": None, "username": ""}, csrf=True)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    username: Annotated[str, Form(max_length=60)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token_: Annotated[str, Form(alias="csrf_token", max_length=80)] = "",
) -> Response:
    limiter: RateLimiter = request.app.state.login_limiter
    try:
        check_csrf(request, csrf_token_)
        guard_guessing(request, limiter, "login")
        operator = operators.authenticate(
            session, username=username, password=password, settings=settings
        )
    except DomainError as exc:
        if isinstance(exc, Unauthorized):
            limiter.hit(f"login:{client_key(request)}")
            session.commit()  # the failure count and lockout persist although login fails
        return render(
            request,
            "operators/login.html",
            {"error": exc.message, "username": username},
            status_code=exc.status_code,
            csrf=True,
        )
    start_operator_session(request, operator)
    home = "/operator" if operator.has_role(Role.OPERATOR) else "/operator/tanda-tangan"
    return RedirectResponse(home, status_code=303)


@router.post("/logout")
def logout(request: Request, operator: CurrentOperator, _: CsrfChecked) -> Response:
    request.session.clear()
    return RedirectResponse("/operator/login", status_code=303)


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


def _live_context(session: Any, filters: dict[str, str]) -> dict[str, Any]:
    status = filters["status"]
    statuses: list[str] | None
    if status == "open":
        statuses = [Status.SUBMITTED, Status.NEEDS_CORRECTION, Status.AWAITING_SIGNATURE]
    elif status == "all":
        statuses = None
    else:
        statuses = [status]
    try:
        rows = requests_service.list_for_dashboard(
            session=session,
            statuses=statuses,
            letter_type_code=filters["type"] or None,
            search=filters["q"] or None,
            newest_first=filters["order"] == "newest",
        )
    except DomainError:
        rows = []
    counts = requests_service.count_by_status(session=session)
    oldest = requests_service.oldest_open(session=session, status=Status.SUBMITTED)
    return {
        "rows": rows,
        "counts": counts,
        "statuses": DASHBOARD_STATUSES,
        "label": lifecycle.label,
        "filters": filters,
        "oldest": oldest,
        "tickets_waiting": queue.waiting_count(session=session),
        "channels": CHANNELS,
        "now": datetime.now(UTC),
    }


def _dashboard(request: Request, session: Any, me: Operator, filters: dict[str, str]) -> Response:
    return render(
        request,
        "operators/dashboard.html",
        {
            "me": me,
            "types": letter_types.catalog(session=session, include_inactive=True),
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


def _refused(
    request: Request, session: Session, me: Operator, request_id: int, exc: DomainError
) -> Response:
    """The request page again, unchanged, with why the action was refused (409)."""
    session.rollback()
    req = requests_service.get(session=session, request_id=request_id)
    return _request_page(request, session, me, req, error=exc.message, status_code=409)


def _request_page(
    request: Request,
    session: Any,
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
        letter = letters.for_request(session=session, request_id=req.id)
    history = audit_history(session, req.id)
    notice = _NOTICES.get(request.query_params.get("ok", ""), "")
    return render(
        request,
        "operators/request.html",
        {
            "me": me,
            "req": req,
            "fields": parse_schema(req.letter_type.form_schema),
            "values": values if values is not None else req.form_data,
            "errors": errors or {},
            "error": error,
            "notice": notice,
            "letter": letter,
            "label": lifecycle.label,
            "can": lambda action: lifecycle.can(req, action),
            "buttons": ACTION_BUTTONS,
            "reasons": {a: lifecycle.ACTIONS[a].needs_reason for a in ACTION_BUTTONS},
            "history": history,
            "action_label": action_label,
            "editable": req.status in (Status.SUBMITTED, Status.NEEDS_CORRECTION, Status.DRAFT),
            "is_operator": me.has_role(Role.OPERATOR),
            "is_signer": me.has_role(Role.SIGNER),
        },
        status_code=status_code,
        csrf=True,
        headers={"Cache-Control": "no-store"},
    )


def audit_history(session: Any, request_id: int) -> list[Any]:
    from sqlalchemy import select

    from office_server.audit.models import AuditEvent

    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.request_id == request_id, AuditEvent.action != "view")
            .order_by(AuditEvent.id)
        )
    )


@router.get("/permohonan/{request_id}", response_class=HTMLResponse)
def request_detail(
    request_id: PageId, request: Request, session: DbSession, me: OperatorOrSigner
) -> Response:
    req = requests_service.view_by_operator(session=session, request_id=request_id, operator=me)
    return _request_page(request, session, me, req)


@router.post("/permohonan/{request_id}/ubah", response_class=HTMLResponse)
async def request_edit(
    request_id: PageId, request: Request, session: DbSession, me: OperatorUser, _: CsrfChecked
) -> Response:
    req = requests_service.get(session=session, request_id=request_id)
    form = await request.form()
    changes: dict[str, Any] = {}
    for spec in parse_schema(req.letter_type.form_schema):
        value = form.get(f"form_data.{spec.name}")
        if isinstance(value, str):
            changes[spec.name] = value.strip() or None
    name = form.get("applicant_name")
    try:
        requests_service.correct_fields(
            session,
            req,
            changes=changes,
            actor=operator_actor(me),
            applicant_name=name if isinstance(name, str) else None,
        )
    except ValidationFailed as exc:
        session.rollback()
        req = requests_service.get(session=session, request_id=request_id)
        return _request_page(
            request,
            session,
            me,
            req,
            errors=exc.fields,
            values={**req.form_data, **{k: v or "" for k, v in changes.items()}},
            status_code=422,
        )
    except DomainError as exc:
        return _refused(request, session, me, request_id, exc)
    return RedirectResponse(f"/operator/permohonan/{request_id}?ok=edit", status_code=303)


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
    req = requests_service.get(session=session, request_id=request_id)
    if action not in ACTION_BUTTONS:
        return _request_page(
            request, session, me, req, error="Aksi tidak dikenal.", status_code=404
        )
    try:
        requests_service.transition(session, req, action, actor=operator_actor(me), reason=reason)
    except DomainError as exc:
        return _refused(request, session, me, request_id, exc)
    return RedirectResponse(f"/operator/permohonan/{request_id}?ok={action}", status_code=303)


@router.post("/permohonan/{request_id}/tandatangan", response_class=HTMLResponse)
def request_sign(
    request_id: PageId,
    request: Request,
    session: DbSession,
    me: SignerUser,
    settings: AppSettings,
    _: CsrfChecked,
) -> Response:
    req = requests_service.get(session=session, request_id=request_id)
    try:
        requests_service.sign(session, req, signer=me, settings=settings)
    except DomainError as exc:
        return _refused(request, session, me, request_id, exc)
    return RedirectResponse(f"/operator/permohonan/{request_id}?ok=sign", status_code=303)


@router.get("/permohonan/{request_id}/pratinjau.pdf")
def request_preview(
    request_id: PageId, session: DbSession, me: OperatorOrSigner, settings: AppSettings
) -> Response:
    """The letter as it will look, before it has a number (watermarked by its number)."""
    req = requests_service.view_by_operator(session=session, request_id=request_id, operator=me)
    if req.status in (Status.READY, Status.PICKED_UP):
        letter = letters.for_request(session=session, request_id=req.id)
        return _pdf(letters.pdf_bytes(letter, settings=settings))
    profile = village.get_profile(session=session)
    content = letters.letter_content(
        req,
        profile,
        number="PRATINJAU / BELUM BERNOMOR",
        issued_on=today_local(),
        signer_name=profile.head_name,
        signer_title=profile.head_title,
        signer_nip=profile.head_nip,
        verification_url=f"{settings.public_url_upper}/V/PRATINJAU",
    )
    pdf = rendering.render_letter_pdf(
        letters.village_header(profile), content, layout=letters.layout_for(profile)
    )
    return _pdf(pdf)


def _pdf(data: bytes) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": "inline; filename=surat.pdf", "Cache-Control": "no-store"},
    )


@router.get("/permohonan/{request_id}/surat.pdf")
def request_letter(
    request_id: PageId, session: DbSession, me: OperatorOrSigner, settings: AppSettings
) -> Response:
    # The letter shows the NIK: opening it is audited like opening the request.
    requests_service.view_by_operator(session=session, request_id=request_id, operator=me)
    letter = letters.for_request(session=session, request_id=request_id)
    return _pdf(letters.pdf_bytes(letter, settings=settings))


@router.post("/permohonan/{request_id}/cetak-ulang")
def request_reprint(
    request_id: PageId, session: DbSession, me: OperatorUser, _: CsrfChecked
) -> Response:
    """A reprint at the operator's counter: counted and audited, then the PDF opens."""
    letter = letters.for_request(session=session, request_id=request_id)
    letter.print_count += 1
    audit.record(session, actor=operator_actor(me), action="reprint", request_id=request_id)
    return RedirectResponse(f"/operator/permohonan/{request_id}/surat.pdf", status_code=303)


# --- signer --------------------------------------------------------------------------


@router.get("/tanda-tangan", response_class=HTMLResponse)
def sign_list(request: Request, session: ReadSession, me: SignerUser) -> Response:
    rows = requests_service.list_queue(session=session, status=Status.AWAITING_SIGNATURE)
    notice = request.query_params.get("signed", "")
    return render(
        request,
        "operators/sign.html",
        {"me": me, "rows": rows, "signed": notice if notice.isdigit() else "", "errors": []},
        csrf=True,
    )


@router.post("/tanda-tangan", response_class=HTMLResponse)
async def sign_many(
    request: Request, session: DbSession, me: SignerUser, settings: AppSettings, _: CsrfChecked
) -> Response:
    form = await request.form()
    ids = [
        int(v)
        for v in form.getlist("ids")
        if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) < 10
    ][:100]
    signed, errors = 0, []
    for request_id in ids:
        # Each letter in its own transaction: one refused letter does not undo the others,
        # and on SQLite the write lock is let go between renders, so kiosks and phones
        # are not kept waiting behind a batch.
        try:
            req = requests_service.get(session=session, request_id=request_id)
            requests_service.sign(session, req, signer=me, settings=settings)
            session.commit()
            signed += 1
        except DomainError as exc:
            session.rollback()
            errors.append(exc.message)
    if errors:
        rows = requests_service.list_queue(session=session, status=Status.AWAITING_SIGNATURE)
        return render(
            request,
            "operators/sign.html",
            {"me": me, "rows": rows, "signed": str(signed), "errors": errors},
            status_code=409,
            csrf=True,
        )
    return RedirectResponse(f"/operator/tanda-tangan?signed={signed}", status_code=303)


# --- archive and statistics ----------------------------------------------------------


@router.get("/arsip", response_class=HTMLResponse)
def archive_form(request: Request, session: ReadSession, me: OperatorUser) -> Response:
    return render(
        request,
        "operators/archive.html",
        {
            "me": me,
            "types": letter_types.catalog(session=session, include_inactive=True),
            "q": {},
            "results": None,
            "error": None,
        },
        csrf=True,
    )


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@router.post("/arsip", response_class=HTMLResponse)
async def archive_results(
    request: Request, session: DbSession, me: OperatorUser, _: CsrfChecked
) -> Response:
    form = await request.form()
    q = {
        k: str(form.get(k) or "").strip()[:120]
        for k in ("number", "name", "nik", "type", "from", "to")
    }
    query = archive_search.ArchiveQuery(
        number=q["number"] or None,
        name=q["name"] or None,
        nik=q["nik"] or None,
        letter_type=q["type"] or None,
        date_from=_date(q["from"]),
        date_to=_date(q["to"]),
    )
    results = archive_search.search(session, query, actor=operator_actor(me))
    return render(
        request,
        "operators/archive.html",
        {
            "me": me,
            "types": letter_types.catalog(session=session, include_inactive=True),
            "q": q,
            "results": results,
            "error": None,
        },
        csrf=True,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/statistik", response_class=HTMLResponse)
def stats(request: Request, session: ReadSession, me: OperatorUser, tanggal: str = "") -> Response:
    day = _date(tanggal) or today_local()
    start = datetime.combine(day, time.min, tzinfo=local_tz())
    data = requests_service.day_stats(
        session=session,
        start=start.astimezone(UTC),
        end=(start + timedelta(days=1)).astimezone(UTC),
    )
    return render(
        request,
        "operators/stats.html",
        {
            "me": me,
            "day": day,
            "data": data,
            "counts": requests_service.count_by_status(session=session),
            "label": lifecycle.label,
        },
    )


# --- admin: accounts, letter types, kiosks -------------------------------------------


@admin_router.get("", response_class=HTMLResponse)
def admin_home(request: Request, me: AdminUser) -> Response:
    return render(request, "admin/home.html", {"me": me})


@admin_router.get("/operator", response_class=HTMLResponse)
def admin_operators(request: Request, session: ReadSession, me: AdminUser) -> Response:
    return _operators_page(request, session, me)


def _operators_page(
    request: Request, session: Any, me: Operator, errors: dict[str, str] | None = None
) -> Response:
    return render(
        request,
        "admin/operators.html",
        {
            "me": me,
            "rows": operators.list_all(session=session),
            "roles": [r.value for r in Role],
            "errors": errors or {},
        },
        status_code=422 if errors else 200,
        csrf=True,
    )


@admin_router.post("/operator", response_class=HTMLResponse)
def admin_operator_add(
    request: Request,
    session: DbSession,
    me: AdminUser,
    _: CsrfChecked,
    username: Annotated[str, Form(max_length=60)] = "",
    full_name: Annotated[str, Form(max_length=120)] = "",
    role: Annotated[str, Form(max_length=20)] = "operator",
    title: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        if not full_name.strip():
            raise ValidationFailed({"full_name": "Nama lengkap wajib diisi."})
        created = operators.create(
            session,
            username=username,
            full_name=full_name,
            role=role,
            password=password,
            title=title,
        )
    except ValidationFailed as exc:
        session.rollback()
        return _operators_page(request, session, me, exc.fields)
    except DomainError as exc:
        session.rollback()
        return _operators_page(request, session, me, {"username": exc.message})
    audit.record(
        session,
        actor=operator_actor(me),
        action="operator_add",
        details={"operator": created.username, "role": created.role},
    )
    return RedirectResponse("/admin/operator", status_code=303)


@admin_router.post("/operator/{operator_id}/aktif", response_class=HTMLResponse)
def admin_operator_active(
    operator_id: PageId,
    request: Request,
    session: DbSession,
    me: AdminUser,
    _: CsrfChecked,
    active: Annotated[str, Form(max_length=1)] = "0",
) -> Response:
    try:
        operators.set_active(
            session, operator_id=operator_id, active=active == "1", actor=operator_actor(me)
        )
    except DomainError as exc:
        session.rollback()
        return _operators_page(request, session, me, {"active": exc.message})
    return RedirectResponse("/admin/operator", status_code=303)


@admin_router.get("/surat", response_class=HTMLResponse)
def admin_letter_types(request: Request, session: ReadSession, me: AdminUser) -> Response:
    return render(
        request,
        "admin/letter_types.html",
        {"me": me, "rows": letter_types.catalog(session=session, include_inactive=True)},
    )


def _template_names() -> list[str]:
    from office_server.web import TEMPLATES_DIR

    folder = TEMPLATES_DIR / "letters"
    return sorted(
        p.stem for p in folder.glob("*.html") if p.stem != "base" and not p.stem.startswith("_")
    )


def _letter_type_page(
    request: Request, me: Operator, lt: Any, form: dict[str, Any], errors: dict[str, str]
) -> Response:
    return render(
        request,
        "admin/letter_type.html",
        {"me": me, "lt": lt, "form": form, "errors": errors, "templates": _template_names()},
        status_code=422 if errors else 200,
        csrf=True,
    )


@admin_router.get("/surat/{code}", response_class=HTMLResponse)
def admin_letter_type(code: str, request: Request, session: ReadSession, me: AdminUser) -> Response:
    lt = letter_types.get_any(session=session, code=code)
    form = {
        "title": lt.title,
        "description": lt.description,
        "classification_code": lt.classification_code,
        "required_documents": "\n".join(lt.required_documents),
        "self_service": lt.self_service,
        "active": lt.active,
        "template_name": lt.template_name,
        "body_template": lt.body_template,
        "form_schema": json.dumps(lt.form_schema, ensure_ascii=False, indent=1),
    }
    return _letter_type_page(request, me, lt, form, {})


@admin_router.post("/surat/{code}", response_class=HTMLResponse)
async def admin_letter_type_save(
    code: str, request: Request, session: DbSession, me: AdminUser, _: CsrfChecked
) -> Response:
    lt = letter_types.get_any(session=session, code=code)
    raw = await request.form()
    form = {
        k: str(raw.get(k) or "")
        for k in (
            "title",
            "description",
            "classification_code",
            "required_documents",
            "template_name",
            "body_template",
            "form_schema",
        )
    }
    form["self_service"] = raw.get("self_service") == "1"  # type: ignore[assignment]
    form["active"] = raw.get("active") == "1"  # type: ignore[assignment]
    try:
        schema = json.loads(form["form_schema"])
        if not isinstance(schema, list):
            raise ValueError("not a list")
    except ValueError:
        return _letter_type_page(
            request, me, lt, form, {"form_schema": "Skema harus berupa daftar JSON yang valid."}
        )
    try:
        letter_types.update(
            session=session,
            code=code,
            title=form["title"],
            description=form["description"],
            classification_code=form["classification_code"],
            required_documents=form["required_documents"].splitlines(),
            self_service=bool(form["self_service"]),
            active=bool(form["active"]),
            template_name=form["template_name"],
            body_template=form["body_template"],
            form_schema=schema,
        )
    except ValidationFailed as exc:
        session.rollback()
        return _letter_type_page(request, me, lt, form, exc.fields)
    audit.record(
        session, actor=operator_actor(me), action="letter_type_update", details={"code": code}
    )
    return RedirectResponse("/admin/surat", status_code=303)


@admin_router.get("/anjungan", response_class=HTMLResponse)
def admin_kiosks(request: Request, session: ReadSession, me: AdminUser) -> Response:
    return _kiosks_page(request, session, me)


def _kiosks_page(
    request: Request,
    session: Any,
    me: Operator,
    *,
    new_key: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "admin/kiosks.html",
        {
            "me": me,
            "rows": kiosks.list_all(session=session),
            "new_key": new_key,
            "errors": errors or {},
        },
        status_code=422 if errors else (201 if new_key else 200),
        csrf=True,
        headers={"Cache-Control": "no-store"},
    )


@admin_router.post("/anjungan", response_class=HTMLResponse)
def admin_kiosk_add(
    request: Request,
    session: DbSession,
    me: AdminUser,
    _: CsrfChecked,
    name: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    try:
        kiosk, key = kiosks.add(session, name=name)
    except ValidationFailed as exc:
        session.rollback()
        return _kiosks_page(request, session, me, errors=exc.fields)
    except DomainError as exc:
        session.rollback()
        return _kiosks_page(request, session, me, errors={"name": exc.message})
    audit.record(
        session, actor=operator_actor(me), action="kiosk_add", details={"kiosk": kiosk.name}
    )
    # The key is shown once, on this answer only; it is stored hashed.
    return _kiosks_page(request, session, me, new_key=key)


@admin_router.post("/anjungan/{kiosk_id}/cabut")
def admin_kiosk_revoke(
    kiosk_id: PageId, session: DbSession, me: AdminUser, _: CsrfChecked
) -> Response:
    kiosks.revoke(session, kiosk_id=kiosk_id, actor=operator_actor(me))
    return RedirectResponse("/admin/anjungan", status_code=303)


__all__ = ["admin_router", "csrf_token", "router"]
