"""The admin page for kiosks: register one (its key is shown once) or revoke one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.deps import AdminUser, CsrfChecked, DbSession, PageId, ReadSession
from office_server.error_handlers import PageRefused
from office_server.errors import DomainError, ValidationFailed
from office_server.kiosks import service as kiosks
from office_server.operators.models import Operator
from office_server.templating import render

admin_router = APIRouter(prefix="/admin", include_in_schema=False)


def _kiosks_page(
    request: Request,
    session: Session,
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
            "rows": kiosks.list_all(session),
            "new_key": new_key,
            "errors": errors or {},
        },
        status_code=422 if errors else (201 if new_key else 200),
        csrf=True,
        headers={"Cache-Control": "no-store"},
    )


@admin_router.get("/anjungan", response_class=HTMLResponse)
def admin_kiosks(request: Request, session: ReadSession, me: AdminUser) -> Response:
    return _kiosks_page(request, session, me)


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
    except DomainError as exc:
        errors = exc.fields if isinstance(exc, ValidationFailed) else {"name": exc.message}
        raise PageRefused(lambda s: _kiosks_page(request, s, me, errors=errors)) from exc
    audit.record(session, actor=me.actor, action="kiosk_add", details={"kiosk": kiosk.name})
    # The key is shown once, on this answer only; it is stored hashed.
    return _kiosks_page(request, session, me, new_key=key)


@admin_router.post("/anjungan/{kiosk_id}/cabut")
def admin_kiosk_revoke(
    kiosk_id: PageId, session: DbSession, me: AdminUser, _: CsrfChecked
) -> Response:
    kiosks.revoke(session, kiosk_id=kiosk_id, actor=me.actor)
    return RedirectResponse("/admin/anjungan", status_code=303)
