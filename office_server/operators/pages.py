"""The operator's login and logout, and the admin pages for accounts.

Every POST carries the session's CSRF token (hidden field `csrf_token`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.csrf import check_csrf
from office_server.deps import (
    AdminUser,
    AppSettings,
    CsrfChecked,
    CurrentOperator,
    DbSession,
    PageId,
    ReadSession,
    end_operator_session,
    start_operator_session,
)
from office_server.error_handlers import PageRefused
from office_server.errors import DomainError, RateLimited, ValidationFailed
from office_server.guards import LoginGuard
from office_server.operators import service as operators
from office_server.operators.models import Operator, Role
from office_server.templating import render

router = APIRouter(prefix="/operator", include_in_schema=False)
admin_router = APIRouter(prefix="/admin", include_in_schema=False)


# --- login ---------------------------------------------------------------------------


def _login_page(
    request: Request, *, username: str = "", error: DomainError | None = None
) -> Response:
    return render(
        request,
        "operators/login.html",
        {"error": error.message if error else None, "username": username},
        status_code=error.status_code if error else 200,
        csrf=True,
        headers=error.headers if isinstance(error, RateLimited) else None,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    username: Annotated[str, Form(max_length=60)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token_: Annotated[str, Form(alias="csrf_token", max_length=80)] = "",
) -> Response:
    try:
        check_csrf(request, csrf_token_)
        guard = LoginGuard(request, username)
    except DomainError as exc:
        refusal = exc
        raise PageRefused(lambda _: _login_page(request, username=username, error=refusal)) from exc
    outcome = operators.authenticate(
        session, username=username, password=password, settings=settings
    )
    if not isinstance(outcome, Operator):
        guard.failed()
        # Answered, not raised: the failure count is committed.
        return _login_page(request, username=username, error=outcome)
    start_operator_session(request, session, outcome, settings)
    home = "/operator" if outcome.has_role(Role.OPERATOR) else "/operator/tanda-tangan"
    response = RedirectResponse(home, status_code=303)
    guard.succeeded(response)
    return response


@router.post("/logout")
def logout(
    request: Request, session: DbSession, operator: CurrentOperator, _: CsrfChecked
) -> Response:
    end_operator_session(request, session)
    return RedirectResponse("/operator/login", status_code=303)


# --- admin: accounts -----------------------------------------------------------------


@admin_router.get("", response_class=HTMLResponse)
def admin_home(request: Request, me: AdminUser) -> Response:
    return render(request, "admin/home.html", {"me": me})


def _operators_page(
    request: Request, session: Session, me: Operator, errors: dict[str, str] | None = None
) -> Response:
    return render(
        request,
        "admin/operators.html",
        {
            "me": me,
            "rows": operators.list_all(session),
            "roles": [r.value for r in Role],
            "errors": errors or {},
        },
        status_code=422 if errors else 200,
        csrf=True,
    )


def _refused(request: Request, me: Operator, errors: dict[str, str]) -> PageRefused:
    return PageRefused(lambda session: _operators_page(request, session, me, errors))


@admin_router.get("/operator", response_class=HTMLResponse)
def admin_operators(request: Request, session: ReadSession, me: AdminUser) -> Response:
    return _operators_page(request, session, me)


@admin_router.post("/operator", response_class=HTMLResponse)
def admin_operator_add(
    request: Request,
    session: DbSession,
    me: AdminUser,
    _: CsrfChecked,
    username: Annotated[str, Form(max_length=60)] = "",
    full_name: Annotated[str, Form(max_length=120)] = "",
    role: Annotated[str, Form(max_length=20)] = "operator",
    title: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        if not full_name.strip():
            raise ValidationFailed({"full_name": "Nama lengkap wajib diisi."})
        created = operators.create(
            session,
            username=username,
            full_name=full_name,
            role=role,
            password=password,
            title=title,
        )
    except ValidationFailed as exc:
        raise _refused(request, me, exc.fields) from exc
    except DomainError as exc:
        raise _refused(request, me, {"username": exc.message}) from exc
    audit.record(
        session,
        actor=me.actor,
        action="operator_add",
        details={"operator": created.username, "role": created.role},
    )
    return RedirectResponse("/admin/operator", status_code=303)


@admin_router.post("/operator/{operator_id}/aktif", response_class=HTMLResponse)
def admin_operator_active(
    operator_id: PageId,
    request: Request,
    session: DbSession,
    me: AdminUser,
    _: CsrfChecked,
    active: Annotated[str, Form(max_length=1)] = "0",
) -> Response:
    try:
        operators.set_active(session, operator_id=operator_id, active=active == "1", actor=me.actor)
    except DomainError as exc:
        raise _refused(request, me, {"active": exc.message}) from exc
    return RedirectResponse("/admin/operator", status_code=303)
