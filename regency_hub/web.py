"""The hub's web app: its health (with the ingest's counts) and the regency dashboard.

Server-rendered pages for regency staff, Indonesian first: villages and their sync,
letters and turnaround per month, announcements to every village, the UMKM register.
Every page reads through `dashboard.py`; logins and sessions are `staff.py`'s.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import func, select
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from regency_hub import charts, dashboard, display, ratelimit, resident_pages, staff, umkm, villages
from regency_hub.config import HubSettings
from regency_hub.database import HubDatabase
from regency_hub.ingest import IngestCounts
from regency_hub.lookups import StatusReader
from regency_hub.models import Event, HubUser, Village
from regency_hub.ratelimit import Limiter, ResidentLimits
from regency_hub.residents import Publisher

HERE = Path(__file__).parent
SESSION_COOKIE = "loket_hub_session"
LOGIN_CSRF_COOKIE = "loket_hub_login_csrf"
BAD_FORM = "Sesi formulir tidak valid. Muat ulang halaman lalu coba lagi."
# Publishes an announcement (event id, envelope) to every village; raises if not acked.
Announcer = Callable[[str, bytes], None]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# The residents' pages run their own scripts (sealing, the offline QR, the service
# worker) and talk only to us; the QR is drawn on a canvas and saved as a data: image.
RESIDENT_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data:; worker-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
_DASHBOARD = ("/masuk", "/keluar", "/desa", "/surat", "/umkm", "/pengumuman", "/healthz")


class _LoginNeeded(Exception):
    pass


class _PageHeaders:
    """Security and caching headers on every answer (plain ASGI: no per-request task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        static = path.startswith("/static/")
        versioned = static and b"v=" in scope.get("query_string", b"")
        dashboard_page = path == "/" or path in _DASHBOARD

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                policy = CSP if dashboard_page else RESIDENT_CSP
                headers.setdefault("Content-Security-Policy", policy)
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Content-Type-Options"] = "nosniff"
                if versioned:
                    headers["Cache-Control"] = "public, max-age=31536000, immutable"
                elif not static:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def resident_limits(settings: HubSettings) -> ResidentLimits:
    return ResidentLimits(
        filing_ip=Limiter(settings.filing_per_ip_per_minute, settings.filing_per_ip_burst),
        filing_village=Limiter(
            settings.filing_per_village_per_minute, settings.filing_per_village_burst
        ),
        status_ip=Limiter(settings.status_per_ip_per_minute, settings.status_per_ip_burst),
        status_village=Limiter(
            settings.status_per_village_per_minute, settings.status_per_village_burst
        ),
    )


def create_app(
    db: HubDatabase,
    counts: IngestCounts,
    *,
    announce: Announcer | None = None,
    login_limit: ratelimit.AddressBackoff | None = None,
    publish: Publisher | None = None,
    settings: HubSettings | None = None,
) -> FastAPI:
    address_limit = login_limit or ratelimit.AddressBackoff()
    settings = settings or HubSettings()
    reader = StatusReader(db.url)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        # The status lookups' connections belong to this event loop: closed on it.
        await reader.close()

    app = FastAPI(
        title="Loket Desa regency hub",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    # Ours, then what the residents' pages share with the office (resident_web).
    app.mount(
        "/static",
        StaticFiles(directory=HERE / "static", packages=[("resident_web", "static")]),
        name="static",
    )
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters.update(
        when=display.when, span=display.span, hours=display.hours, number=charts.number
    )
    templates.env.globals["month_label"] = display.month_label

    def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def secure(request: Request) -> bool:
        return request.url.scheme == "https"

    def signed_in(request: Request) -> tuple[HubUser, str]:
        """The user and the session's CSRF token, or off to the login page."""
        with db.unit_of_work() as session:
            found = staff.current(session, token=request.cookies.get(SESSION_COOKIE))
            if found is None:
                raise _LoginNeeded
            user, row = found
            return user, row.csrf

    def check_csrf(expected: str, supplied: str) -> bool:
        return bool(supplied) and secrets.compare_digest(
            expected.encode(), supplied.encode("utf-8", "surrogatepass")
        )

    @app.exception_handler(_LoginNeeded)
    def _to_login(request: Request, _: _LoginNeeded) -> Response:
        return RedirectResponse("/masuk", status_code=303)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        with db.unit_of_work() as session:
            village_count = session.scalar(select(func.count()).select_from(Village))
            stored = session.scalar(select(func.count()).select_from(Event))
        return {
            "ok": True,
            "villages": village_count,
            "events": stored,
            "ingest": {
                "stored": counts.stored,
                "duplicates": counts.duplicates,
                "refused": counts.refused,
            },
        }

    def login_page(
        request: Request, *, error: str = "", status_code: int = 200, username: str = ""
    ) -> Response:
        token = secrets.token_urlsafe(24)
        response = page(
            request, "login.html", status_code, csrf=token, error=error, username=username[:60]
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure(request)
        )
        return response

    @app.get("/masuk")
    def login_form(request: Request) -> Response:
        return login_page(request)

    @app.post("/masuk")
    def login(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        if not check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf):
            return login_page(request, error=BAD_FORM, status_code=403)
        address = request.client.host if request.client else "unknown"
        if (wait := address_limit.wait(address)) > 0:
            # Before the password is checked: a guesser trying many names gets nothing.
            seconds = int(wait) + 1
            response = login_page(
                request,
                error=f"Terlalu banyak percobaan masuk. Tunggu {staff.wait_text(seconds)} "
                "lalu coba lagi.",
                status_code=429,
                username=username,
            )
            response.headers["Retry-After"] = str(seconds)
            return response
        with db.unit_of_work() as session:
            result = staff.log_in(session, username=username, password=password)
        if isinstance(result, staff.Refusal):
            if not result.retry_after:
                address_limit.fail(address)
            response = login_page(
                request,
                error=result.message,
                status_code=429 if result.retry_after else 401,
                username=username,
            )
            if result.retry_after:
                response.headers["Retry-After"] = str(result.retry_after)
            return response
        address_limit.clear(address)
        response = RedirectResponse("/desa", status_code=303)
        response.set_cookie(
            SESSION_COOKIE, result.token, httponly=True, samesite="strict", secure=secure(request)
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    @app.post("/keluar")
    def logout(request: Request, csrf: str = Form("")) -> Response:
        _, expected = signed_in(request)
        if not check_csrf(expected, csrf):
            return HTMLResponse(BAD_FORM, status_code=403)
        with db.unit_of_work() as session:
            staff.log_out(session, token=request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/masuk", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/")
    def home(request: Request) -> Response:
        signed_in(request)
        return RedirectResponse("/desa", status_code=303)

    @app.get("/desa")
    def village_list(request: Request, kecamatan: str = "") -> Response:
        user, csrf = signed_in(request)
        with db.unit_of_work() as session:
            rows = dashboard.villages(session, kecamatan=kecamatan or None)
            names = dashboard.kecamatan_names(session)
        return page(
            request,
            "villages.html",
            user=user,
            csrf=csrf,
            nav="desa",
            rows=rows,
            kecamatan=kecamatan,
            kecamatan_names=names,
            silent=sum(1 for r in rows if r.silent),
        )

    @app.get("/surat")
    def letters(request: Request, bulan: str = "", desa: str = "") -> Response:
        user, csrf = signed_in(request)
        month = display.parse_month(bulan)
        village_id = int(desa) if desa.isdigit() else None
        with db.unit_of_work() as session:
            report = dashboard.letters(session, month=month, village_id=village_id)
            choices = dashboard.village_choices(session)
        by_type = charts.bar_chart(
            [(t, report.type_totals[t]) for t in report.types[:12]],
            title=f"Surat per jenis, {display.month_label(month)}",
        )
        trend = charts.line_chart(
            [(f"{display.MONTHS[m.month - 1]} {m.year % 100:02d}", n) for m, n in report.trend],
            title="Surat per bulan, 12 bulan terakhir",
        )
        return page(
            request,
            "letters.html",
            user=user,
            csrf=csrf,
            nav="surat",
            report=report,
            month_value=f"{month:%Y-%m}",
            choices=choices,
            village_id=village_id,
            by_type_chart=by_type,
            trend_chart=trend,
        )

    def umkm_filter(kecamatan: str, desa: str) -> umkm.Filter:
        return umkm.Filter(
            kecamatan=kecamatan[:160], village_id=int(desa) if desa.isdigit() else None
        )

    @app.get("/umkm")
    def umkm_page(
        request: Request, kecamatan: str = "", desa: str = "", halaman: str = "1"
    ) -> Response:
        user, csrf = signed_in(request)
        flt = umkm_filter(kecamatan, desa)
        number = int(halaman) if halaman.isdigit() and len(halaman) < 7 else 1
        with db.unit_of_work() as session:
            found = umkm.page(session, flt, number=number)
            names = dashboard.kecamatan_names(session)
            choices = dashboard.village_choices(session)
        return page(
            request,
            "umkm.html",
            user=user,
            csrf=csrf,
            nav="umkm",
            found=found,
            flt=flt,
            query=flt.query_string(),
            kecamatan_names=names,
            choices=choices,
        )

    def export(request: Request, kecamatan: str, desa: str, *, xlsx: bool) -> Response:
        signed_in(request)
        flt = umkm_filter(kecamatan, desa)
        with db.unit_of_work() as session:
            rows = umkm.all_rows(session, flt)
            body = umkm.to_xlsx(rows) if xlsx else umkm.to_csv(rows)
        name = f"register-umkm-{date.today():%Y%m%d}.{'xlsx' if xlsx else 'csv'}"
        media = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if xlsx
            else "text/csv; charset=utf-8"
        )
        disposition = f'attachment; filename="{name}"'
        return Response(body, media_type=media, headers={"Content-Disposition": disposition})

    @app.get("/umkm.csv")
    def umkm_csv(request: Request, kecamatan: str = "", desa: str = "") -> Response:
        return export(request, kecamatan, desa, xlsx=False)

    @app.get("/umkm.xlsx")
    def umkm_xlsx(request: Request, kecamatan: str = "", desa: str = "") -> Response:
        return export(request, kecamatan, desa, xlsx=True)

    def announcements_page(
        request: Request, user: HubUser, csrf: str, **context: Any
    ) -> HTMLResponse:
        with db.unit_of_work() as session:
            sent = dashboard.announcements(session)
        context.setdefault("status_code", 200)
        return page(
            request,
            "announcements.html",
            user=user,
            csrf=csrf,
            nav="pengumuman",
            sent=sent,
            connected=announce is not None,
            **context,
        )

    @app.get("/pengumuman")
    def announcements(request: Request, terkirim: str = "") -> Response:
        user, csrf = signed_in(request)
        return announcements_page(request, user, csrf, done=bool(terkirim))

    @app.post("/pengumuman")
    def send_announcement(
        request: Request, title: str = Form(""), body: str = Form(""), csrf: str = Form("")
    ) -> Response:
        user, expected = signed_in(request)
        if not check_csrf(expected, csrf):
            return HTMLResponse(BAD_FORM, status_code=403)
        # Browsers send CRLF; the event allows only newlines.
        title, body = title.strip(), body.replace("\r\n", "\n").strip()

        def refused(error: str, status_code: int) -> HTMLResponse:
            return announcements_page(
                request,
                user,
                expected,
                error=error,
                title=title,
                body=body,
                status_code=status_code,
            )

        if not title:
            return refused("Judul wajib diisi.", 422)
        if announce is None:
            return refused("Hub belum tersambung ke NATS; pengumuman tidak dapat dikirim.", 503)
        try:
            with db.unit_of_work() as session:
                event_id, raw = villages.new_announcement(session, title=title, body=body)
                # Inside the transaction: a publish that fails records nothing.
                announce(event_id, raw)
        except ValidationError:
            return refused(
                "Judul paling panjang 160 huruf, isi 2.000 huruf, tanpa deretan 10 angka "
                "atau lebih (NIK, KK, nomor HP tidak boleh keluar).",
                422,
            )
        except (OSError, TimeoutError, RuntimeError):
            return refused("Pengumuman gagal dikirim ke NATS. Coba lagi sebentar lagi.", 503)
        return RedirectResponse("/pengumuman?terkirim=1", status_code=303)

    # Last: `/{kode}/…` must not shadow the dashboard's own paths.
    status_route = resident_pages.install(
        app,
        db,
        public_url=settings.public_web_url,
        limits=resident_limits(settings),
        publish=publish,
        reader=reader,
    )
    # The later added is the outer: every answer, the shortcut's too, gets the headers.
    app.add_middleware(resident_pages.StatusShortcut, route=status_route)
    app.add_middleware(_PageHeaders)
    return app
