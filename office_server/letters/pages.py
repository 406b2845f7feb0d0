"""The public verification page a letter's QR opens: /v/<token> (or /V/<TOKEN>)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from office_server.deps import AppSettings, ReadSession, client_key, guard_guessing
from office_server.errors import NotFound
from office_server.letters import signing, verification
from office_server.letters.context import format_tanggal
from office_server.ratelimit import RateLimiter

router = APIRouter(tags=["verification"])
_env = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"),
    autoescape=select_autoescape(["html"]),
)
MAX_UPLOAD_BYTES = 1_000_000  # the server's body limit (Settings.max_body_bytes) also holds


def _page(status: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template("verification/letter.html").render(**context)
    return HTMLResponse(html, status_code=status, headers={"Referrer-Policy": "no-referrer"})


def lookup_by_token(
    request: Request, session: ReadSession, token: str
) -> verification.VerifiedLetter:
    limiter: RateLimiter = request.app.state.lookup_limiter
    guard_guessing(request, limiter, "verify")
    try:
        return verification.by_token(session, token)
    except NotFound:
        limiter.hit(f"verify:{client_key(request)}")
        raise


@router.get("/v/{token}", response_class=HTMLResponse)
@router.get("/V/{token}", response_class=HTMLResponse, include_in_schema=False)
def verify_page(token: str, request: Request, session: ReadSession) -> HTMLResponse:
    try:
        letter = lookup_by_token(request, session, token)
    except NotFound as exc:
        return _page(404, letter=None, message=exc.message)
    return _page(letter=letter, issued_on_text=format_tanggal(letter.issued_on), comparison=None)


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
        letter = lookup_by_token(request, session, token)
    except NotFound as exc:
        return _page(404, letter=None, message=exc.message)
    data = await pdf.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _page(413, letter=None, message="Berkas terlalu besar (paling besar 1 MB).")
    uploaded = hashlib.sha256(data).hexdigest()
    return _page(
        letter=letter,
        issued_on_text=format_tanggal(letter.issued_on),
        comparison=uploaded == letter.pdf_sha256,
        uploaded_sha256=uploaded,
        signature=signing.check_pdf(data, data_dir=settings.data_dir),
    )
