"""The operator's register pages: find a resident (a POST), read (audited), correct."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from office_server.deps import CsrfChecked, DbSession, OperatorUser, PageId, ReadSession
from office_server.error_handlers import PageRefused
from office_server.errors import ValidationFailed
from office_server.operators.models import Operator
from office_server.residents import service as residents
from office_server.residents.models import Resident
from office_server.templating import render

router = APIRouter(prefix="/operator/penduduk", include_in_schema=False)


def _list_page(
    request: Request,
    session: Session,
    me: Operator,
    *,
    query: str = "",
    found: list[Resident] | None = None,
) -> Response:
    total = session.scalar(select(func.count(Resident.id))) or 0
    return render(
        request,
        "residents/list.html",
        {"me": me, "total": total, "query": query, "found": found},
        csrf=True,
    )


@router.get("", response_class=HTMLResponse)
def search_form(request: Request, session: ReadSession, me: OperatorUser) -> Response:
    return _list_page(request, session, me)


@router.post("", response_class=HTMLResponse)
async def search(
    request: Request, session: ReadSession, me: OperatorUser, _: CsrfChecked
) -> Response:
    form = await request.form()
    query = str(form.get("q", ""))[:60]
    return _list_page(
        request, session, me, query=query, found=residents.search(session, query=query)
    )


def _detail_page(
    request: Request,
    session: Session,
    me: Operator,
    resident: Resident,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    if values is None:
        values = {
            name: (
                resident.birth_date.isoformat()
                if name == "birth_date"
                else str(getattr(resident, name) or "")
            )
            for name in residents.FIELDS
        }
    return render(
        request,
        "residents/detail.html",
        {
            "me": me,
            "resident": resident,
            "fields": residents.FIELDS,
            "values": values,
            "errors": errors or {},
            "history": residents.history(session, resident_id=resident.id),
        },
        status_code=422 if errors else 200,
        csrf=True,
    )


@router.get("/{resident_id}", response_class=HTMLResponse)
def detail(request: Request, session: DbSession, me: OperatorUser, resident_id: PageId) -> Response:
    resident = residents.view(session, resident_id=resident_id, actor=me.actor)
    return _detail_page(request, session, me, resident)


@router.post("/{resident_id}", response_class=HTMLResponse)
async def correct(
    request: Request, session: DbSession, me: OperatorUser, _: CsrfChecked, resident_id: PageId
) -> Response:
    form = await request.form()
    changes = {k: str(v) for k, v in form.items() if k in residents.FIELDS}
    try:
        residents.correct(session, resident_id=resident_id, changes=changes, actor=me.actor)
    except ValidationFailed as exc:
        errors = exc.fields
        raise PageRefused(
            lambda s: _detail_page(
                request,
                s,
                me,
                residents.get(s, resident_id=resident_id),
                values=changes,
                errors=errors,
            )
        ) from exc
    return RedirectResponse(f"/operator/penduduk/{resident_id}?ok=1", status_code=303)
