"""Residents at home: what the hub knows of a village's pages, and sealed filings.

The hub never sees what a resident typed. The browser seals the form to the village's
public key (`loket_protocol.sealed`) and sends the box with the pickup secret's hash; the
hub gives the request a code, records (code, request id, letter type, hash), and hands
the box to JetStream for the village in the same transaction: a filing the resident sees
acknowledged is one JetStream has stored. What happens next comes back up as the
village's events (`request_states`, `request.refused`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loket_protocol import events, subjects
from loket_protocol.qr import HUB_CODE_PREFIX
from regency_hub.database import HubDatabase
from regency_hub.lookups import StatusReader
from regency_hub.models import (
    HubFiling,
    RequestState,
    SentAnnouncement,
    Village,
    VillageForm,
    VillageKey,
)

# Publishes (subject, message id, envelope) and returns once JetStream acknowledged it.
Publisher = Callable[[str, str, bytes], None]
# Codes as the village's own: 8 of [0-9A-Z]; the hub's start with HUB_CODE_PREFIX.
_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: read off paper
_CODE_TRIES = 20
# The namespace of the event ids of sealed requests: a retry of the same box is the same
# message, so JetStream's duplicate window drops a publish whose PubAck was lost.
_BOX_NAMESPACE = uuid.UUID("6f1e4b0c-5a43-4d8e-9a34-1d0c6e9b7a21")

STATUS_LABELS = {
    "sent": "Terkirim, belum sampai di kantor desa",
    "submitted": "Diterima desa, sedang diperiksa",
    "needs_correction": "Perlu perbaikan",
    "awaiting_signature": "Menunggu tanda tangan kepala desa",
    "ready": "Surat siap diambil",
    "picked_up": "Surat sudah diambil",
    "rejected": "Ditolak",
    "cancelled": "Dibatalkan",
    "expired": "Kedaluwarsa",
    "draft": "Diterima desa, sedang diperiksa",
}


class Filing(BaseModel):
    """What the browser posts: the box and what the hub needs to answer the resident."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: uuid.UUID
    letter_type: events.LetterTypeCode
    secret_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    purpose: Literal["new", "correction"] = "new"
    box: events.SealedBox


class StatusQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: events.PickupCode
    secret_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class Refusal(Exception):
    """A filing the hub cannot take: `message` is for the resident (Indonesian)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Place:
    """A village as its resident pages need it (read once per request)."""

    id: int
    kode_desa: str
    name: str
    kecamatan: str
    key: VillageKey | None


@dataclass(frozen=True)
class Answer:
    code: str
    request_id: uuid.UUID
    letter_type: str
    status: str
    status_label: str
    problems: list[dict[str, str]] = field(default_factory=list)


def find_village(session: Session, kode: str) -> Place | None:
    """A registered, active village by its code as typed or as the QR wrote it (upper
    case); None for unknown and inactive alike, so the two look the same from outside."""
    if not kode or len(kode) > 40:
        return None
    village = session.scalar(
        select(Village).where(func.upper(Village.kode_desa) == kode.upper(), Village.active)
    )
    if village is None:
        return None
    key = session.scalar(
        select(VillageKey)
        .where(VillageKey.village_id == village.id)
        .order_by(VillageKey.received_at.desc(), VillageKey.id.desc())
        .limit(1)
    )
    return Place(village.id, village.kode_desa, village.name, village.kecamatan, key)


def catalog(session: Session, village_id: int) -> list[events.LetterTypeForm]:
    forms = [
        events.LetterTypeForm.model_validate(row)
        for row in session.scalars(
            select(VillageForm.form).where(VillageForm.village_id == village_id)
        )
    ]
    return sorted((f for f in forms if f.active and f.self_service), key=lambda f: f.title)


def form_of(session: Session, village_id: int, code: str) -> events.LetterTypeForm | None:
    row = session.scalar(
        select(VillageForm.form).where(
            VillageForm.village_id == village_id, VillageForm.code == code
        )
    )
    if row is None:
        return None
    form = events.LetterTypeForm.model_validate(row)
    return form if form.active and form.self_service else None


def announcements(session: Session, limit: int = 5) -> list[SentAnnouncement]:
    return list(
        session.scalars(
            select(SentAnnouncement).order_by(SentAnnouncement.sent_at.desc()).limit(limit)
        )
    )


def _new_code(session: Session, village_id: int) -> str:
    """A code no filing of this village has and the village never reported."""
    for _ in range(_CODE_TRIES):
        code = HUB_CODE_PREFIX + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(7))
        taken = session.scalar(
            select(func.count())
            .select_from(RequestState)
            .where(RequestState.village_id == village_id, RequestState.code == code)
        ) or session.scalar(
            select(func.count())
            .select_from(HubFiling)
            .where(HubFiling.village_id == village_id, HubFiling.code == code)
        )
        if not taken:
            return code
    raise Refusal(503, "Kode permohonan tidak dapat dibuat. Coba lagi sebentar lagi.")


def _event_id(filing: Filing) -> uuid.UUID:
    digest = hashlib.sha256(filing.box.model_dump_json().encode()).hexdigest()
    return uuid.uuid5(_BOX_NAMESPACE, f"{filing.request_id}/{filing.purpose}/{digest}")


def _publish(
    place: Place, row: HubFiling, filing: Filing, now: datetime, publish: Publisher
) -> None:
    data = events.SealedRequest(
        request_id=row.request_id,
        code=row.code,
        letter_type=row.letter_type,
        secret_hash=row.secret_hash,
        purpose=filing.purpose,
        filed_at=now,
        box=filing.box,
    )
    event_id = _event_id(filing)
    raw = events.encode(event_id=event_id, village="regency", at=now, data=data)
    publish(subjects.down_subject(place.kode_desa, "request.sealed"), str(event_id), raw)


def _check_box(place: Place, filing: Filing, session: Session) -> None:
    if form_of(session, place.id, filing.letter_type) is None:
        raise Refusal(404, "Jenis surat ini tidak dapat diajukan dari rumah.")
    if place.key is None or filing.box.kid != place.key.kid:
        # Sealed to a key the village no longer uses (an old page): sealed again on reload.
        raise Refusal(409, "Kunci desa sudah berganti. Muat ulang halaman lalu kirim lagi.")


def file(db: HubDatabase, place: Place, filing: Filing, publish: Publisher) -> str:
    """The request's code. Idempotent by request id: a double tap or a retry gets the code
    of the first; a correction sends a new box for the same code."""
    now = datetime.now(UTC)
    try:
        with db.unit_of_work() as session:
            existing = session.scalar(
                select(HubFiling).where(HubFiling.request_id == filing.request_id)
            )
            if existing is not None:
                return _again(session, place, existing, filing, now, publish)
            if filing.purpose != "new":
                raise Refusal(404, "Permohonan yang akan diperbaiki tidak ditemukan.")
            _check_box(place, filing, session)
            row = HubFiling(
                request_id=filing.request_id,
                village_id=place.id,
                code=_new_code(session, place.id),
                letter_type=filing.letter_type,
                secret_hash=filing.secret_hash,
                filed_at=now,
                sent_at=now,
                problems=[],
            )
            session.add(row)
            session.flush()
            # Inside the transaction: a publish that fails records nothing.
            _publish(place, row, filing, now, publish)
            return row.code
    except IntegrityError:
        # The same request id filed at the same moment (a double tap): the first won.
        with db.unit_of_work() as session:
            existing = session.scalar(
                select(HubFiling).where(HubFiling.request_id == filing.request_id)
            )
            if existing is None or existing.village_id != place.id:
                raise
            return existing.code


def _again(
    session: Session,
    place: Place,
    row: HubFiling,
    filing: Filing,
    now: datetime,
    publish: Publisher,
) -> str:
    if row.village_id != place.id or not hmac.compare_digest(row.secret_hash, filing.secret_hash):
        raise Refusal(409, "Permohonan ini sudah terdaftar dengan data lain.")
    if filing.purpose == "new":
        return row.code  # a double tap, or a retry after a lost answer
    if _state(session, row)[0] != "needs_correction":
        raise Refusal(409, "Permohonan ini tidak sedang menunggu perbaikan.")
    _check_box(place, filing, session)
    row.sent_at, row.refused_at, row.problems = now, None, []
    session.flush()
    _publish(place, row, filing, now, publish)
    return row.code


def _state(session: Session, row: HubFiling) -> tuple[str, list[dict[str, str]]]:
    if row.refused_at is not None:
        return "needs_correction", list(row.problems)
    status = session.scalar(
        select(RequestState.status).where(
            RequestState.village_id == row.village_id, RequestState.code == row.code
        )
    )
    return (status or "sent"), []


# One statement per lookup (the status API is the hot path): the filing and what the
# village reported of it.
_STATUS_SQL = (
    "SELECT f.request_id, f.code, f.letter_type, f.secret_hash, f.refused_at, f.problems, "
    "r.status FROM hub_filings f LEFT JOIN request_states r "
    "ON r.village_id = f.village_id AND r.code = f.code "
    "WHERE f.village_id = %(village_id)s AND f.code = %(code)s"
)


async def status(reader: StatusReader, place: Place, query: StatusQuery) -> Answer | None:
    """The request's state for the holder of its secret; None for a wrong code or secret
    alike (no answer tells which codes exist)."""
    row = await reader.one(_STATUS_SQL, {"village_id": place.id, "code": query.code})
    if row is None:
        return None
    request_id, code, letter_type, secret_hash, refused_at, problems, village_status = row
    if not hmac.compare_digest(secret_hash, query.secret_hash):
        return None
    state, said = (
        ("needs_correction", list(problems))
        if refused_at is not None
        else (village_status or "sent", [])
    )
    return Answer(
        code=code,
        request_id=request_id,
        letter_type=letter_type,
        status=state,
        status_label=STATUS_LABELS.get(state, state),
        problems=said,
    )


def answer_json(answer: Answer, title: str) -> dict[str, Any]:
    return {
        "code": answer.code,
        "request_id": str(answer.request_id),
        "letter_type": answer.letter_type,
        "letter_type_title": title,
        "status": answer.status,
        "status_label": answer.status_label,
        "problems": answer.problems,
    }


class Villages:
    """Each village's place and catalog, read at most every CACHE_SECONDS: every resident
    page and API call needs them, and they change only with the village's events (or
    `village-pages --off`, which so takes effect within that time)."""

    CACHE_SECONDS = 5.0

    def __init__(self, db: HubDatabase) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._known: dict[str, tuple[float, Place | None, list[events.LetterTypeForm]]] = {}

    def fresh(self, kode: str) -> tuple[Place | None, list[events.LetterTypeForm]] | None:
        """What is known without asking the database (None: ask it, with `get`)."""
        hit = self._known.get(kode.upper())
        if hit is not None and hit[0] > time.monotonic():
            return hit[1], hit[2]
        return None

    def get(self, kode: str) -> tuple[Place | None, list[events.LetterTypeForm]]:
        hit = self.fresh(kode)
        if hit is not None:
            return hit
        key, now = kode.upper(), time.monotonic()
        with self._db.unit_of_work() as session:
            place = find_village(session, kode)
            types = catalog(session, place.id) if place else []
        with self._lock:
            if len(self._known) > 10_000:  # unknown names typed by the internet
                self._known.clear()
            self._known[key] = (now + self.CACHE_SECONDS, place, types)
        return place, types

    def place(self, kode: str) -> Place | None:
        return self.get(kode)[0]
