"""The kiosk's only way to the office server: a typed client over httpx.

The server may run on another machine on the office LAN, so this module keeps its own
copies of the response shapes (plain dataclasses) and never imports ``office_server``.
It stays one file past 450 lines on purpose: it is the whole contract with the server,
read in one place.

Errors are translated here, at this one seam, into the kiosk's own exception tree:

* ``ServerUnreachable`` — no answer (connection refused, DNS, timeout, 502/503/504) even
  after the retries below. Screens say "the server cannot be reached" and retry.
* ``ApiError`` — the server answered with its JSON error body. Subclasses for the codes
  the kiosk reacts to: ``Unauthorized`` (401), ``RateLimited`` (429),
  ``ValidationFailed`` (422, with per-field messages), ``NotFound`` (404).
* ``BadResponse`` — the server answered something this client does not understand.

Retries: calls that are safe to repeat are retried on connection errors and 5xx with a short
backoff: GETs, the idempotent claim updates, and the two POSTs that carry an
``Idempotency-Key`` (the caller passes the key so a retry after a crash reuses it). A scan
is retried only when the request provably never reached the server (connect errors),
because a scan of an offline-request QR files a request.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

KIOSK_PREFIX = "/api/v1/kiosk"
MAX_PAYLOAD_CHARS = 4000


# --------------------------------------------------------------------------- errors
class KioskError(Exception):
    """Base of every error the kiosk app handles."""

    message: str = "Terjadi kesalahan."
    message_en: str = "Something went wrong."

    def localized(self, language: str) -> str:
        return self.message_en if language == "en" else self.message


class ServerUnreachable(KioskError):
    message = "Server kantor desa tidak dapat dihubungi."
    message_en = "The village office server cannot be reached."

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.message_en)
        self.detail = detail


class BadResponse(KioskError):
    message = "Jawaban server tidak dapat dibaca."
    message_en = "The server sent an answer the kiosk cannot read."


class ApiError(KioskError):
    """The server answered with its JSON error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str = "",
        message_en: str = "",
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message_en or message}")
        self.status = status
        self.code = code
        if message:
            self.message = message
        if message_en:
            self.message_en = message_en
        self.extra: Mapping[str, Any] = extra or {}


class Unauthorized(ApiError):
    pass


class NotFound(ApiError):
    pass


class RateLimited(ApiError):
    @property
    def retry_after(self) -> float:
        try:
            return float(self.extra.get("retry_after", 5))
        except (TypeError, ValueError):
            return 5.0


class ValidationFailed(ApiError):
    @property
    def fields(self) -> dict[str, str]:
        raw = self.extra.get("fields") or {}
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


class IntegrityError(KioskError):
    """The letter PDF did not match the hash the server announced."""

    message = "Berkas surat rusak saat diunduh."
    message_en = "The letter file was damaged while downloading."


