"""The residents' pages at `https://<hub>/<kode-desa>/…`, for every registered, active
village: the village page, its catalog, a letter type's form (sealed in the browser), the
result with the pickup QR, the status page and the correction; the filing and status APIs
the pages' script calls; a service worker per village so the form opens offline.

An unknown and an inactive village get the same 404. Nothing personal reaches these
routes: the form arrives sealed, the pickup secret only as its hash, in a POST body.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

import resident_web
from loket_protocol import events
from regency_hub import residents
from regency_hub.database import HubDatabase
from regency_hub.lookups import StatusReader
from regency_hub.ratelimit import ResidentLimits

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
# A sealed form is at most ~11 KB of base64; anything bigger is not one of ours.
MAX_BODY_BYTES = 16_384
NOT_FOUND = "Halaman tidak ditemukan. Periksa alamat desa Anda."
TOO_MANY = "Terlalu banyak permintaan. Tunggu {s} detik lalu coba lagi."
TOO_LARGE = "Isian terlalu besar."
BAD_BODY = "Isian tidak dapat dibaca. Muat ulang halaman lalu coba lagi."
NO_MATCH = "Kode permohonan atau kode rahasia tidak cocok."
# The hub's own resident scripts and the shared ones: one version hash per file.
_HUB_FILES = ("home.js", "home-sw.js", "icon.svg")


def static_url(name: str) -> str:
    if resident_web.owns(name):
        version = resident_web.static_version(name)
    else:
        version = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={version}"


def _error(status: int, message: str, retry_after: int = 0) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse({"error": {"message": message}}, status_code=status, headers=headers)


async def _json_body(request: Request) -> Any:
    """The body as JSON, read no further than MAX_BODY_BYTES."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise residents.Refusal(413, TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise residents.Refusal(413, TOO_LARGE)
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise residents.Refusal(422, BAD_BODY) from exc


