"""How errors become answers: JSON `{"error": {...}}` under /api, a page elsewhere.

`PageRefused` is how an HTML page refuses an action: the page raises it, the request's
transaction rolls back because an exception left it, and the handler here renders the
answer (the form again, with why) from a fresh read of the database. So a refused page
action can never commit half of itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from office_server.errors import DomainError, RateLimited, ValidationFailed
from office_server.templating import error_page


class ErrorDetail(BaseModel):
    code: str
    message: str
    message_en: str
    fields: dict[str, str] | None = None


class ErrorBody(BaseModel):
    """Every error answer under /api: a machine code and the message in Indonesian."""

    error: ErrorDetail


# Declared on every API route so the OpenAPI document tells clients what errors look like.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Bad request"),
        (401, "Login or kiosk key required"),
        (403, "Not allowed (role, CSRF, counter-only letter type)"),
        (404, "Not found"),
        (409, "Conflict (invalid transition, duplicate)"),
        (413, "Body too large"),
        (422, "Invalid input; `fields` names each problem in Indonesian"),
        (429, "Too many attempts"),
        (500, "Server error"),
    )
}

INTERNAL_ERROR = {
    "error": {
        "code": "internal_error",
        "message": "Terjadi kesalahan pada server. Silakan hubungi operator desa.",
        "message_en": "Server error. Please contact the village operator.",
    }
}

_HTTP_MESSAGES = {
    401: ("Silakan masuk terlebih dahulu.", "Please log in first."),
    403: ("Anda tidak berhak membuka halaman ini.", "You may not open this page."),
    404: ("Halaman tidak ditemukan.", "Page not found."),
    405: ("Cara permintaan ini tidak didukung.", "Method not allowed."),
    413: ("Data yang dikirim terlalu besar.", "The request body is too large."),
}


class PageRefused(Exception):
    """Raised by a page whose action was refused; `answer` renders the reply with a session
    of its own, after the request's transaction has rolled back."""

    def __init__(self, answer: Callable[[Session], Response]) -> None:
        super().__init__("page action refused")
        self.answer = answer


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path in {"/healthz", "/openapi.json"}


def render_error(request: Request, status: int, body: dict[str, Any]) -> Response:
    """JSON under /api, a short Indonesian HTML page elsewhere."""
    if _wants_json(request):
        return JSONResponse(body, status_code=status)
    if status == 401:
        # An operator page opened without a session (or after it expired): the login page.
        return RedirectResponse("/operator/login", status_code=303)
    err = body["error"]
    return error_page(request, status, err["message"], err["message_en"])


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        response = render_error(request, exc.status_code, exc.body())
        if isinstance(exc, RateLimited):
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(PageRefused)
    def _refused(request: Request, exc: PageRefused) -> Response:
        # A plain def: Starlette runs it in the thread pool, so this read does not block.
        with request.app.state.db.unit_of_work(write=False) as session:
            return exc.answer(session)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        fields: dict[str, str] = {}
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
            fields[".".join(loc) or "body"] = _indonesian_validation_message(err)
        return render_error(request, 422, ValidationFailed(fields).body())

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        msg, msg_en = _HTTP_MESSAGES.get(
            exc.status_code, ("Permintaan tidak dapat diproses.", str(exc.detail))
        )
        body = {"error": {"code": f"http_{exc.status_code}", "message": msg, "message_en": msg_en}}
        response = render_error(request, exc.status_code, body)
        if exc.headers:
            response.headers.update(exc.headers)
        return response


def _indonesian_validation_message(err: dict[str, Any]) -> str:
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "Wajib diisi."
    if kind in {"string_too_long"}:
        return f"Terlalu panjang (paling banyak {ctx.get('max_length')} karakter)."
    if kind in {"string_too_short"}:
        return f"Terlalu pendek (paling sedikit {ctx.get('min_length')} karakter)."
    if kind.startswith("string") or kind == "str_type":
        return "Harus berupa teks."
    if kind.startswith("int") or kind.startswith("float"):
        return "Harus berupa angka."
    if kind.startswith("date"):
        return "Tanggal tidak valid."
    if kind == "json_invalid":
        return "Format data tidak valid (JSON rusak)."
    if kind == "extra_forbidden":
        return "Isian ini tidak dikenal."
    if kind == "value_error":
        return str(ctx.get("error", "Isian tidak valid."))
    return "Isian tidak valid."
