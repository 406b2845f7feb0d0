"""The village's public page (`/`) and the admin pages for its profile and announcements."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.deps import AdminUser, CsrfChecked, DbSession, PageId, ReadSession
from office_server.error_handlers import PageRefused
from office_server.errors import ValidationFailed
from office_server.guards import client_key
from office_server.letter_types import service as letter_types
from office_server.operators.models import Operator
from office_server.sync import outbox
from office_server.templating import render
from office_server.village import service as village
from office_server.village import setup

router = APIRouter(include_in_schema=False)
admin_router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: ReadSession) -> Response:
    if setup.is_loopback(client_key(request)) and setup.is_open(session):
        # A fresh install opened on the office PC itself: the set-up wizard first.
        return RedirectResponse("/pasang", status_code=303)
    return render(
        request,
        "village/home.html",
        {
            "village": village.get_profile(session),
            "types": letter_types.catalog(session),
            "announcements": village.published_announcements(session),
            "regency_announcements": outbox.regency_announcements(session),
        },
    )


def _profile_page(
    request: Request,
    admin: Operator,
    profile: Any,
    errors: dict[str, str] | None = None,
    signers: list[Operator] | None = None,
) -> Response:
    return render(
        request,
        "admin/village.html",
        {"me": admin, "village": profile, "errors": errors or {}, "signers": signers or []},
        status_code=422 if errors else 200,
        csrf=True,
    )


def _announcements_page(
    request: Request, session: Session, admin: Operator, errors: dict[str, str] | None = None
) -> Response:
    return render(
        request,
        "admin/announcements.html",
        {"me": admin, "items": village.all_announcements(session), "errors": errors or {}},
        status_code=422 if errors else 200,
        csrf=True,
    )


@admin_router.get("/desa", response_class=HTMLResponse)
def profile_form(request: Request, session: ReadSession, admin: AdminUser) -> Response:
    return _profile_page(
        request, admin, village.get_profile(session), signers=village.signers(session)
    )


@admin_router.post("/desa", response_class=HTMLResponse)
async def profile_save(
    request: Request, session: DbSession, admin: AdminUser, _: CsrfChecked
) -> Response:
    form = await request.form()
    changes = {k: str(v) for k, v in form.items() if k in village.PROFILE_FIELDS}
    try:
        village.update_profile(session, changes=changes)
    except ValidationFailed as exc:
        # The form again as typed, with what is wrong.
        errors = exc.fields
        raise PageRefused(lambda _: _profile_page(request, admin, changes, errors)) from exc
    audit.record(
        session,
        actor=admin.actor,
        action="village_update",
        details={"fields": sorted(changes)},
    )
    return RedirectResponse("/admin/desa?ok=1", status_code=303)


@admin_router.post("/desa/logo", response_class=HTMLResponse)
def logo_save(
    request: Request,
    session: DbSession,
    admin: AdminUser,
    _: CsrfChecked,
    logo: Annotated[UploadFile, File()],
) -> Response:
    try:
        # A plain def, read from the spooled file: decoding runs in the thread pool, not
        # in the event loop.
        village.set_logo(session, data=logo.file.read(village.MAX_LOGO_BYTES + 1))
    except ValidationFailed as exc:
        errors = exc.fields
        raise PageRefused(
            lambda s: _profile_page(request, admin, village.get_profile(s), errors)
        ) from exc
    audit.record(session, actor=admin.actor, action="village_logo")
    return RedirectResponse("/admin/desa?ok=1", status_code=303)


def _refused_upload(request: Request, admin: Operator, errors: dict[str, str]) -> PageRefused:
    return PageRefused(
        lambda s: _profile_page(
            request, admin, village.get_profile(s), errors, signers=village.signers(s)
        )
    )


@admin_router.post("/desa/stempel", response_class=HTMLResponse)
def stamp_save(
    request: Request,
    session: DbSession,
    admin: AdminUser,
    _: CsrfChecked,
    stamp: Annotated[UploadFile, File()],
) -> Response:
    """The village stamp, printed over the specimen on letters signed for the kiosk."""
    try:
        village.set_stamp(session, data=stamp.file.read(village.MAX_LOGO_BYTES + 1))
    except ValidationFailed as exc:
        raise _refused_upload(request, admin, exc.fields) from exc
    audit.record(session, actor=admin.actor, action="village_stamp")
    return RedirectResponse("/admin/desa?ok=1", status_code=303)


@admin_router.post("/desa/spesimen/{operator_id}", response_class=HTMLResponse)
def specimen_save(
    operator_id: PageId,
    request: Request,
    session: DbSession,
    admin: AdminUser,
    _: CsrfChecked,
    specimen: Annotated[UploadFile, File()],
) -> Response:
    """A signer's signature specimen (the signer's own PAdES signature stays the proof)."""
    try:
        village.set_signature(
            session, operator_id=operator_id, data=specimen.file.read(village.MAX_LOGO_BYTES + 1)
        )
    except ValidationFailed as exc:
        raise _refused_upload(request, admin, exc.fields) from exc
    audit.record(
        session, actor=admin.actor, action="signature_specimen", details={"operator": operator_id}
    )
    return RedirectResponse("/admin/desa?ok=1", status_code=303)


@admin_router.get("/pengumuman", response_class=HTMLResponse)
def announcements(request: Request, session: ReadSession, admin: AdminUser) -> Response:
    return _announcements_page(request, session, admin)


@admin_router.post("/pengumuman", response_class=HTMLResponse)
def announcement_add(
    request: Request,
    session: DbSession,
    admin: AdminUser,
    _: CsrfChecked,
    title: Annotated[str, Form(max_length=200)] = "",
    body: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        village.add_announcement(session, title=title, body=body)
    except ValidationFailed as exc:
        errors = exc.fields
        raise PageRefused(lambda s: _announcements_page(request, s, admin, errors)) from exc
    audit.record(session, actor=admin.actor, action="announcement_add")
    return RedirectResponse("/admin/pengumuman", status_code=303)


@admin_router.post("/pengumuman/{announcement_id}/tampil", response_class=HTMLResponse)
def announcement_toggle(
    announcement_id: PageId,
    session: DbSession,
    admin: AdminUser,
    _: CsrfChecked,
    published: Annotated[str, Form()] = "0",
) -> Response:
    village.set_announcement_published(
        session, announcement_id=announcement_id, published=published == "1"
    )
    audit.record(session, actor=admin.actor, action="announcement_publish")
    return RedirectResponse("/admin/pengumuman", status_code=303)
