"""create_app(): the one place that builds the office server — its middleware (in order),
error handlers, routers and static files. docs/DESIGN.md maps each route to its file."""

from __future__ import annotations

import time

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from office_server import pwa
from office_server.config import Settings, get_settings
from office_server.database import Database
from office_server.deps import close_form
from office_server.error_handlers import ERROR_RESPONSES, install_error_handlers
from office_server.kiosks import api as kiosks_api
from office_server.kiosks import pages as kiosks_pages
from office_server.letter_types import api as letter_types_api
from office_server.letter_types import pages as letter_types_pages
from office_server.letters import api as letters_api
from office_server.letters import pages as letters_pages
from office_server.letters import register_pages, verification_pages
from office_server.middleware import (
    AccessLog,
    BodySizeLimit,
    CatchUnexpected,
    PageHeaders,
    inline_script_policy,
)
from office_server.notifications import pages as notifications_pages
from office_server.operators import api as operators_api
from office_server.operators import pages as operators_pages
from office_server.queue import api as queue_api
from office_server.queue import pages as queue_pages
from office_server.ratelimit import Clock, Limits
from office_server.requests import api as requests_api
from office_server.requests import counter_pages, document_pages, hub_pages
from office_server.requests import operator_pages as request_desk_pages
from office_server.requests import pages as requests_pages
from office_server.residents import pages as residents_pages
from office_server.templating import STATIC_DIR
from office_server.village import pages as village_pages
from office_server.village import service as village_service
from office_server.village import setup_pages

API_ROUTERS = (
    letter_types_api.router,
    requests_api.router,
    requests_api.operator_router,
    document_pages.router,
    operators_api.router,
    kiosks_api.router,
    queue_api.router,
    letters_api.router,
    # A public page, but listed in the OpenAPI document with its upload form.
    verification_pages.router,
)
PAGE_ROUTERS = (
    village_pages.router,
    village_pages.admin_router,
    setup_pages.router,
    requests_pages.router,
    request_desk_pages.router,
    document_pages.operator_router,
    counter_pages.router,
    hub_pages.router,
    letters_pages.router,
    operators_pages.router,
    operators_pages.admin_router,
    letter_types_pages.admin_router,
    kiosks_pages.admin_router,
    queue_pages.router,
    notifications_pages.router,
    notifications_pages.admin_router,
    register_pages.admin_router,
    residents_pages.router,
    pwa.router,
)


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    clock: Clock = time.monotonic,
) -> FastAPI:
    """The app. `clock` drives the rate limits (tests move it instead of sleeping)."""
    settings = settings or get_settings()
    db = database or Database(settings)
    # Outermost first: each one wraps all below it.
    middleware = [
        Middleware(PageHeaders),
        # Compress text answers; the PDF and PNG answers are compressed already.
        Middleware(GZipMiddleware, minimum_size=500),
        Middleware(AccessLog),
        Middleware(CatchUnexpected),
        Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
        Middleware(
            SessionMiddleware,
            secret_key=settings.session_secret(),
            session_cookie="loket_session",
            # The cookie's own lifetime; the session row on the server decides (logout).
            max_age=settings.session_hours * 3600,
            same_site="strict",
            https_only=settings.public_url.startswith("https"),
        ),
    ]
    app = FastAPI(
        title="Loket Desa",
        version="0.1.0",
        description="Self-service letter counter for a village office (kantor desa).",
        middleware=middleware,
        dependencies=[Depends(close_form)],
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.limits = Limits.from_settings(settings, clock=clock)
    install_error_handlers(app)

    for router in API_ROUTERS:
        app.include_router(router, responses=ERROR_RESPONSES)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    # Our files, then the ones the residents' pages share with the hub (resident_web).
    app.mount(
        "/static",
        StaticFiles(directory=STATIC_DIR, packages=[("resident_web", "static")]),
        name="static",
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # FastAPI's Swagger page: its scripts come from a CDN and one is inline, so it
        # gets its own Content-Security-Policy (the inline script by its hash).
        page = get_swagger_ui_html(openapi_url=app.openapi_url or "", title=f"{app.title} - API")
        page.headers["Content-Security-Policy"] = inline_script_policy(
            bytes(page.body), cdn="https://cdn.jsdelivr.net"
        )
        return page

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        with db.session(write=False) as session:
            profile = village_service.get_profile(session)
            return {"status": "ok", "village": profile.name}

    return app
