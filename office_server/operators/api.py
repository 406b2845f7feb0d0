"""Operator login for the JSON API: a signed, HttpOnly, SameSite session cookie that
names a session kept on the server (logout ends it there)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from office_server.deps import (
    AppSettings,
    CurrentOperator,
    DbSession,
    end_operator_session,
    start_operator_session,
)
from office_server.error_handlers import render_error
from office_server.guards import LoginGuard
from office_server.operators import service as operators
from office_server.operators.models import Operator

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=60)
    password: str = Field(max_length=200)


class OperatorOut(BaseModel):
    id: int
    username: str
    full_name: str
    role: str

    @classmethod
    def of(cls, operator: Operator) -> OperatorOut:
        return cls(
            id=operator.id,
            username=operator.username,
            full_name=operator.full_name,
            role=operator.role,
        )


class LoginOut(BaseModel):
    operator: OperatorOut
    csrf_token: str = Field(description="Send as X-CSRF-Token on every POST/PATCH.")


@router.post("/login", response_model=LoginOut)
def login(
    body: LoginIn, request: Request, response: Response, session: DbSession, settings: AppSettings
) -> LoginOut | Response:
    guard = LoginGuard(request, body.username)
    outcome = operators.authenticate(
        session, username=body.username, password=body.password, settings=settings
    )
    if not isinstance(outcome, Operator):
        guard.failed()
        # Answered, not raised: the failure count is committed.
        return render_error(request, outcome.status_code, outcome.body())
    csrf = start_operator_session(request, session, outcome, settings)
    guard.succeeded(response)
    return LoginOut(operator=OperatorOut.of(outcome), csrf_token=csrf)


@router.post("/logout", status_code=204)
def logout(request: Request, session: DbSession) -> None:
    """Ends the session on the server: the cookie, wherever it was copied, stops working."""
    end_operator_session(request, session)


@router.get("/me", response_model=LoginOut)
def me(request: Request, operator: CurrentOperator) -> LoginOut:
    return LoginOut(operator=OperatorOut.of(operator), csrf_token=request.session["csrf"])
