"""Operator login for the JSON API: a signed, HttpOnly, SameSite session cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from office_server.deps import (
    AppSettings,
    CurrentOperator,
    DbSession,
    client_key,
    guard_guessing,
    start_operator_session,
)
from office_server.errors import Unauthorized
from office_server.operators import service as operators
from office_server.operators.models import Operator
from office_server.ratelimit import RateLimiter

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
def login(body: LoginIn, request: Request, session: DbSession, settings: AppSettings) -> LoginOut:
    limiter: RateLimiter = request.app.state.login_limiter
    guard_guessing(request, limiter, "login")
    try:
        operator = operators.authenticate(
            session, username=body.username, password=body.password, settings=settings
        )
    except Unauthorized:
        limiter.hit(f"login:{client_key(request)}")
        # The failure counter and lockout must persist although the request fails.
        session.commit()
        raise
    csrf = start_operator_session(request, operator)
    return LoginOut(operator=OperatorOut.of(operator), csrf_token=csrf)


@router.post("/logout", status_code=204)
def logout(request: Request) -> None:
    request.session.clear()


@router.get("/me", response_model=LoginOut)
def me(request: Request, operator: CurrentOperator) -> LoginOut:
    return LoginOut(operator=OperatorOut.of(operator), csrf_token=request.session["csrf"])
