"""The admin's register policy (`/admin/register`): which UMKM register fields go up to
the regency hub, and sending the business letters issued before the policy was on."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from office_server.deps import AdminUser, CsrfChecked, DbSession, ReadSession
from office_server.letters import umkm
from office_server.operators.models import Operator
from office_server.templating import render
from office_server.village import register_policy

admin_router = APIRouter(prefix="/admin", include_in_schema=False)

FIELD_LABELS = {
    "business_name": "Nama usaha",
    "business_kind": "Jenis usaha",
    "since": "Berdiri sejak tahun",
    "dusun": "Dusun",
    "rt_rw": "RT/RW",
}


def _page(request: Request, session: Session, admin: Operator, *, notice: str = "") -> Response:
    return render(
        request,
        "admin/register.html",
        {
            "me": admin,
            "policy": register_policy.get(session),
            "fields": list(FIELD_LABELS.items()),
            "issued": umkm.issued_count(session),
            "letter_types": umkm.letter_type_titles(session),
            "notice": notice,
        },
        csrf=True,
    )


@admin_router.get("/register", response_class=HTMLResponse)
def policy_page(request: Request, session: ReadSession, admin: AdminUser) -> Response:
    notice = ""
    if request.query_params.get("ok"):
        notice = "Tersimpan."
    elif (sent := request.query_params.get("terkirim", "")).isdigit():
        notice = f"{int(sent)} entri masuk antrean kirim ke hub kabupaten."
    return _page(request, session, admin, notice=notice)


@admin_router.post("/register", response_class=HTMLResponse)
async def policy_save(
    request: Request, session: DbSession, admin: AdminUser, _: CsrfChecked
) -> Response:
    form = await request.form()
    # Unchecked boxes are absent from the form: absent means "stays in the village".
    fields = {name for name in (*register_policy.FIELDS, register_policy.OWNER) if form.get(name)}
    register_policy.update(
        session, send_umkm=bool(form.get("send_umkm")), fields=fields, actor=admin.actor
    )
    return RedirectResponse("/admin/register?ok=1", status_code=303)


@admin_router.post("/register/kirim-terbit", response_class=HTMLResponse)
def send_issued(request: Request, session: DbSession, admin: AdminUser, _: CsrfChecked) -> Response:
    sent = umkm.send_issued(session, actor=admin.actor)
    return RedirectResponse(f"/admin/register?terkirim={sent}", status_code=303)
