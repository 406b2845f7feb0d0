"""Filing, finding and moving letter requests. Services flush; the caller's unit of work commits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loket_protocol import events
from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.config import Settings
from office_server.database import utcnow
from office_server.errors import Conflict, NotFound, ValidationFailed
from office_server.letter_types import service as letter_types
from office_server.letter_types.forms import clean_form
from office_server.operators.models import Operator
from office_server.requests import lifecycle, submission
from office_server.requests.lifecycle import Status
from office_server.requests.models import Channel, LetterRequest
from office_server.residents.nik import validate_nik
from office_server.security import (
    matches_hash,
    new_public_code,
    new_secret,
    normalize_secret,
    sha256_hex,
)
from office_server.sync import outbox

NOT_FOUND_MESSAGE = (
    "Permohonan tidak ditemukan. Periksa kode dan kode rahasia Anda, "
    "atau tanyakan ke operator desa."
)


def _not_found() -> NotFound:
    return NotFound(NOT_FOUND_MESSAGE, "Request not found.", code="request_not_found")


def _body_hash(payload: dict[str, Any]) -> str:
    return sha256_hex(json.dumps(payload, sort_keys=True, ensure_ascii=False))


def create(
    session: Session,
    *,
    letter_type_code: str,
    applicant_nik: str,
    applicant_name: str,
    form_data: dict[str, Any],
    phone: str | None,
    channel: Channel,
    actor: Actor,
    idempotency_key: str | None = None,
    pickup_secret: str | None = None,
    today: date | None = None,
    public_code: str | None = None,
    secret_hash: str | None = None,
) -> tuple[LetterRequest, str, bool]:
    """Files a request. Returns (request, pickup secret, replayed).

    The input goes through `submission.normalize_input` first, so the replay check, the
    checks and what is stored all see the same normalised text.

    A retry with the same idempotency key and body returns the same request. With a
    `pickup_secret` (derived by the caller from what it was given, so that a replay can
    give it again) the request gets that secret and a replay returns it unchanged; a
    replay whose secret no longer matches is a conflict and voids nothing. Without one,
    the secret is random and a replay gets a fresh one (only a hash is stored, so the first
    cannot be shown again). The same key with another body is a conflict.

    A request filed at the regency hub comes with the code the hub gave the resident
    (`public_code`) and the hash of the pickup secret their phone made (`secret_hash`):
    the secret itself never reaches the village, and the secret returned is "".
    """
    idempotency_key = (idempotency_key or "").strip() or None
    given = submission.normalize_submission(
        session,
        letter_type_code=letter_type_code,
        applicant_nik=applicant_nik,
        applicant_name=applicant_name,
        form_data=form_data,
        phone=phone,
    )
    body = {
        "t": given.letter_type.code,
        "n": given.applicant_nik,
        "m": given.applicant_name,
        "f": given.form_data,
        "p": given.phone,
    }
    if idempotency_key:
        existing = session.scalars(
            select(LetterRequest).where(LetterRequest.idempotency_key == idempotency_key)
        ).first()
        if existing is not None:
            return _replay(session, existing, _body_hash(body), actor, pickup_secret)

    lt, nik_info, name, cleaned = submission.check_submission(
        session,
        letter_type_code=given.letter_type.code,
        applicant_nik=given.applicant_nik,
        applicant_name=given.applicant_name,
        form_data=given.form_data,
        channel=channel,
        today=today,
    )

    secret = "" if secret_hash else pickup_secret or new_secret()
    request = LetterRequest(
        public_code=public_code or unique_code(session),
        letter_type_id=lt.id,
        letter_type=lt,
        channel=channel,
        applicant_nik=nik_info.nik,
        applicant_name=name,
        phone=submission.check_phone(given.phone) or cleaned.get("no_hp") or None,
        form_data=cleaned,
        status=Status.SUBMITTED,
        secret_hash=secret_hash or sha256_hex(secret),
        idempotency_key=idempotency_key,
        body_hash=_body_hash(body) if idempotency_key else None,
        submitted_at=utcnow(),
    )
    session.add(request)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        # Two retries of one submission raced past the lookup above.
        raise Conflict(
            "Permohonan yang sama sedang diproses. Coba lagi sebentar.",
            "The same submission is being processed; retry shortly.",
            code="duplicate_submission",
        ) from exc
    audit.record(
        session,
        actor=actor,
        action="create",
        request_id=request.id,
        to_status=Status.SUBMITTED,
        details={"channel": str(channel), "letter_type": lt.code},
    )
    outbox.record(
        session,
        events.RequestFiled(
            code=request.public_code,
            letter_type=lt.code,
            channel=str(channel),
            status=request.status,
        ),
        at=request.submitted_at,
    )
    return request, secret, False


def _replay(
    session: Session,
    existing: LetterRequest,
    body_hash: str,
    actor: Actor,
    pickup_secret: str | None,
) -> tuple[LetterRequest, str, bool]:
    if existing.body_hash != body_hash:
        raise Conflict(
            "Kunci pengiriman ini sudah dipakai untuk permohonan lain.",
            "This Idempotency-Key was used for a different request body.",
            code="idempotency_mismatch",
        )
    if pickup_secret is not None:
        if not matches_hash(pickup_secret, existing.secret_hash):
            raise already_filed()
        secret = pickup_secret
    else:
        secret = new_secret()
        existing.secret_hash = sha256_hex(secret)
    audit.record(session, actor=actor, action="replay_create", request_id=existing.id)
    return existing, secret, True


def already_filed() -> Conflict:
    """A request filed before whose pickup secret cannot be given again: the resident's
    ticket stays the only one."""
    return Conflict(
        "Permohonan ini sudah terkirim sebelumnya. Gunakan tiket (kode QR pengambilan) yang "
        "Anda terima waktu itu; jika hilang, tanyakan ke petugas loket.",
        "This request was filed before. Use the pickup ticket you got then.",
        code="already_filed",
    )


def unique_code(session: Session) -> str:
    for _ in range(20):
        code = new_public_code()
        taken = session.scalar(
            select(func.count()).select_from(LetterRequest).where(LetterRequest.public_code == code)
        )
        if not taken:
            return code
    raise RuntimeError("could not find a free public code")


def get_for_resident(session: Session, *, code: str, secret: str) -> LetterRequest:
    """The resident's access: the code and the secret must both match (same error if not)."""
    request = session.scalars(
        select(LetterRequest).where(LetterRequest.public_code == code)
    ).first()
    if request is None or not matches_hash(normalize_secret(secret), request.secret_hash):
        raise _not_found()
    return request


