"""Renders every HTML answer of the server: pages, error pages, the verification page.

A leaf: it knows templates, the language, static URLs and the session's CSRF token, and
nothing of the domains. Letter PDFs have their own sandboxed environment
(letters/rendering.py), because admins edit those templates.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.requests import Request

import resident_web
from office_server import i18n
from office_server.clock import local_tz
from office_server.csrf import csrf_token

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"

# Ours first, then what the residents' pages share with the hub (resident_web).
templates = Jinja2Templates(directory=[TEMPLATES_DIR, resident_web.TEMPLATES_DIR])


@lru_cache
def static_version(name: str) -> str:
    """A short content hash, so browsers and the service worker cache assets forever."""
    if resident_web.owns(name):
        return resident_web.static_version(name)
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


def error_page(request: Request, status: int, message: str, message_en: str) -> HTMLResponse:
    """A short page for an error outside the pages that show their own (Indonesian first)."""
    return render(
        request,
        "errors/page.html",
        {"status": status, "message": message, "message_en": message_en},
        status_code=status,
    )
