"""The operator's "Tarik dari kabupaten": a resident shows the code of a request they filed
from home; the kiosk said it has not arrived. The server asks its relay for a round now
(`sync.relay.pull_now`) and shows the request when it has come, or says in plain words
why not: the link to the regency is down, the hub holds nothing under that code for this
village, or it came and could not be accepted (the resident must fix the form).
Also lists the latest sealed requests that were refused (codes and problems, no values).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from loket_protocol.qr import HUB_CODE_PREFIX
from office_server.deps import AppSettings, CsrfChecked, OperatorUser, ReadSession
from office_server.requests import sealed_intake
from office_server.requests.models import LetterRequest, SealedRefusal
from office_server.security import normalize_code
from office_server.sync import relay
from office_server.templating import render

router = APIRouter(prefix="/operator", include_in_schema=False)

# How long the page waits for the relay's round: a connection attempt on a bad link
# takes up to its connect timeout (10 s), and a round after it a little more.
PULL_WAIT_SECONDS = 30.0

MESSAGES = {
    "not_hub_code": "Kode dari kabupaten diawali huruf {prefix} dan panjangnya 8 karakter.",
    "no_hub": "Server ini tidak tersambung ke kabupaten (hub belum diatur). Layani warga "
    "di loket dengan permohonan baru.",
    "link_down": "Sambungan ke kabupaten sedang terputus. Permohonan warga tetap tersimpan di "
    "kabupaten dan akan masuk begitu sambungan pulih; sementara itu layani warga di loket.",
    "slow": "Kabupaten belum menjawab. Coba tarik sekali lagi sebentar lagi.",
    "nothing": "Kabupaten tidak menyimpan permohonan dengan kode {code} untuk desa ini. "
    "Periksa kodenya bersama warga.",
    "refused": "Permohonan {code} sudah sampai, tetapi isiannya tidak dapat diterima. Warga "
    "diminta memperbaikinya di halaman status permohonannya, atau layani di loket.",
}


def _refusal(session: Session, code: str) -> SealedRefusal | None:
    return session.scalars(
        select(SealedRefusal)
        .where(SealedRefusal.public_code == code)
        .order_by(SealedRefusal.received_at.desc())
        .limit(1)
    ).first()


def _found(session: Session, code: str) -> LetterRequest | None:
    return session.scalars(select(LetterRequest).where(LetterRequest.public_code == code)).first()


def _page(
    request: Request,
    session: Session,
    me: Any,
    *,
    code: str = "",
    message: str = "",
    problems: list[dict[str, str]] | None = None,
) -> Response:
    return render(
        request,
        "operators/hub_pull.html",
        {
            "me": me,
            "code": code,
            "message": message,
            "problems": problems or [],
            "refusals": sealed_intake.recent_refusals(session, limit=20),
        },
        csrf=True,
    )


@router.get("/tarik", response_class=HTMLResponse)
def hub_pull_form(request: Request, session: ReadSession, me: OperatorUser) -> Response:
    return _page(request, session, me)


@router.post("/tarik", response_class=HTMLResponse)
def hub_pull(
    request: Request,
    session: ReadSession,
    me: OperatorUser,
    settings: AppSettings,
    _: CsrfChecked,
    code: str = Form("", max_length=40),
) -> Response:
    typed = normalize_code(code)
    if not (typed.startswith(HUB_CODE_PREFIX) and len(typed) == 8 and typed.isalnum()):
        message = MESSAGES["not_hub_code"].format(prefix=HUB_CODE_PREFIX)
        return _page(request, session, me, code=typed[:12], message=message)
    found = _found(session, typed)
    if found is None:
        if not settings.hub_configured:
            return _page(request, session, me, code=typed, message=MESSAGES["no_hub"])
        # The relay commits in its own thread: read again after its round, not from this
        # transaction's snapshot.
        session.rollback()
        went = relay.pull_now(PULL_WAIT_SECONDS)
        session.rollback()
        found = _found(session, typed)
        if found is None:
            refused = _refusal(session, typed)
            if refused is not None:
                message = MESSAGES["refused"].format(code=typed)
                return _page(
                    request, session, me, code=typed, message=message, problems=refused.problems
                )
            key = {True: "nothing", False: "link_down", None: "slow"}[went]
            if went is None and relay.RUNNING is None:
                key = "no_hub"
            return _page(request, session, me, code=typed, message=MESSAGES[key].format(code=typed))
    return RedirectResponse(f"/operator/permohonan/{found.id}", status_code=303)