def code_exists(session: Session, *, code: str) -> bool:
    return (
        session.scalar(select(LetterRequest.id).where(LetterRequest.public_code == code))
        is not None
    )


def get(session: Session, *, request_id: int) -> LetterRequest:
    request = session.get(LetterRequest, request_id)
    if request is None:
        raise _not_found()
    return request


def view_by_operator(session: Session, *, request_id: int, operator: Operator) -> LetterRequest:
    """Reading a request shows a NIK, so the read itself is audited (UU PDP)."""
    request = get(session, request_id=request_id)
    audit.record(session, actor=operator.actor, action="view", request_id=request.id)
    return request


def list_queue(
    session: Session,
    *,
    statuses: Sequence[str] | None = None,
    letter_type_code: str | None = None,
    code: str | None = None,
    search: str | None = None,
    newest_first: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[LetterRequest]:
    """The operator's queue: by status, type, an exact code, or a code or part of a name.

    Oldest waiting first by default: residents who came earliest are served first.
    """
    stmt = select(LetterRequest)
    if statuses:
        stmt = stmt.where(LetterRequest.status.in_(statuses))
    if letter_type_code:
        lt = letter_types.get_by_code(session, code=letter_type_code)
        stmt = stmt.where(LetterRequest.letter_type_id == lt.id)
    if code:
        stmt = stmt.where(LetterRequest.public_code == code)
    if search and search.strip():
        term = search.strip()
        typed_code = term.upper().replace("-", "").replace(" ", "")
        stmt = stmt.where(
            (LetterRequest.public_code == typed_code)
            | func.lower(LetterRequest.applicant_name).contains(term.lower())
        )
    order = LetterRequest.created_at.desc() if newest_first else LetterRequest.created_at.asc()
    stmt = stmt.order_by(order, LetterRequest.id.desc() if newest_first else LetterRequest.id)
    return list(session.scalars(stmt.limit(min(limit, 500)).offset(offset)))


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(LetterRequest.status, func.count()).group_by(LetterRequest.status)
    ).all()
    return {status: count for status, count in rows}


