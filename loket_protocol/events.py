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
# "hub": filed from home through the regency hub, sealed to the village's key.
Channel = Literal["web", "kiosk", "counter", "offline_qr", "hub"]


class Kind(StrEnum):
    REQUEST_FILED = "request.filed"
    STATUS_CHANGED = "request.status"
    LETTER_ISSUED = "letter.issued"
    PICKED_UP = "letter.picked_up"
    QUEUE_DAY = "queue.day"
    CATALOG_CHANGED = "catalog.changed"
    PROFILE_CHANGED = "profile.changed"
    # One letter type's form, so the hub can serve it to residents at home.
    LETTER_TYPE_FORM = "catalog.form"
    # The village's public key for sealed requests.
    VILLAGE_KEY = "village.key"
    # A sealed request the village opened but could not file: the resident must correct it.
    SEALED_REFUSED = "request.refused"
    # One UMKM register entry, only the fields the village's register policy lets go up.
    UMKM_ENTRY = "register.umkm"
    # Hub -> village.
    ANNOUNCEMENT = "regency.announcement"
    SEALED_REQUEST = "request.sealed"


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


SEALED_VERSION = 1
ALGORITHM = "ECDH-P256+HKDF-SHA256+A256GCM"
_B64URL = r"^[A-Za-z0-9_-]+$"


class SealedBox(BaseModel):
    """A request sealed to the village's key (`loket_protocol.sealed`): what the browser
    sends and the hub stores and forwards, nothing it can read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: int = Field(SEALED_VERSION, ge=1, le=SEALED_VERSION)
    alg: str = Field(ALGORITHM, pattern=r"^ECDH-P256\+HKDF-SHA256\+A256GCM$")
    kid: str = Field(pattern=r"^[0-9a-f]{16}$")
    epk: str = Field(min_length=87, max_length=87, pattern=_B64URL)
    iv: str = Field(min_length=16, max_length=16, pattern=_B64URL)
    # Base64url of at most MAX_PLAINTEXT_BYTES + the 16-byte tag.
    ct: str = Field(min_length=22, max_length=11_000, pattern=_B64URL)


class FormField(_Data):
    """One field of a letter type's form, as `office_server.letter_types.forms.FieldSpec`."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    label: ShortText
    type: Literal["text", "textarea", "date", "nik", "select", "number", "phone"] = "text"
    required: bool = True
    options: list[ShortText] | None = Field(None, max_length=60)
    max_length: Annotated[int, Field(ge=1, le=2000)] | None = None
    help: Annotated[str, Field(max_length=500), AfterValidator(_public_text)] | None = None
    when: Literal["past", "future", "any"] = "any"


class LetterTypeForm(_Data):
    """A letter type as the resident sees it; sent once per type when the catalog changes."""

    code: LetterTypeCode
    title: ShortText
    description: PublicText = ""
    self_service: bool
    active: bool
    required_documents: list[ShortText] = Field(default_factory=list, max_length=30)
    fields: list[FormField] = Field(max_length=60)


class VillageKey(_Data):
    """The village's P-256 public key (`loket_protocol.sealed`), raw point, base64url."""

    kid: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    public_key: Annotated[str, Field(min_length=87, max_length=87, pattern=_B64URL)]


class FieldProblem(_Data):
    """What is wrong with one field, in words; never the value that was typed."""

    field: Annotated[str, Field(max_length=60, pattern=r"^[A-Za-z0-9_.]+$")]
    message: ShortText


class SealedRefused(_Data):
    request_id: uuid.UUID
    code: PickupCode
    problems: list[FieldProblem] = Field(max_length=60)


class UmkmEntry(_Data):
    """What the village's register policy lets go up; the owner's name only when allowed.
    Every field but the code may be None: a field the policy keeps home is not sent."""

    code: PickupCode
    business_name: ShortText | None = None
    kind: ShortText | None = None
    since: Annotated[str, Field(max_length=20)] | None = None
    dusun: ShortText | None = None
    rt: Annotated[str, Field(max_length=5, pattern=r"^[0-9]*$")] | None = None
    rw: Annotated[str, Field(max_length=5, pattern=r"^[0-9]*$")] | None = None
    owner_name: ShortText | None = None


class SealedRequest(_Data):
    """A resident's request filed at the hub: only the box and what the hub needed to
    answer the resident (code, type, the pickup secret's hash)."""

    request_id: uuid.UUID
    code: PickupCode
    letter_type: LetterTypeCode
    secret_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    # "correction": a new box for a request the village sent back (same code and id).
    purpose: Literal["new", "correction"] = "new"
    filed_at: datetime
    box: SealedBox


DATA_MODELS: dict[Kind, type[_Data]] = {
    Kind.REQUEST_FILED: RequestFiled,
    Kind.STATUS_CHANGED: StatusChanged,
    Kind.LETTER_ISSUED: LetterIssued,
    Kind.PICKED_UP: PickedUp,
    Kind.QUEUE_DAY: QueueDay,
    Kind.CATALOG_CHANGED: CatalogChanged,
    Kind.PROFILE_CHANGED: ProfileChanged,
    Kind.LETTER_TYPE_FORM: LetterTypeForm,
    Kind.VILLAGE_KEY: VillageKey,
    Kind.SEALED_REFUSED: SealedRefused,
    Kind.UMKM_ENTRY: UmkmEntry,
    Kind.ANNOUNCEMENT: Announcement,
    Kind.SEALED_REQUEST: SealedRequest,
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
    | LetterTypeForm
    | VillageKey
    | SealedRefused
    | UmkmEntry
    | Announcement
    | SealedRequest
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