async def _raw_json_body(scope: Scope, receive: Receive) -> Any:
    """`_json_body` for a plain ASGI route: the same limit, the same refusals."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY_BYTES:
            raise residents.Refusal(413, TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise residents.Refusal(422, BAD_BODY)  # gone before the body was in
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise residents.Refusal(413, TOO_LARGE)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    try:
        return json.loads(b"".join(chunks))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise residents.Refusal(422, BAD_BODY) from exc


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


class _PlainEndpoint:
    """A route's endpoint as a bare ASGI app (Starlette wraps plain functions in its
    Request machinery; an object it calls as is)."""

    def __init__(self, answer: Callable[[Scope, Receive], Awaitable[Response]]) -> None:
        self._answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._answer(scope, receive)
        await response(scope, receive, send)


class StatusShortcut:
    """Middleware: a status lookup (POST) goes straight to its route, past FastAPI's
    exception handling and its walk through the ~20 routes before it (what neither does
    applies to a plain endpoint that handles its own errors; the walk alone cost about a
    tenth of a lookup). Everything else, and other methods on that path (405), go the
    usual way. Add it inside `_PageHeaders`: the answers keep their headers."""

    def __init__(self, app: ASGIApp, route: Route) -> None:
        self.app = app
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            match, child_scope = self.route.matches(scope)
            if match is Match.FULL:
                scope.update(child_scope)
                await self.route.handle(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(
    router: FastAPI,
    db: HubDatabase,
    *,
    public_url: str,
    limits: ResidentLimits,
    publish: residents.Publisher | None,
    reader: StatusReader,
) -> Route:
    """The residents' routes on the hub's app (after its own: `/{kode}` matches last).
    Returns the status lookups' route, for `StatusShortcut`."""
    templates = Jinja2Templates(directory=[HERE / "templates", resident_web.TEMPLATES_DIR])
    templates.env.globals.update(static_url=static_url, lang="id", _=lambda text: text)
    public_url = public_url.rstrip("/")

    known = residents.Villages(db)

    async def village_of(
        kode: str,
    ) -> tuple[residents.Place | None, list[events.LetterTypeForm]]:
        # Known: no thread, no database. Else one read in the thread pool.
        hit = known.fresh(kode)
        if hit is None:
            hit = await run_in_threadpool(known.get, kode)
        return hit

    def page(request: Request, place: residents.Place, name: str, **context: Any) -> Response:
        base = f"/{place.kode_desa}"
        return templates.TemplateResponse(
            request, f"residents/{name}", {"village": place, "base": base, **context}
        )

    def not_found(request: Request) -> Response:
        return templates.TemplateResponse(
            request, "residents/not_found.html", {"message": NOT_FOUND}, status_code=404
        )

    @router.get("/{kode}/")
    def village_page(request: Request, kode: str) -> Response:
        place, types = known.get(kode)
        if place is None:
            return not_found(request)
        with db.unit_of_work() as session:
            news = residents.announcements(session)
        return page(request, place, "village.html", types=types, announcements=news)

    @router.get("/{kode}/surat")
    async def catalog_page(request: Request, kode: str) -> Response:
        place, types = await village_of(kode)
        if place is None:
            return not_found(request)
        return page(request, place, "catalog.html", types=types)

    @router.get("/{kode}/surat/{letter_type}")
    async def form_page(request: Request, kode: str, letter_type: str) -> Response:
        place, types = await village_of(kode)
        form = next((lt for lt in types if lt.code == letter_type), None)
        if place is None or form is None:
            return not_found(request)
        return page(request, place, "form.html", lt=form, fields=form.fields)

    @router.get("/{kode}/hasil/{code}")
    def result_page(request: Request, kode: str, code: str) -> Response:
        place = known.place(kode)
        if place is None:
            return not_found(request)
        return page(request, place, "result.html", code=code[:12], public_url=public_url)

    @router.get("/{kode}/status")
    def lookup_page(request: Request, kode: str) -> Response:
        place = known.place(kode)
        if place is None:
            return not_found(request)
        return page(request, place, "status.html", code="")

    @router.get("/{kode}/S/{code}")
    def status_page(request: Request, kode: str, code: str) -> Response:
        place = known.place(kode)
        if place is None:
            return not_found(request)
        return page(request, place, "status.html", code=code[:12].upper())

    @router.get("/{kode}/sw.js")
    def service_worker(request: Request, kode: str) -> Response:
        place, types = known.get(kode)
        if place is None:
            return not_found(request)
        base = f"/{place.kode_desa}"
        pages = [f"{base}/", f"{base}/surat", f"{base}/status"] + [
            f"{base}/surat/{lt.code}" for lt in types
        ]
        assets = [static_url(n) for n in ("app.css", "form.js", "qr.js", "home.js", "icon.svg")]
        # The forms' content is in the version: a village's new form reaches phones.
        forms = [lt.model_dump(mode="json") for lt in types]
        version = hashlib.sha256(
            json.dumps([pages, assets, forms, place.key.kid if place.key else ""]).encode()
        ).hexdigest()[:10]
        source = (STATIC_DIR / "home-sw.js").read_text(encoding="utf-8")
        source = (
            source.replace("__VERSION__", f"{place.kode_desa}-{version}")
            .replace("__BASE__", json.dumps(base))
            .replace("__PRECACHE__", json.dumps(pages + assets))
        )
        return Response(source, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    @router.post("/{kode}/api/permohonan")
    async def file_request(request: Request, kode: str) -> Response:
        place, _ = await village_of(kode)
        if place is None:
            return _error(404, NOT_FOUND)
        wait = limits.check("filing", _client(request), place.kode_desa)
        if wait:
            return _error(429, TOO_MANY.format(s=wait), wait)
        if publish is None:
            return _error(503, "Hub sedang tidak tersambung. Coba lagi sebentar lagi.")
        try:
            filing = residents.Filing.model_validate(await _json_body(request))
            code = await run_in_threadpool(residents.file, db, place, filing, publish)
        except residents.Refusal as refusal:
            return _error(refusal.status, refusal.message)
        except ValidationError:
            return _error(422, BAD_BODY)
        except (OSError, TimeoutError, RuntimeError):
            return _error(503, "Permohonan belum terkirim. Coba lagi sebentar lagi.")
        return JSONResponse({"code": code})

    async def request_status(scope: Scope, receive: Receive) -> Response:
        place, types = await village_of(scope["path_params"]["kode"])
        if place is None:
            return _error(404, NOT_FOUND)
        client = scope.get("client")
        wait = limits.check("status", client[0] if client else "-", place.kode_desa)
        if wait:
            return _error(429, TOO_MANY.format(s=wait), wait)
        try:
            query = residents.StatusQuery.model_validate(await _raw_json_body(scope, receive))
        except residents.Refusal as refusal:
            return _error(refusal.status, refusal.message)
        except ValidationError:
            return _error(404, NO_MATCH)
        try:
            answer = await residents.status(reader, place, query)
        except (psycopg.OperationalError, OSError):
            return _error(503, "Status belum dapat dibaca. Coba lagi sebentar lagi.")
        if answer is None:
            return _error(404, NO_MATCH)
        title = next((lt.title for lt in types if lt.code == answer.letter_type), None)
        return JSONResponse(residents.answer_json(answer, title or answer.letter_type))

    # Plain ASGI, not FastAPI's request handling: the hot path of residents' phones.
    status_route = Route("/{kode}/api/status", _PlainEndpoint(request_status), methods=["POST"])
    router.router.routes.append(status_route)

    @router.get("/{kode}")
    def village_root(request: Request, kode: str) -> Response:
        place = known.place(kode)
        if place is None:
            return not_found(request)
        return RedirectResponse(f"/{place.kode_desa}/", status_code=308)

    return status_route
