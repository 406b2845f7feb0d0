"""The admin's channel settings (`/admin/notifikasi`) and the resident's stop link."""

from __future__ import annotations

import re
import secrets
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.audit.service import RESIDENT
from office_server.deps import AdminUser, CsrfChecked, DbSession, ReadSession
from office_server.error_handlers import PageRefused
from office_server.errors import ValidationFailed
from office_server.notifications import service as notifications
from office_server.notifications.gateway import GatewayError
from office_server.operators.models import Operator
from office_server.templating import render

router = APIRouter(include_in_schema=False)
admin_router = APIRouter(prefix="/admin", include_in_schema=False)

StopToken = Annotated[str, Path(min_length=8, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
# The test message goes to a number the admin types; that number is kept nowhere.
TEST_NUMBER_PATTERN = r"^(\+62|62|0)8[0-9]{7,12}$"


def _page(
    request: Request,
    session: Session,
    admin: Operator,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    bad: bool = False,
) -> Response:
    row = notifications.get_settings_row(session)
    if values is None:
        values = {
            "channel": row.channel,
            "gateway_url": row.gateway_url,
            "token_header": row.token_header,
            "body_format": row.body_format,
            "body_template": row.body_template,
            "daily_cap": str(row.daily_cap),
        }
    return render(
        request,
        "notifications/admin.html",
        {
            "me": admin,
            "values": values,
            "has_token": bool(row.token),
            "errors": errors or {},
            "notice": notice,
            "bad": bad,
            "messages": notifications.recent(session),
            "counts": notifications.counts(session),
            "opt_outs": notifications.opt_outs(session),
            "labels": notifications.STATUS_LABELS,
            "masked": notifications.masked,
        },
        status_code=422 if errors else 200,
        csrf=True,
    )


@admin_router.get("/notifikasi", response_class=HTMLResponse)
def settings_page(request: Request, session: ReadSession, admin: AdminUser) -> Response:
    notice = "Tersimpan." if request.query_params.get("ok") else ""
    return _page(request, session, admin, notice=notice)


@admin_router.post("/notifikasi", response_class=HTMLResponse)
async def settings_save(
    request: Request, session: DbSession, admin: AdminUser, _: CsrfChecked
) -> Response:
    form = await request.form()
    changes = {k: str(v) for k, v in form.items() if k in notifications.SETTING_FIELDS}
    try:
        notifications.update_settings(session, changes=changes)
    except ValidationFailed as exc:
        errors = exc.fields
        shown = {k: v for k, v in changes.items() if k != "token"}
        raise PageRefused(lambda s: _page(request, s, admin, values=shown, errors=errors)) from exc
    # Field names only: the token is a secret.
    audit.record(
        session, actor=admin.actor, action="notify_settings", details={"fields": sorted(changes)}
    )
    return RedirectResponse("/admin/notifikasi?ok=1", status_code=303)


@admin_router.post("/notifikasi/uji", response_class=HTMLResponse)
async def send_test(
    request: Request, session: ReadSession, admin: AdminUser, _: CsrfChecked
) -> Response:
    """Sends one message now and says what happened (the gateway call has a timeout)."""
    form = await request.form()
    number = str(form.get("test_phone", "")).replace(" ", "").replace("-", "")
    if not re.match(TEST_NUMBER_PATTERN, number):
        return _page(
            request, session, admin, errors={"test_phone": "Nomor HP tidak valid (contoh 0812…)."}
        )
    gateway = notifications.gateway_for(notifications.get_settings_row(session))
    if gateway is None:
        return _page(request, session, admin, notice="Pilih jalur dan simpan dulu.", bad=True)
    text = notifications.test_text(session)
    try:
        gateway.send(to=notifications.international(number), text=text, key=secrets.token_hex(16))
    except GatewayError as exc:
        return _page(
            request,
            session,
            admin,
            notice=f"Pesan uji gagal: {_why(exc.kind)}",
            bad=True,
        )
    return _page(request, session, admin, notice="Pesan uji terkirim ke gateway.")


def _why(kind: str) -> str:
    if kind == "timeout":
        return "gateway tidak menjawab (waktu habis)."
    if kind == "unreachable":
        return "gateway tidak bisa dihubungi. Periksa alamat dan sambungan internet."
    if kind == "config":
        return "templat isi tidak benar."
    if kind.startswith("http_"):
        return f"gateway menolak (kode {kind[5:]}). Periksa token dan templat."
    return kind


@router.get("/berhenti/{token}", response_class=HTMLResponse)
def stop_page(request: Request, token: StopToken) -> Response:
    return render(request, "notifications/stop.html", {"token": token, "done": False})


@router.post("/berhenti/{token}", response_class=HTMLResponse)
def stop(request: Request, session: DbSession, token: StopToken) -> Response:
    if not notifications.opt_out(session, stop_token=token):
        return render(
            request, "notifications/stop.html", {"token": token, "unknown": True}, status_code=404
        )
    audit.record(session, actor=RESIDENT, action="notify_opt_out")
    return render(request, "notifications/stop.html", {"token": token, "done": True})
