"""Domain errors and how the edge shows them.

Services raise these, never HTTPException. Each carries a machine code, a message in
Bahasa Indonesia (what residents and operators read) and the same in English.
Under /api the answer is JSON `{"error": {"code", "message", "message_en", ...}}`;
elsewhere a short HTML page.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("loket.errors")


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


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        message_en: str,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        if code:
            self.code = code
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "message_en": self.message_en,
                **self.extra,
            }
        }


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ValidationFailed(DomainError):
    """Bad input; `fields` maps a field name to its Indonesian message."""

    status_code = 422
    code = "validation_error"

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(
            message or "Ada isian yang perlu diperbaiki.",
            "Some fields need fixing.",
            extra={"fields": fields},
        )
        self.fields = fields


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


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
    page = (
        "<!doctype html><html lang=id><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{status}</title><body style='font-family:sans-serif;padding:1rem'>"
        f"<h1>{html.escape(err['message'])}</h1><p>{html.escape(err['message_en'])}</p>"
        "<p><a href='/'>Kembali ke beranda</a></p></body></html>"
    )
    return HTMLResponse(page, status_code=status)


_HTTP_MESSAGES = {
    401: ("Silakan masuk terlebih dahulu.", "Please log in first."),
    403: ("Anda tidak berhak membuka halaman ini.", "You may not open this page."),
    404: ("Halaman tidak ditemukan.", "Page not found."),
    405: ("Cara permintaan ini tidak didukung.", "Method not allowed."),
    413: ("Data yang dikirim terlalu besar.", "The request body is too large."),
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return render_error(request, exc.status_code, exc.body())

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


INTERNAL_ERROR = {
    "error": {
        "code": "internal_error",
        "message": "Terjadi kesalahan pada server. Silakan hubungi operator desa.",
        "message_en": "Server error. Please contact the village operator.",
    }
}


class CatchUnexpected:
    """Answers an unexpected exception with a 500 and logs only its type and route.

    Starlette's own last-resort handler re-raises, and the server then logs the full
    traceback, whose database errors quote the row being written: NIKs and names would
    reach the log. Here the exception stops.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def note_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, note_start)
        except Exception as exc:
            request = Request(scope)
            log.error("unhandled %s on %s %s", type(exc).__name__, scope["method"], _route(request))
            if not started:
                await render_error(request, 500, INTERNAL_ERROR)(scope, receive, send)


def _route(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "?")


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
