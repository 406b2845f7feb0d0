"""The operator session's CSRF token: handed to forms, checked on every unsafe request."""

from __future__ import annotations

import secrets

from starlette.requests import Request

from office_server.errors import Forbidden

SESSION_CSRF = "csrf"
CSRF_HEADER = "X-CSRF-Token"


def csrf_token(request: Request) -> str:
    """The session's CSRF token; an anonymous visitor (the login form) gets one too."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session[SESSION_CSRF] = token
    return token


def check_csrf(request: Request, supplied: str | None) -> None:
    expected = request.session.get(SESSION_CSRF)
    # Compared as bytes: compare_digest refuses (TypeError) a str with non-ASCII in it,
    # and a header or form field may hold anything.
    if (
        not isinstance(expected, str)
        or not supplied
        or not secrets.compare_digest(expected.encode(), supplied.encode("utf-8", "surrogatepass"))
    ):
        raise Forbidden(
            "Sesi formulir tidak valid. Muat ulang halaman lalu coba lagi.",
            "Missing or wrong CSRF token.",
            code="csrf_failed",
        )
