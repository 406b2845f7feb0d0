"""Domain errors. Services raise these, never HTTPException.

Each carries a machine code, a message in Bahasa Indonesia (what residents and operators
read) and the same in English. error_handlers.py turns them into answers.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        message_en: str,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        if code:
            self.code = code
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "message_en": self.message_en,
                **self.extra,
            }
        }


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ValidationFailed(DomainError):
    """Bad input; `fields` maps a field name to its Indonesian message."""

    status_code = 422
    code = "validation_error"

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(
            message or "Ada isian yang perlu diperbaiki.",
            "Some fields need fixing.",
            extra={"fields": fields},
        )
        self.fields = fields


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class InvalidCharacter(DomainError):
    """Text holding a NUL character. No input of ours can have one, and PostgreSQL can
    neither store nor compare it (SQLite could): database.py refuses it in any statement,
    so a code, a search or a user name with one is refused alike on both databases."""

    status_code = 400
    code = "invalid_character"


class RateLimited(DomainError):
    """Too many tries; `retry_after` (whole seconds) also goes out as Retry-After."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, message_en: str, *, retry_after: int | None = None) -> None:
        super().__init__(
            message, message_en, extra={"retry_after": retry_after} if retry_after else None
        )
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"
