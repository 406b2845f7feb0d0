"""Operator login for the JSON API: a signed, HttpOnly, SameSite session cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from office_server.deps import (
    AppSettings,
    CurrentOperator,
    DbSession,
    login_guesses,
    start_operator_session,
)
from office_server.error_handlers import render_error
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
    body: LoginIn, request: Request, session: DbSession, settings: AppSettings
) -> LoginOut | Response:
    guesses = login_guesses(request)
    outcome = operators.authenticate(
        session, username=body.username, password=body.password, settings=settings
    )
    if not isinstance(outcome, Operator):
        guesses.wrong()
        # Answered, not raised: the failure count and a lockout are committed.
        return render_error(request, outcome.status_code, outcome.body())
    csrf = start_operator_session(request, outcome)
    return LoginOut(operator=OperatorOut.of(outcome), csrf_token=csrf)


@router.post("/logout", status_code=204)
def logout(request: Request) -> None:
    request.session.clear()


@router.get("/me", response_model=LoginOut)
def me(request: Request, operator: CurrentOperator) -> LoginOut:
    return LoginOut(operator=OperatorOut.of(operator), csrf_token=request.session["csrf"])
