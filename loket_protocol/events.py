"""The sync event schema: what a village tells its regency hub, and what the hub sends down.

Both sides import this module and nothing of each other. An event travels as one JSON
envelope `{"v", "id", "kind", "village", "at", "data"}`; `data` is one of the models
below, each an allow-list (`extra="forbid"`): a field that is not declared here cannot be
sent, so a NIK, KK number, birth date, address or PDF has no place to go. Free text
(a letter type's name, an announcement) is `PublicText`, which also refuses any run of
ten or more digits: a NIK or KK (16 digits) or a phone number pasted into a name is
refused at the village before it is stored in the outbox.

Versions: `SCHEMA_VERSION` is what this code writes. A reader meeting a newer version, or
a kind it does not know, gets an `UnknownEvent` that keeps the raw envelope: the hub stores
it as it came (and can read it after an upgrade) instead of dropping it.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

SCHEMA_VERSION = 1
# An envelope larger than this is refused: no event needs more, and a PDF cannot fit.
MAX_EVENT_BYTES = 16_384

_LONG_DIGIT_RUN = re.compile(r"[0-9]{10,}")


def _public_text(value: str) -> str:
    if _LONG_DIGIT_RUN.search(value):
        raise ValueError("a run of 10 or more digits (a NIK, KK or phone number?) may not leave")
    if any(ord(ch) < 32 and ch != "\n" for ch in value):
        raise ValueError("control characters may not leave")
    return value


PublicText = Annotated[str, Field(max_length=2000), AfterValidator(_public_text)]
ShortText = Annotated[str, Field(max_length=160), AfterValidator(_public_text)]
# A request's public code (on the resident's ticket; no personal data).
PickupCode = Annotated[str, Field(pattern=r"^[A-Z0-9]{6,12}$")]
LetterTypeCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,39}$")]
# The village code as the village writes it (Kemendagri "36.04.01.2001" or a demo "DS-2004").
KodeDesa = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,39}$")]
Count = Annotated[int, Field(ge=0, le=10_000_000)]

RequestStatus = Literal[
    "draft",
    "submitted",
    "needs_correction",
    "awaiting_signature",
    "ready",
    "picked_up",
    "rejected",
    "cancelled",
    "expired",
]
Channel = Literal["web", "kiosk", "counter", "offline_qr"]


class Kind(StrEnum):
    REQUEST_FILED = "request.filed"
    STATUS_CHANGED = "request.status"
    LETTER_ISSUED = "letter.issued"
    PICKED_UP = "letter.picked_up"
    QUEUE_DAY = "queue.day"
    CATALOG_CHANGED = "catalog.changed"
    PROFILE_CHANGED = "profile.changed"
    # Hub -> village.
    ANNOUNCEMENT = "regency.announcement"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class RequestFiled(_Data):
    code: PickupCode
    letter_type: LetterTypeCode
    channel: Channel
    status: RequestStatus


class StatusChanged(_Data):
    code: PickupCode
    from_status: RequestStatus | None
    to_status: RequestStatus


class LetterIssued(_Data):
    code: PickupCode
    letter_type: LetterTypeCode
    issued_on: date


class PickedUp(_Data):
    code: PickupCode
    via: Literal["kiosk", "counter"]


class QueueDay(_Data):
    day: date
    tickets_taken: Count
    tickets_called: Count
    requests_filed: Count
    letters_issued: Count
    picked_up: Count
    picked_up_at_kiosk: Count


class CatalogEntry(_Data):
    code: LetterTypeCode
    name: ShortText
    active: bool


class CatalogChanged(_Data):
    letter_types: list[CatalogEntry] = Field(max_length=200)


class ProfileChanged(_Data):
    name: ShortText
    kode_desa: KodeDesa
    kecamatan: ShortText
    kabupaten: ShortText
    provinsi: ShortText


class Announcement(_Data):
    title: ShortText
    body: PublicText


DATA_MODELS: dict[Kind, type[_Data]] = {
    Kind.REQUEST_FILED: RequestFiled,
    Kind.STATUS_CHANGED: StatusChanged,
    Kind.LETTER_ISSUED: LetterIssued,
    Kind.PICKED_UP: PickedUp,
    Kind.QUEUE_DAY: QueueDay,
    Kind.CATALOG_CHANGED: CatalogChanged,
    Kind.PROFILE_CHANGED: ProfileChanged,
    Kind.ANNOUNCEMENT: Announcement,
}
KIND_OF: dict[type[_Data], Kind] = {model: kind for kind, model in DATA_MODELS.items()}

EventData = (
    RequestFiled
    | StatusChanged
    | LetterIssued
    | PickedUp
    | QueueDay
    | CatalogChanged
    | ProfileChanged
    | Announcement
)


class Event(BaseModel):
    """One event of this schema version: who (village), what (kind, data), when (at)."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    village: KodeDesa
    at: datetime
    data: EventData

    @property
    def kind(self) -> Kind:
        return KIND_OF[type(self.data)]

    def encode(self) -> bytes:
        return encode(event_id=self.id, village=self.village, at=self.at, data=self.data)


class UnknownEvent(BaseModel):
    """An envelope this code cannot read (a newer version or kind): kept, not dropped."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    version: int
    kind: str
    village: str
    at: datetime | None
    raw: dict[str, Any]


class BadEvent(ValueError):
    """Bytes that are no event envelope at all, or a known kind with data off the schema."""


def new_event_id() -> uuid.UUID:
    return uuid.uuid4()


def encode(
    *, event_id: uuid.UUID, village: str, at: datetime, data: _Data, version: int = SCHEMA_VERSION
) -> bytes:
    if at.tzinfo is None:
        raise ValueError("naive datetime in an event")
    envelope = {
        "v": version,
        "id": str(event_id),
        "kind": str(KIND_OF[type(data)]),
        "village": village,
        "at": at.astimezone(UTC).isoformat(),
        "data": data.model_dump(mode="json"),
    }
    raw = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
    if len(raw) > MAX_EVENT_BYTES:
        raise ValueError(f"event of {len(raw)} bytes is over {MAX_EVENT_BYTES}")
    return raw


def data_from_dict(kind: Kind | str, data: dict[str, Any]) -> EventData:
    """The checked data of a known kind (raises pydantic's ValidationError)."""
    model = DATA_MODELS[Kind(kind)]
    return model.model_validate(data)  # type: ignore[return-value]


def decode(raw: bytes) -> Event | UnknownEvent:
    """An envelope read back; BadEvent if it is none, UnknownEvent if it is too new."""
    if len(raw) > MAX_EVENT_BYTES:
        raise BadEvent("event too large")
    try:
        envelope = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadEvent("not JSON") from exc
    if not isinstance(envelope, dict):
        raise BadEvent("not an envelope")
    try:
        version = int(envelope["v"])
        event_id = uuid.UUID(str(envelope["id"]))
        kind = str(envelope["kind"])
        village = str(envelope["village"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BadEvent("envelope without v, id, kind or village") from exc
    known = kind in {k.value for k in Kind}
    if version > SCHEMA_VERSION or not known:
        at = None
        with contextlib.suppress(ValueError):
            at = datetime.fromisoformat(str(envelope.get("at")))
        return UnknownEvent(
            id=event_id, version=version, kind=kind[:64], village=village[:40], at=at, raw=envelope
        )
    try:
        return Event(
            id=event_id,
            village=village,
            at=envelope.get("at"),
            data=data_from_dict(kind, envelope.get("data") or {}),
        )
    except ValidationError as exc:
        raise BadEvent(f"{kind} off the schema: {exc.error_count()} errors") from exc
