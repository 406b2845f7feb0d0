"""HTML pages: templates, static files, compression, the PWA files, page helpers.

`install_pages(app)` is the one seam main.py calls. Each domain keeps its own HTML routes
in `<domain>/pages.py`; they render through `render()` here, which adds the language,
the CSRF token of the operator's session and the versioned static URLs.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders, QueryParams
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from office_server import i18n
from office_server.clock import local_tz
from office_server.deps import SESSION_CSRF, ReadSession, check_csrf
from office_server.letter_types import service as letter_types

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


@lru_cache
def static_version(name: str) -> str:
    """A short content hash, so browsers and the service worker cache assets forever."""
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    return f"/static/{name}?v={static_version(name)}"


def localtime(value: datetime | None, fmt: str = "%d-%m-%Y %H.%M") -> str:
    if not isinstance(value, datetime):
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(local_tz()).strftime(fmt)


templates.env.globals["static_url"] = static_url
templates.env.filters["localtime"] = localtime


def csrf_token(request: Request) -> str:
    """The session's CSRF token; an anonymous visitor (the login form) gets one too."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session[SESSION_CSRF] = token
    return token


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    csrf: bool = False,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = i18n.lang_of(request)
    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "_": i18n.translator(lang),
        "csrf_token": csrf_token(request) if csrf else "",
        **(context or {}),
    }
    response = templates.TemplateResponse(
        request, template, ctx, status_code=status_code, headers=headers
    )
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


async def _csrf_form(request: Request) -> None:
    form = await request.form()
    supplied = form.get("csrf_token")
    check_csrf(request, supplied if isinstance(supplied, str) else None)


# Ids in page paths: SQLite and PostgreSQL integers; a bigger number is a 422, not a 500.
PageId = Annotated[int, PathParam(ge=1, le=2_147_483_647)]

# For HTML form posts of operators: declare *after* the operator dependency, so an
# anonymous caller is sent to the login page before the token is looked at.
CsrfChecked = Annotated[None, Depends(_csrf_form)]


class PageHeaders:
    """Security and caching headers (a plain ASGI middleware: Starlette's
    BaseHTTPMiddleware costs a task and a queue per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        versioned = path.startswith("/static/") and "v" in QueryParams(scope["query_string"])

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if not path.startswith("/api/"):
                    # Operator pages change data with one click: never inside a frame.
                    headers.setdefault("X-Frame-Options", "DENY")
                if versioned:
                    # Versioned by content hash (static_url): a phone downloads it once.
                    headers["Cache-Control"] = "public, max-age=31536000, immutable"
            await send(message)

        await self.app(scope, receive, add_headers)


def install_pages(app: FastAPI) -> None:
    # Compress text answers; the PDF and PNG answers are compressed already.
    app.add_middleware(GZipMiddleware, minimum_size=500)

    app.add_middleware(PageHeaders)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    from office_server.operators import pages as operator_pages
    from office_server.queue import pages as queue_pages
    from office_server.requests import pages as request_pages
    from office_server.village import pages as village_pages

    for router in (
        village_pages.router,
        village_pages.admin_router,
        request_pages.router,
        operator_pages.router,
        operator_pages.admin_router,
        queue_pages.router,
    ):
        app.include_router(router)

    @app.get("/manifest.webmanifest", include_in_schema=False)
    def manifest() -> Response:
        body = {
            "name": "Loket Desa",
            "short_name": "Loket Desa",
            "lang": "id",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b5d3b",
            "icons": [{"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"}],
        }
        return Response(json.dumps(body), media_type="application/manifest+json")

    @app.get("/sw.js", include_in_schema=False)
    def service_worker(session: ReadSession) -> Response:
        # Served from the root so its scope covers every resident page.
        pages = ["/", "/surat", "/status", "/offline"] + [
            f"/surat/{lt.code}" for lt in letter_types.catalog(session=session) if lt.self_service
        ]
        assets = [static_url(n) for n in ("app.css", "form.js", "qr.js", "icon.svg")]
        version = hashlib.sha256(json.dumps([pages, assets]).encode()).hexdigest()[:10]
        source = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
        source = source.replace("__VERSION__", version).replace(
            "__PRECACHE__", json.dumps(pages + assets)
        )
        return Response(
            source,
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )
