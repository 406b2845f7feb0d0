"""The signer's list (sign one or many), the archive search and the day's statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from office_server.clock import local_tz, today_local
from office_server.deps import (
    AppDatabase,
    AppSettings,
    CsrfChecked,
    DbSession,
    OperatorUser,
    ReadSession,
    SignerUser,
)
from office_server.error_handlers import PageRefused
from office_server.errors import DomainError
from office_server.letter_types import service as letter_types
from office_server.letters import agenda
from office_server.letters import search as archive_search
from office_server.letters import service as letters
from office_server.letters.stats import day_stats
from office_server.operators.models import Operator
from office_server.requests import lifecycle
from office_server.requests import service as requests_service
from office_server.requests.lifecycle import Status
from office_server.templating import render
from office_server.village import service as village

router = APIRouter(prefix="/operator", include_in_schema=False)

MAX_BATCH = 100


# --- signer --------------------------------------------------------------------------


def _sign_page(
    request: Request,
    session: Session,
    me: Operator,
    *,
    signed: str = "",
    errors: list[str] | None = None,
) -> Response:
    rows = requests_service.list_queue(session, statuses=[Status.AWAITING_SIGNATURE])
    return render(
        request,
        "operators/sign.html",
        {"me": me, "rows": rows, "signed": signed, "errors": errors or []},
        status_code=409 if errors else 200,
        csrf=True,
    )


@router.get("/tanda-tangan", response_class=HTMLResponse)
def sign_list(request: Request, session: ReadSession, me: SignerUser) -> Response:
    notice = request.query_params.get("signed", "")
    return _sign_page(request, session, me, signed=notice if notice.isdigit() else "")


@router.post("/tanda-tangan", response_class=HTMLResponse)
async def sign_many(
    request: Request, db: AppDatabase, me: SignerUser, settings: AppSettings, _: CsrfChecked
) -> Response:
    form = await request.form()
    ids = [
        int(v)
        for v in form.getlist("ids")
        if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) < 10
    ][:MAX_BATCH]
    signed, errors = 0, []
    for request_id in ids:
        # Each letter in its own transaction: one refused letter does not undo the others,
        # and on SQLite the write lock is let go between renders, so kiosks and phones
        # are not kept waiting behind a batch.
        try:
            with db.unit_of_work() as session:
                req = requests_service.get(session, request_id=request_id)
                letters.sign(session, req, signer=me, settings=settings)
            signed += 1
        except DomainError as exc:
            errors.append(exc.message)
    if errors:
        raise PageRefused(
            lambda session: _sign_page(request, session, me, signed=str(signed), errors=errors)
        )
    return RedirectResponse(f"/operator/tanda-tangan?signed={signed}", status_code=303)


# --- archive and statistics ----------------------------------------------------------


def _archive_page(
    request: Request, session: Session, me: Operator, q: dict[str, str], results: Any
) -> Response:
    return render(
        request,
        "operators/archive.html",
        {
            "me": me,
            "types": letter_types.catalog(session, include_inactive=True),
            "q": q,
            "results": results,
            "error": None,
            "this_year": today_local().year,
            "this_month": today_local().month,
        },
        csrf=True,
        headers={"Cache-Control": "no-store"} if results is not None else None,
    )


@router.get("/arsip", response_class=HTMLResponse)
def archive_form(request: Request, session: ReadSession, me: OperatorUser) -> Response:
    return _archive_page(request, session, me, {}, None)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@router.post("/arsip", response_class=HTMLResponse)
async def archive_results(
    request: Request, session: DbSession, me: OperatorUser, _: CsrfChecked
) -> Response:
    form = await request.form()
    q = {
        k: str(form.get(k) or "").strip()[:120]
        for k in ("number", "name", "nik", "type", "from", "to")
    }
    query = archive_search.ArchiveQuery(
        number=q["number"] or None,
        name=q["name"] or None,
        nik=q["nik"] or None,
        letter_type=q["type"] or None,
        date_from=_date(q["from"]),
        date_to=_date(q["to"]),
    )
    results = archive_search.search(session, query, actor=me.actor)
    return _archive_page(request, session, me, q, results)


_AGENDA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@router.get("/arsip/agenda")
def agenda_book(
    session: DbSession, me: OperatorUser, tahun: int = 0, bulan: int = 0, format: str = "xlsx"
) -> Response:
    """The Buku Agenda Surat Keluar for a month (bulan 1-12) or a year (bulan 0)."""
    today = today_local()
    year = tahun if 2000 <= tahun <= today.year + 1 else today.year
    period = agenda.Period(year, bulan if 1 <= bulan <= 12 else None)
    kind = format if format in _AGENDA_TYPES else "xlsx"
    rows = agenda.rows(session, period=period, actor=me.actor)
    name = village.get_profile(session).name
    render_file = agenda.to_pdf if kind == "pdf" else agenda.to_xlsx
    data = render_file(rows, village_name=name, period=period)
    return Response(
        data,
        media_type=_AGENDA_TYPES[kind],
        headers={
            "Content-Disposition": f"attachment; filename=agenda-surat-keluar-{period.slug}.{kind}",
            "Cache-Control": "no-store",
        },
    )


@router.get("/statistik", response_class=HTMLResponse)
def stats(request: Request, session: ReadSession, me: OperatorUser, tanggal: str = "") -> Response:
    day = _date(tanggal) or today_local()
    start = datetime.combine(day, time.min, tzinfo=local_tz())
    data = day_stats(
        session,
        start=start.astimezone(UTC),
        end=(start + timedelta(days=1)).astimezone(UTC),
    )
    return render(
        request,
        "operators/stats.html",
        {
            "me": me,
            "day": day,
            "data": data,
            "counts": requests_service.count_by_status(session),
            "label": lifecycle.label,
        },
    )
