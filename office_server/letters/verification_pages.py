"""The public verification page a letter's QR opens: /v/<token> (or /V/<TOKEN>)."""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse

from office_server.deps import AppSettings, ReadSession, verified_letter
from office_server.errors import NotFound
from office_server.guards import client_key, limits_of
from office_server.letters import signing
from office_server.letters.context import format_tanggal
from office_server.templating import render

router = APIRouter(tags=["verification"])
log = logging.getLogger("loket.security")
MAX_UPLOAD_BYTES = 1_000_000  # the server's body limit (Settings.max_body_bytes) also holds

# The signature check is CPU-bound (pyHanko parses the whole PDF). It runs in a worker
# thread so the event loop keeps answering everyone else, and at most this many run at
# once in the process: one more upload is told to try again, never queued behind them.
CONCURRENT_CHECKS = 2
_checks = threading.BoundedSemaphore(CONCURRENT_CHECKS)
BUSY = "Server sedang sibuk memeriksa berkas lain. Tunggu sebentar lalu unggah lagi."
TOO_MANY_UPLOADS = "Terlalu banyak unggahan dari perangkat ini. Tunggu satu menit lalu coba lagi."


def _page(
    request: Request, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    return render(
        request,
        "verification/letter.html",
        context,
        status_code=status,
        headers={"Referrer-Policy": "no-referrer", **(headers or {})},
    )


@router.get("/v/{token}", response_class=HTMLResponse)
@router.get("/V/{token}", response_class=HTMLResponse, include_in_schema=False)
def verify_page(token: str, request: Request, session: ReadSession) -> HTMLResponse:
    try:
        letter = verified_letter(request, session, token)
    except NotFound as exc:
        return _page(request, 404, letter=None, message=exc.message)
    return _page(
        request, letter=letter, issued_on_text=format_tanggal(letter.issued_on), comparison=None
    )


@router.post("/v/{token}", response_class=HTMLResponse)
@router.post("/V/{token}", response_class=HTMLResponse, include_in_schema=False)
async def compare_upload(
    token: str,
    request: Request,
    session: ReadSession,
    settings: AppSettings,
    pdf: Annotated[UploadFile, File(description="The PDF to compare")],
) -> HTMLResponse:
    try:
        letter = verified_letter(request, session, token)
    except NotFound as exc:
        return _page(request, 404, letter=None, message=exc.message)
    shown: dict[str, Any] = {"letter": letter, "issued_on_text": format_tanggal(letter.issued_on)}
    limiter = limits_of(request).uploads
    client = f"upload:{client_key(request)}"
    if limiter.blocked(client):
        log.warning("rate limit: verify upload from %s", client_key(request))
        return _page(
            request, 429, {"Retry-After": "60"}, comparison=None, notice=TOO_MANY_UPLOADS, **shown
        )
    limiter.hit(client)
    data = await pdf.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _page(request, 413, letter=None, message="Berkas terlalu besar (paling besar 1 MB).")
    if not _checks.acquire(blocking=False):
        return _page(request, 503, {"Retry-After": "5"}, comparison=None, notice=BUSY, **shown)
    try:
        # Not cancellable: the slot is given back only when the thread has finished.
        signature = await anyio.to_thread.run_sync(
            functools.partial(signing.check_pdf, data, data_dir=settings.data_dir)
        )
    finally:
        _checks.release()
    uploaded = hashlib.sha256(data).hexdigest()
    return _page(
        request,
        comparison=uploaded == letter.pdf_sha256,
        uploaded_sha256=uploaded,
        signature=signature,
        **shown,
    )
