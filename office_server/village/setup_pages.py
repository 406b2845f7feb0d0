"""The first-run wizard (`/pasang`): village profile with logo and paper, printers with a
test print, the kiosk's registration, and last the first admin account, which closes it.

Reachable only while no operator account exists (village/setup.py), and then only from
the office PC itself or with the one-time code the install command printed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from office_server import seed
from office_server.audit import service as audit
from office_server.deps import CsrfChecked, DbSession, ReadSession
from office_server.error_handlers import PageRefused
from office_server.errors import Conflict, NotFound, ValidationFailed
from office_server.guards import client_key
from office_server.kiosks import service as kiosks
from office_server.operators import service as operators
from office_server.templating import render
from office_server.village import service as village
from office_server.village import setup

router = APIRouter(prefix="/pasang", include_in_schema=False)

STEPS = ("desa", "printer", "anjungan", "admin")
SETUP_ACTOR = audit.Actor("system", None, "pemasangan")
SESSION_FLAG = "setup_code_ok"
SESSION_PRINTER = "setup_printer"
WIZARD_FIELDS = (
    *("name", "kode_desa", "kecamatan", "kabupaten", "provinsi", "address"),
    *("head_name", "paper_size"),
)


def _closed(request: Request, session: Session) -> Response | None:
    """Where to send a browser the wizard does not answer (done, or not allowed); None
    when it may go on."""
    if not setup.is_open(session):
        return RedirectResponse("/operator", status_code=303)
    if not (setup.is_loopback(client_key(request)) or request.session.get(SESSION_FLAG)):
        return RedirectResponse("/pasang", status_code=303)
    return None


def _page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    step = context.get("step")
    context = {"me": None, "steps": STEPS, "errors": {}, **context}
    if step in STEPS:
        context["step_no"] = STEPS.index(step) + 1
    return render(request, f"setup/{template}", context, status_code=status_code, csrf=True)


def _profile(session: Session) -> Any:
    try:
        return village.get_profile(session)
    except NotFound:
        return None


@router.get("", response_class=HTMLResponse)
def start(request: Request, session: ReadSession) -> Response:
    closed = _closed(request, session)
    if closed is not None and closed.headers["location"] == "/pasang":
        return _page(request, "code.html", {})  # here, the way in is the one-time code
    return closed or RedirectResponse("/pasang/desa", status_code=303)


@router.post("", response_class=HTMLResponse)
def enter_code(
    request: Request,
    session: ReadSession,
    _: CsrfChecked,
    code: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not setup.is_open(session):
        return RedirectResponse("/operator", status_code=303)
    if not setup.code_matches(request.app.state.settings.data_dir, code):
        errors = {"code": "Kode salah. Lihat kode yang dicetak saat pemasangan."}
        return _page(request, "code.html", {"errors": errors}, status_code=403)
    request.session[SESSION_FLAG] = True
    return RedirectResponse("/pasang/desa", status_code=303)


def _desa_page(request: Request, values: Any, errors: dict[str, str] | None = None) -> Response:
    return _page(
        request,
        "desa.html",
        {"step": "desa", "village": values or {}, "errors": errors or {}},
        status_code=422 if errors else 200,
    )


@router.get("/desa", response_class=HTMLResponse)
def desa_form(request: Request, session: ReadSession) -> Response:
    if (closed := _closed(request, session)) is not None:
        return closed
    return _desa_page(request, _profile(session))


@router.post("/desa", response_class=HTMLResponse)
async def desa_save(request: Request, session: DbSession, _: CsrfChecked) -> Response:
    if (closed := _closed(request, session)) is not None:
        return closed
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in WIZARD_FIELDS}
    logo = form.get("logo")
    try:
        if _profile(session) is None:
            missing = {k: "Wajib diisi." for k in WIZARD_FIELDS[:5] if not values[k].strip()}
            if not values["head_name"].strip():
                missing["head_name"] = "Wajib diisi."
            if missing:
                raise ValidationFailed(missing)
            seed.init_village(
                session,
                name=values["name"].strip(),
                kode_desa=values["kode_desa"].strip(),
                kecamatan=values["kecamatan"].strip(),
                kabupaten=values["kabupaten"].strip(),
                provinsi=values["provinsi"].strip(),
                head_name=values["head_name"].strip(),
            )
        changes = {k: v for k, v in values.items() if k in village.PROFILE_FIELDS}
        changes["head_title"] = f"Kepala Desa {values['name'].strip()}"
        village.update_profile(session, changes=changes)
        if isinstance(logo, UploadFile) and logo.filename:
            village.set_logo(session, data=await logo.read(village.MAX_LOGO_BYTES + 1))
    except ValidationFailed as exc:
        errors = exc.fields
        raise PageRefused(lambda _: _desa_page(request, values, errors)) from exc
    audit.record(
        session, actor=SETUP_ACTOR, action="village_update", details={"fields": sorted(changes)}
    )
    return RedirectResponse("/pasang/printer", status_code=303)


def _found_printers() -> list[str]:
    from printer_drivers.discovery import cups_queues, usb_escpos_printers

    return cups_queues() + usb_escpos_printers()


def _printer_page(request: Request, result: dict[str, str] | None = None) -> Response:
    return _page(
        request,
        "printer.html",
        {
            "step": "printer",
            "printers": _found_printers(),
            "chosen": request.session.get(SESSION_PRINTER, ""),
            "result": result,
        },
    )


@router.get("/printer", response_class=HTMLResponse)
def printer_form(request: Request, session: ReadSession) -> Response:
    if (closed := _closed(request, session)) is not None:
        return closed
    return _printer_page(request)


@router.post("/printer", response_class=HTMLResponse)
def printer_test(
    request: Request,
    session: ReadSession,
    _: CsrfChecked,
    printer: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    from printer_drivers.errors import PrinterError
    from printer_drivers.factory import printer_from_url

    if (closed := _closed(request, session)) is not None:
        return closed
    # Only a printer this PC found: a typed URL could name a folder or a device.
    if printer not in _found_printers():
        return _printer_page(request, {"ok": "", "message": "Pilih salah satu printer."})
    profile = _profile(session)
    media: Literal["A4", "F4"] = "F4" if profile and profile.paper_size == "F4" else "A4"
    try:
        printer_from_url(printer).print_pdf(
            setup.printer_test_page(profile), media=media, title="Halaman uji Loket Desa"
        )
    except PrinterError as exc:
        return _printer_page(request, {"ok": "", "message": exc.message_id})
    request.session[SESSION_PRINTER] = printer
    return _printer_page(
        request, {"ok": "1", "message": f"Halaman uji dikirim ke {printer}. Sudah keluar?"}
    )


def _kiosk_page(request: Request, errors: dict[str, str] | None = None, key: str = "") -> Response:
    settings = request.app.state.settings
    return _page(
        request,
        "anjungan.html",
        {
            "step": "anjungan",
            "errors": errors or {},
            "new_key": key,
            "server_url": settings.public_url,
            "printer": request.session.get(SESSION_PRINTER, ""),
        },
        status_code=422 if errors else 200,
    )


@router.get("/anjungan", response_class=HTMLResponse)
def kiosk_form(request: Request, session: ReadSession) -> Response:
    if (closed := _closed(request, session)) is not None:
        return closed
    return _kiosk_page(request)


@router.post("/anjungan", response_class=HTMLResponse)
def kiosk_add(
    request: Request,
    session: DbSession,
    _: CsrfChecked,
    name: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if (closed := _closed(request, session)) is not None:
        return closed
    try:
        key = kiosks.add(session, name=name)[1]
    except (ValidationFailed, Conflict) as exc:
        errors = exc.fields if isinstance(exc, ValidationFailed) else {"name": exc.message}
        raise PageRefused(lambda _: _kiosk_page(request, errors)) from exc
    audit.record(session, actor=SETUP_ACTOR, action="kiosk_add")
    # The key is shown once, in this answer, as /admin/anjungan does.
    return _kiosk_page(request, key=key)


def _admin_page(
    request: Request, values: dict[str, str], errors: dict[str, str] | None = None
) -> Response:
    return _page(
        request,
        "admin.html",
        {
            "step": "admin",
            "values": values,
            "errors": errors or {},
            "min_password": operators.MIN_PASSWORD_LENGTH,
        },
        status_code=422 if errors else 200,
    )


@router.get("/admin", response_class=HTMLResponse)
def admin_form(request: Request, session: ReadSession) -> Response:
    if (closed := _closed(request, session)) is not None:
        return closed
    if _profile(session) is None:
        return RedirectResponse("/pasang/desa", status_code=303)
    return _admin_page(request, {})


@router.post("/admin", response_class=HTMLResponse)
def admin_create(
    request: Request,
    session: DbSession,
    _: CsrfChecked,
    username: Annotated[str, Form(max_length=64)] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    password_again: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if (closed := _closed(request, session)) is not None:
        return closed
    values = {"username": username, "full_name": full_name}
    try:
        if _profile(session) is None:
            raise ValidationFailed({"username": "Isi profil desa dulu (langkah 1)."})
        if password != password_again:
            raise ValidationFailed({"password_again": "Kedua kata sandi tidak sama."})
        if not full_name.strip():
            raise ValidationFailed({"full_name": "Wajib diisi."})
        operators.create(
            session, username=username, full_name=full_name, role="admin", password=password
        )
    except (ValidationFailed, Conflict) as exc:
        errors = exc.fields if isinstance(exc, ValidationFailed) else {"username": exc.message}
        raise PageRefused(lambda _: _admin_page(request, values, errors)) from exc
    audit.record(session, actor=SETUP_ACTOR, action="operator_create", details={"role": "admin"})
    setup.forget_code(request.app.state.settings.data_dir)
    request.session.pop(SESSION_FLAG, None)
    request.session.pop(SESSION_PRINTER, None)
    return _page(request, "done.html", {"username": username})
