"""The public verification page a letter's QR opens: /v/<token> (or /V/<TOKEN>)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse

from office_server.deps import AppSettings, ReadSession, verified_letter
from office_server.errors import NotFound
from office_server.letters import signing
from office_server.letters.context import format_tanggal
from office_server.templating import render

router = APIRouter(tags=["verification"])
MAX_UPLOAD_BYTES = 1_000_000  # the server's body limit (Settings.max_body_bytes) also holds


def _page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    return render(
        request,
        "verification/letter.html",
        context,
        status_code=status,
        headers={"Referrer-Policy": "no-referrer"},
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
    data = await pdf.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _page(request, 413, letter=None, message="Berkas terlalu besar (paling besar 1 MB).")
    uploaded = hashlib.sha256(data).hexdigest()
    return _page(
        request,
        letter=letter,
        issued_on_text=format_tanggal(letter.issued_on),
        comparison=uploaded == letter.pdf_sha256,
        uploaded_sha256=uploaded,
        signature=signing.check_pdf(data, data_dir=settings.data_dir),
    )
