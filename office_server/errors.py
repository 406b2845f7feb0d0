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


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"
