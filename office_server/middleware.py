"""The server's ASGI middleware, each a plain ASGI class on one scaffold (Starlette's
BaseHTTPMiddleware costs a task and a queue per request). main.create_app() adds them
in their order."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable

from starlette.datastructures import MutableHeaders, QueryParams
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from office_server.error_handlers import INTERNAL_ERROR, render_error
from office_server.errors import PayloadTooLarge

access_log = logging.getLogger("loket.access")
error_log = logging.getLogger("loket.errors")


class HttpMiddleware:
    """Passes everything but HTTP through; subclasses write `handle` for HTTP only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


def watching_start(
    send: Send, on_start: Callable[[Message], None]
) -> Callable[[Message], Awaitable[None]]:
    """`send`, calling `on_start` with the response-start message before it goes out."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            on_start(message)
        await send(message)

    return wrapped


def _route(scope: Scope) -> str:
    return getattr(scope.get("route"), "path", "-")


class BodySizeLimit(HttpMiddleware):
    """Refuses bodies over the limit before they are read into memory."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await render_error(Request(scope), 413, _too_large().body())(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _too_large()
            return message

        await self.app(scope, limited_receive, send)


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge("Data yang dikirim terlalu besar.", "Request body too large.")


class AccessLog(HttpMiddleware):
    """Logs method, route template, status and time: never the raw path or query, so
    codes and anything a client wrongly put in a URL stay out of the logs."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500

        def note(message: Message) -> None:
            nonlocal status
            status = message["status"]

        try:
            await self.app(scope, receive, watching_start(send, note))
        finally:
            access_log.info(
                "%s %s %d %.1fms",
                scope["method"],
                _route(scope),
                status,
                (time.perf_counter() - started) * 1000,
            )


class CatchUnexpected(HttpMiddleware):
    """Answers an unexpected exception with a 500 and logs only its type and route.

    Starlette's own last-resort handler re-raises, and the server then logs the full
    traceback, whose database errors quote the row being written: NIKs and names would
    reach the log. Here the exception stops.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        def note(_: Message) -> None:
            nonlocal started
            started = True

        try:
            await self.app(scope, receive, watching_start(send, note))
        except Exception as exc:
            error_log.error(
                "unhandled %s on %s %s", type(exc).__name__, scope["method"], _route(scope)
            )
            if not started:
                await render_error(Request(scope), 500, INTERNAL_ERROR)(scope, receive, send)


# Every page: only our own files. No inline script, style or handler anywhere (templates
# load static/*.js and *.css), images also as data: URLs (the pickup QR's download link),
# no frames, forms only back to us. Letter PDFs are rendered by WeasyPrint, not a browser.
PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# JSON opened in a tab loads nothing. (PDFs, images, audio and scripts get no policy: the
# browser's PDF viewer and the service worker would be caught by one.)
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def inline_script_policy(page: bytes, *, cdn: str) -> str:
    """A policy for a third-party page (the API docs) whose scripts and styles come from
    `cdn` and whose inline scripts are allowed by their hashes."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
        for m in _INLINE_SCRIPT.finditer(page)
    )
    return (
        f"default-src 'self'; script-src {cdn} {hashes}; style-src {cdn} 'unsafe-inline'; "
        "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


class PageHeaders(HttpMiddleware):
    """Security and caching headers on every answer: the Content-Security-Policy, no
    Referer to anywhere (paths hold request codes), no sniffing, no framing."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        versioned = path.startswith("/static/") and "v" in QueryParams(scope["query_string"])

        def add_headers(message: Message) -> None:
            headers = MutableHeaders(scope=message)
            headers.setdefault("X-Content-Type-Options", "nosniff")
            headers.setdefault("Referrer-Policy", "no-referrer")
            content_type = headers.get("content-type", "")
            if content_type.startswith("text/html"):
                headers.setdefault("Content-Security-Policy", PAGE_POLICY)
            elif content_type.startswith("application/json"):
                headers.setdefault("Content-Security-Policy", JSON_POLICY)
            if not path.startswith("/api/"):
                # Operator pages change data with one click: never inside a frame.
                headers.setdefault("X-Frame-Options", "DENY")
            if versioned:
                # Versioned by content hash (static_url): a phone downloads it once.
                headers["Cache-Control"] = "public, max-age=31536000, immutable"

        await self.app(scope, receive, watching_start(send, add_headers))
