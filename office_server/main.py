"""create_app(): the office server's routers, middleware and error handlers."""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from office_server import web
from office_server.config import Settings, get_settings
from office_server.database import Database
from office_server.errors import (
    ERROR_RESPONSES,
    CatchUnexpected,
    PayloadTooLarge,
    install_error_handlers,
    render_error,
)
from office_server.kiosks import api as kiosks_api
from office_server.letter_types import api as letter_types_api
from office_server.letters import api as letters_api
from office_server.letters import pages as letters_pages
from office_server.operators import api as operators_api
from office_server.queue import api as queue_api
from office_server.ratelimit import RateLimiter
from office_server.requests import api as requests_api
from office_server.village import service as village_service

access_log = logging.getLogger("loket.access")


class BodySizeLimit:
    """Refuses bodies over the limit before they are read into memory."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _too_large(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise PayloadTooLarge("Data yang dikirim terlalu besar.", "Request body too large.")
            return message

        await self.app(scope, limited_receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    err = PayloadTooLarge("Data yang dikirim terlalu besar.", "Request body too large.")
    await render_error(Request(scope), 413, err.body())(scope, receive, send)


class AccessLog:
    """Logs method, route template, status and time: never the raw path or query, so
    codes and anything a client wrongly put in a URL stay out of the logs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            access_log.info(
                "%s %s %d %.1fms",
                scope["method"],
                getattr(scope.get("route"), "path", "-"),
                status,
                (time.perf_counter() - started) * 1000,
            )


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = database or Database(settings)
    app = FastAPI(
        title="Loket Desa",
        version="0.1.0",
        description="Self-service letter counter for a village office (kantor desa).",
    )
    app.state.settings = settings
    app.state.db = db
    app.state.lookup_limiter = RateLimiter(settings.lookup_rate_per_minute)
    app.state.login_limiter = RateLimiter(settings.login_max_failures * 2)

    install_error_handlers(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="loket_session",
        max_age=12 * 3600,
        same_site="strict",
        https_only=settings.public_url.startswith("https"),
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    app.add_middleware(CatchUnexpected)
    app.add_middleware(AccessLog)

    for router in (
        letter_types_api.router,
        requests_api.router,
        requests_api.operator_router,
        operators_api.router,
        kiosks_api.router,
        queue_api.router,
        letters_api.router,
        letters_pages.router,
    ):
        app.include_router(router, responses=ERROR_RESPONSES)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        with db.session(write=False) as session:
            profile = village_service.get_profile(session=session)
            return {"status": "ok", "village": profile.name}

    web.install_pages(app)
    return app
