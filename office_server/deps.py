"""Request dependencies as Annotated aliases: the database session, who is calling, the
CSRF check of page forms, operator sessions, and the resident's and the verifier's
guess-limited lookups (the limits themselves are in guards.py).

The session dependency owns the transaction (commit on success, rollback on error) and
ends *before* the response is sent (scope="function"), so a 201 always means committed.
A page that refuses an action raises (error_handlers.PageRefused), so it rolls back too.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi import Path as PathParam
from sqlalchemy.orm import Session

from office_server.config import Settings
from office_server.csrf import CSRF_HEADER, SESSION_CSRF, check_csrf
from office_server.database import Database
from office_server.errors import Forbidden, NotFound, Unauthorized
from office_server.guards import Guesses
from office_server.kiosks import service as kiosks
from office_server.kiosks.models import KioskDevice
from office_server.letters import verification
from office_server.letters.verification import VerifiedLetter
from office_server.operators import service as operators
from office_server.operators.models import Operator, Role
from office_server.requests import service as requests_service
from office_server.requests.models import LetterRequest
from office_server.security import normalize_code

log = logging.getLogger("loket.security")


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _write_session(db: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    yield from db.transaction(write=True)


def _read_session(db: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    yield from db.transaction(write=False)


DbSession = Annotated[Session, Depends(_write_session, scope="function")]
ReadSession = Annotated[Session, Depends(_read_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
# A client-chosen key that makes a retried POST return what the first one did.
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=80)]

# Ids in page paths: SQLite and PostgreSQL integers; a bigger number is a 422, not a 500.
PageId = Annotated[int, PathParam(ge=1, le=2_147_483_647)]

SESSION_ID = "sid"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def verified_letter(request: Request, session: Session, token: str) -> VerifiedLetter:
    """A letter by the token of its verification QR, with guessing limited per client."""
    with Guesses(request, "verify").counting(NotFound):
        return verification.by_token(session, token)


def resident_request(request: Request, session: Session, code: str, secret: str) -> LetterRequest:
    """The resident's way in (code + secret), with guessing limited per client."""
    guesses = Guesses(request, "status")
    with guesses.counting(NotFound):
        return requests_service.get_for_resident(session, code=normalize_code(code), secret=secret)


def start_operator_session(
    request: Request, session: Session, operator: Operator, settings: Settings
) -> str:
    """A new server-side session for the login; the cookie carries its token and the CSRF
    token. Returns the CSRF token."""
    token = operators.open_session(session, operator=operator, settings=settings)
    request.session.clear()
    csrf = secrets.token_urlsafe(24)
    request.session.update({SESSION_ID: token, SESSION_CSRF: csrf})
    return csrf


def end_operator_session(request: Request, session: Session) -> None:
    """Logout: revoked on the server (a kept copy of the cookie is dead too), cookie cleared."""
    token = request.session.get(SESSION_ID)
    if isinstance(token, str):
        operators.close_session(session, token=token)
    request.session.clear()


async def close_form(request: Request) -> AsyncIterator[None]:
    """Closes the uploaded files of a form when the request is done (create_app() puts this
    on every route). FastAPI closes the forms it parses for File() and Form() parameters,
    not one a page or the CSRF check reads itself (`await request.form()`)."""
    try:
        yield
    finally:
        await request.close()


async def _csrf_form(request: Request) -> None:
    form = await request.form()
    supplied = form.get("csrf_token")
    check_csrf(request, supplied if isinstance(supplied, str) else None)


# For HTML form posts of operators: declare *after* the operator dependency, so an
# anonymous caller is sent to the login page before the token is looked at.
CsrfChecked = Annotated[None, Depends(_csrf_form)]


AppDatabase = Annotated[Database, Depends(get_database)]


def _current_operator(
    request: Request,
    db: AppDatabase,
    x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
) -> Operator:
    # Its own short read: who is calling must not take SQLite's write lock on every page.
    token = request.session.get(SESSION_ID)
    operator = None
    if isinstance(token, str):
        with db.session(write=False) as session:
            operator = operators.session_operator(session, token=token)
    if operator is None:
        request.session.clear()
        raise Unauthorized(
            "Silakan masuk sebagai operator terlebih dahulu.",
            "Operator login required.",
            code="login_required",
        )
    # JSON API calls carry the token in a header; HTML forms are checked in their pages.
    if request.method in UNSAFE_METHODS and request.url.path.startswith("/api/"):
        check_csrf(request, x_csrf_token)
    return operator


CurrentOperator = Annotated[Operator, Depends(_current_operator)]


def require_role(*roles: Role) -> Callable[..., Operator]:
    def _check(operator: CurrentOperator) -> Operator:
        if not operator.has_role(*roles):
            raise Forbidden(
                "Peran Anda tidak berhak melakukan ini.",
                f"Requires role: {', '.join(roles)}.",
                code="wrong_role",
            )
        return operator

    return _check


OperatorUser = Annotated[Operator, Depends(require_role(Role.OPERATOR))]
SignerUser = Annotated[Operator, Depends(require_role(Role.SIGNER))]
AdminUser = Annotated[Operator, Depends(require_role())]  # admin only (has_role: admin passes)


def _current_kiosk(
    db: AppDatabase, authorization: Annotated[str | None, Header()] = None
) -> KioskDevice:
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized(
            "Anjungan belum terdaftar. Hubungi admin desa.",
            "Kiosk API key required (Authorization: Bearer ...).",
            code="kiosk_unauthorized",
        )
    with db.session(write=False) as session:
        return kiosks.authenticate(session, api_key=key.strip())


CurrentKiosk = Annotated[KioskDevice, Depends(_current_kiosk)]

__all__ = [
    "AdminUser",
    "AppSettings",
    "CsrfChecked",
    "CurrentKiosk",
    "CurrentOperator",
    "DbSession",
    "OperatorUser",
    "PageId",
    "ReadSession",
    "SignerUser",
]