# --------------------------------------------------------------------------- shapes
def _req(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(data, Mapping) or key not in data:
        raise BadResponse(f"missing {key!r} in server answer")
    value = data[key]
    if not isinstance(value, kind):
        raise BadResponse(f"{key!r} has unexpected type {type(value).__name__}")
    return value


def _opt(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(key) if isinstance(data, Mapping) else None
    if value is None:
        return None
    if not isinstance(value, kind):
        raise BadResponse(f"{key!r} has unexpected type {type(value).__name__}")
    return value


def _text(data: Mapping[str, Any], key: str) -> str:
    """An optional string field; "" when absent or null."""
    return _opt(data, key, str) or ""


@dataclass(frozen=True)
class Health:
    status: str
    village: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Health:
        return cls(status=_req(d, "status", str), village=_text(d, "village"))


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    type: str = "text"
    required: bool = False
    options: tuple[str, ...] | None = None
    max_length: int | None = None
    help: str | None = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> FormField:
        options = _opt(d, "options", list)
        return cls(
            name=_req(d, "name", str),
            label=_opt(d, "label", str) or _req(d, "name", str),
            type=_opt(d, "type", str) or "text",
            required=bool(d.get("required", False)),
            options=tuple(str(o) for o in options) if options is not None else None,
            max_length=_opt(d, "max_length", int),
            help=_opt(d, "help", str),
        )


@dataclass(frozen=True)
class LetterType:
    code: str
    title: str
    description: str = ""
    self_service: bool = False
    required_documents: tuple[str, ...] = ()
    fields: tuple[FormField, ...] = ()

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> LetterType:
        return cls(
            code=_req(d, "code", str),
            title=_req(d, "title", str),
            description=_text(d, "description"),
            self_service=bool(d.get("self_service", False)),
            required_documents=tuple(str(x) for x in (_opt(d, "required_documents", list) or [])),
            fields=tuple(FormField.from_json(f) for f in (_opt(d, "fields", list) or [])),
        )


@dataclass(frozen=True)
class FiledRequest:
    """A request filed at the kiosk: what its pickup ticket prints.

    ``pickup_qr`` is printed as a QR; ``code`` and ``pickup_secret`` (the secret inside
    that QR) are printed as text, for typing in at a kiosk whose camera cannot read it.
    A server older than ``pickup_secret`` sends none: "" then, and the ticket has the QR only.
    """

    code: str
    pickup_qr: str
    status: str
    status_label: str
    pickup_secret: str = ""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> FiledRequest:
        return cls(
            code=_req(d, "code", str),
            pickup_qr=_req(d, "pickup_qr", str),
            status=_req(d, "status", str),
            status_label=_text(d, "status_label"),
            pickup_secret=_text(d, "pickup_secret"),
        )


@dataclass(frozen=True)
class RequestInfo:
    code: str
    letter_type_title: str
    status: str
    status_label: str
    submitted_at: str | None = None
    correction_message: str | None = None
    rejection_reason: str | None = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> RequestInfo:
        return cls(
            code=_req(d, "code", str),
            letter_type_title=_text(d, "letter_type_title"),
            status=_req(d, "status", str),
            status_label=_text(d, "status_label"),
            submitted_at=_opt(d, "submitted_at", str),
            correction_message=_opt(d, "correction_message", str),
            rejection_reason=_opt(d, "rejection_reason", str),
        )


@dataclass(frozen=True)
class Claim:
    claim_id: str
    letter_number: str
    pdf_sha256: str
    pdf_size: int
    paper: str = ""  # the letter's layout (A4, F4, thermal80, thermal58); older servers: ""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Claim:
        return cls(
            claim_id=_req(d, "claim_id", str),
            letter_number=_text(d, "letter_number"),
            pdf_sha256=_req(d, "pdf_sha256", str).lower(),
            pdf_size=_req(d, "pdf_size", int),
            paper=_text(d, "paper"),
        )


@dataclass(frozen=True)
class ScanResult:
    """What the server made of a scan. ``claim`` is set when the letter is ready to print;
    ``pickup_qr`` and ``pickup_secret`` (as in FiledRequest) when the scan filed a request.
    ``already_filed``: that offline-request QR had been filed before and the pickup QR is
    the same ticket as then, still valid (older servers never send it: False)."""

    kind: str
    outcome: str
    message: str
    message_en: str = ""
    request: RequestInfo | None = None
    claim: Claim | None = None
    pickup_qr: str | None = None
    pickup_secret: str | None = None
    already_filed: bool = False

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ScanResult:
        request = _opt(d, "request", dict)
        claim = _opt(d, "claim", dict)
        return cls(
            kind=_req(d, "kind", str),
            outcome=_req(d, "outcome", str),
            message=_text(d, "message"),
            message_en=_text(d, "message_en"),
            request=RequestInfo.from_json(request) if request else None,
            claim=Claim.from_json(claim) if claim else None,
            pickup_qr=_opt(d, "pickup_qr", str),
            pickup_secret=_opt(d, "pickup_secret", str),
            already_filed=_opt(d, "already_filed", bool) or False,
        )

    def localized(self, language: str) -> str:
        return (self.message_en or self.message) if language == "en" else self.message


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    number: str
    service_date: str
    waiting_before: int
    follow_url: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Ticket:
        return cls(
            ticket_id=_req(d, "ticket_id", str),
            number=_req(d, "number", str),
            service_date=_text(d, "service_date"),
            waiting_before=_opt(d, "waiting_before", int) or 0,
            follow_url=_text(d, "follow_url"),
        )


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


def looks_like_garbage(payload: str) -> bool:
    """Obvious non-codes the kiosk rejects without asking the server."""
    text = payload.strip()
    return not text or len(text) > MAX_PAYLOAD_CHARS or "\x00" in text


# --------------------------------------------------------------------------- client
_ERROR_CLASSES: dict[int, type[ApiError]] = {
    401: Unauthorized,
    403: Unauthorized,
    404: NotFound,
    422: ValidationFailed,
    429: RateLimited,
}
_RETRY_STATUS = {500, 502, 503, 504}


@dataclass
class RetryPolicy:
    attempts: int = 3
    backoff: tuple[float, ...] = (0.3, 1.0, 2.0)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int) -> float:
        return self.backoff[min(attempt, len(self.backoff) - 1)]


class KioskApiClient:
    """Typed, thread-safe client for the kiosk API (one per app, shared by workers)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": "loket-kiosk/0.1"},
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KioskApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the seam: every call goes through here
    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        retry_on: str = "all",  # "all": connect errors, timeouts, 5xx; "connect": connect only
    ) -> httpx.Response:
        last: Exception | None = None
        for attempt in range(self.retry.attempts):
            if attempt:
                self.retry.sleep(self.retry.delay(attempt - 1))
            try:
                response = self._http.request(
                    method, path, json=json, content=content, headers=headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                last = exc
                continue
            except httpx.TransportError as exc:  # read/write timeouts, protocol errors
                last = exc
                if retry_on == "all":
                    continue
                raise ServerUnreachable(f"{type(exc).__name__}: {exc}") from exc
            if response.status_code in _RETRY_STATUS and retry_on == "all":
                last = None
                if attempt + 1 < self.retry.attempts:
                    continue
            if response.status_code in (502, 503, 504):
                raise ServerUnreachable(f"HTTP {response.status_code}")
            if response.status_code >= 400:
                raise self._api_error(response)
            return response
        raise ServerUnreachable(f"{type(last).__name__}: {last}" if last else "no answer")

    @staticmethod
    def _api_error(response: httpx.Response) -> ApiError:
        try:
            body = response.json()
            err = body.get("error", {}) if isinstance(body, dict) else {}
        except ValueError:
            err = {}
        if not isinstance(err, dict):
            err = {}
        cls = _ERROR_CLASSES.get(response.status_code, ApiError)
        extra = {k: v for k, v in err.items() if k not in ("code", "message", "message_en")}
        if "retry-after" in response.headers:
            extra.setdefault("retry_after", response.headers["retry-after"])
        return cls(
            response.status_code,
            str(err.get("code") or f"http_{response.status_code}"),
            str(err.get("message") or ""),
            str(err.get("message_en") or ""),
            extra,
        )

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise BadResponse("server answer is not JSON") from exc

    # -- endpoints
    def health(self) -> Health:
        return Health.from_json(self._json(self._call("GET", "/healthz")))

    def letter_types(self) -> list[LetterType]:
        data = self._json(self._call("GET", "/api/v1/letter-types"))
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            data = data["items"]
        if not isinstance(data, list):
            raise BadResponse("letter types are not a list")
        return [LetterType.from_json(item) for item in data]

    def file_request(
        self,
        *,
        letter_type: str,
        applicant_nik: str,
        applicant_name: str,
        form_data: Mapping[str, str],
        phone: str | None,
        idempotency_key: str,
    ) -> FiledRequest:
        body = {
            "letter_type": letter_type,
            "applicant_nik": applicant_nik,
            "applicant_name": applicant_name,
            "form_data": dict(form_data),
            "phone": phone or None,
        }
        response = self._call(
            "POST",
            f"{KIOSK_PREFIX}/requests",
            json=body,
            headers={"Idempotency-Key": idempotency_key},
        )
        return FiledRequest.from_json(self._json(response))

    def scan(self, payload: str) -> ScanResult:
        response = self._call(
            "POST", f"{KIOSK_PREFIX}/scans", json={"payload": payload}, retry_on="connect"
        )
        return ScanResult.from_json(self._json(response))

    def claim_pdf(self, claim: Claim) -> bytes:
        response = self._call("GET", f"{KIOSK_PREFIX}/claims/{claim.claim_id}/pdf")
        data = response.content
        digest = hashlib.sha256(data).hexdigest()
        announced = response.headers.get("x-content-sha256", "").lower()
        if digest != claim.pdf_sha256 or (announced and announced != digest):
            raise IntegrityError(f"pdf sha256 {digest} != {claim.pdf_sha256}")
        if claim.pdf_size and len(data) != claim.pdf_size:
            raise IntegrityError(f"pdf size {len(data)} != {claim.pdf_size}")
        return data

    def mark_printed(self, claim_id: str) -> str:
        response = self._call("POST", f"{KIOSK_PREFIX}/claims/{claim_id}/printed", json={})
        return str(self._json(response).get("status", ""))

    def mark_failed(self, claim_id: str, reason: str) -> str:
        response = self._call(
            "POST", f"{KIOSK_PREFIX}/claims/{claim_id}/failed", json={"reason": reason[:500]}
        )
        return str(self._json(response).get("status", ""))

    def document_kinds(self, code: str, pickup_secret: str) -> list[str]:
        """What documents the request may get photos of (its letter type's list, then
        "other"), by index: ``put_document``'s ``kind``."""
        response = self._call(
            "GET",
            f"/api/v1/requests/{code}/documents",
            headers={"X-Pickup-Secret": pickup_secret},
        )
        data = self._json(response)
        kinds = data.get("kinds") if isinstance(data, dict) else None
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            raise BadResponse("document kinds are not a list of names")
        return kinds

    def put_document(
        self, code: str, pickup_secret: str, *, key: str, kind: int, jpeg: bytes
    ) -> bool:
        """Sends one photo of a document; True when stored now, False when the server
        had it already (a retry after a lost answer: the PUT under ``key`` is idempotent,
        so ``_call`` may safely send it again)."""
        response = self._call(
            "PUT",
            f"/api/v1/requests/{code}/documents/{key}?jenis={kind}",
            content=jpeg,
            headers={"X-Pickup-Secret": pickup_secret, "Content-Type": "image/jpeg"},
        )
        return response.status_code == 201

    def take_ticket(self, *, service: str = "A", idempotency_key: str) -> Ticket:
        response = self._call(
            "POST",
            f"{KIOSK_PREFIX}/tickets",
            json={"service": service},
            headers={"Idempotency-Key": idempotency_key},
        )
        return Ticket.from_json(self._json(response))