def correct_fields(
    session: Session,
    request: LetterRequest,
    *,
    changes: dict[str, Any],
    actor: Actor,
    applicant_name: str | None = None,
) -> LetterRequest:
    """Operator or resident fixes form fields; only while the request is still open."""
    if request.status not in (Status.SUBMITTED, Status.NEEDS_CORRECTION, Status.DRAFT):
        raise Conflict(
            f"Data permohonan berstatus {lifecycle.label(request.status)} tidak dapat diubah.",
            f"A request in status '{request.status}' cannot be edited.",
            code="not_editable",
        )
    fields = request.letter_type.fields
    strings, changes = submission.normalize_input(
        {"applicant_name": applicant_name}, changes, fields=fields
    )
    merged = {**request.form_data, **changes}
    # A counter draft may stay half-filled; submitting it checks it whole.
    cleaned = clean_form(fields, merged, partial=request.status == Status.DRAFT)
    info = validate_nik(request.applicant_nik)
    errors = submission.check_consistency(session, info.nik, info.birth_date, info.sex, cleaned)
    given_name = strings["applicant_name"]
    name = submission.check_name(given_name) if given_name is not None else request.applicant_name
    if errors:
        raise ValidationFailed(errors)
    changed = sorted(k for k in cleaned if request.form_data.get(k) != cleaned[k])
    if name != request.applicant_name:
        changed.append("applicant_name")
    request.form_data = cleaned
    request.applicant_name = name
    # Field names only: the values are personal data.
    audit.record(
        session,
        actor=actor,
        action="edit_fields",
        request_id=request.id,
        details={"fields": changed},
    )
    return request


def resubmit_fixed(
    session: Session,
    request: LetterRequest,
    *,
    changes: dict[str, Any],
    actor: Actor,
    applicant_name: str | None = None,
) -> LetterRequest:
    """The resident's fix of a request a correction was asked for, sent back to be checked.

    The status is checked before the values: a fix that comes too late (the request was
    rejected meanwhile, or sent back from another tab) is told so (409), not what is
    wrong with values that can no longer be used.
    """
    if not lifecycle.can(request, "resubmit"):
        raise lifecycle.refusal(request, "resubmit")
    correct_fields(session, request, changes=changes, actor=actor, applicant_name=applicant_name)
    return lifecycle.apply(session, request, "resubmit", actor=actor)


def transition(
    session: Session,
    request: LetterRequest,
    action: str,
    *,
    actor: Actor,
    reason: str | None = None,
) -> LetterRequest:
    """An operator's action; the reason they type is read by the resident (status page,
    kiosk), so it is normalised like the resident's own input."""
    try:
        strings, _ = submission.normalize_input({"reason": reason})
    except ValidationFailed as exc:  # one field: its message is the message
        raise ValidationFailed(exc.fields, exc.fields["reason"]) from exc
    return lifecycle.apply(session, request, action, actor=actor, reason=strings["reason"])


def expire_stale(session: Session, *, settings: Settings) -> int:
    """Requests left unfinished by the resident expire after the configured days."""
    cutoff = utcnow() - timedelta(days=settings.request_expiry_days)
    stale = session.scalars(
        select(LetterRequest).where(
            LetterRequest.status.in_([Status.DRAFT, Status.NEEDS_CORRECTION]),
            LetterRequest.status_changed_at < cutoff,
        )
    ).all()
    for request in stale:
        lifecycle.apply(session, request, "expire", actor=audit.SYSTEM)
    return len(stale)


def oldest_open(session: Session, *, status: str) -> LetterRequest | None:
    return session.scalars(
        select(LetterRequest)
        .where(LetterRequest.status == status)
        .order_by(LetterRequest.created_at.asc(), LetterRequest.id)
        .limit(1)
    ).first()
