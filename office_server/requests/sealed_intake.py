"""Requests residents filed at home through the regency hub, sealed to this village's key.

The relay hands each `request.sealed` message here inside one transaction and acks it
only after the commit. The box is opened with the key its `kid` names, the sealed copy
of the request id, letter type and pickup-secret hash must equal what the hub said, and
then the request is filed with the very rules of a LAN request (`service.create`,
channel "hub", the hub's code and secret hash). Idempotent by the hub's request id: a
message delivered twice, or a double tap at the hub (two messages, one request id), is
one request.

Anything that cannot be filed leaves only a `SealedRefusal` row (ids, code, problems in
words, time; never a typed value) and a `request.refused` event up, so the hub tells the
resident what to fix. Nothing here logs a value from the form.
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from loket_protocol import events, sealed
from loket_protocol.qr import HUB_CODE_PREFIX
from office_server.audit.service import Actor
from office_server.errors import DomainError, ValidationFailed
from office_server.requests import service
from office_server.requests.lifecycle import Status
from office_server.requests.models import Channel, LetterRequest, SealedRefusal
from office_server.sync import outbox, sealed_keys

log = logging.getLogger("loket.sync")

HUB_ACTOR = Actor("resident", None, "pemohon (dari rumah, lewat kabupaten)")
UNREADABLE = (
    "Permohonan Anda tidak dapat dibuka oleh kantor desa. Silakan isi formulirnya sekali lagi."
)
GENERAL_FIELD = "form"


def idempotency_key(request_id: uuid.UUID | str) -> str:
    return f"hub:{request_id}"


def by_request_id(session: Session, request_id: uuid.UUID | str) -> LetterRequest | None:
    return session.scalars(
        select(LetterRequest).where(LetterRequest.idempotency_key == idempotency_key(request_id))
    ).first()


def receive(session: Session, event: events.Event, *, data_dir: Path, kode_desa: str) -> str:
    """Files, corrects or refuses one sealed request; returns what happened (for counts):
    "filed", "corrected", "duplicate", "stale" or "refused"."""
    data = event.data
    assert isinstance(data, events.SealedRequest)
    already_refused = session.scalar(
        select(SealedRefusal.id).where(SealedRefusal.event_id == str(event.id))
    )
    if already_refused is not None:
        return "duplicate"
    existing = by_request_id(session, data.request_id)
    if existing is not None and data.purpose == "new":
        return "duplicate"
    if existing is not None and existing.status != Status.NEEDS_CORRECTION:
        # A correction delivered again after it was applied, or one the office overtook
        # (it rejected or cancelled the request meanwhile): nothing to change.
        return "stale"
    if not data.code.startswith(HUB_CODE_PREFIX):
        return _refuse(session, event, [(GENERAL_FIELD, UNREADABLE)], why="code")
    try:
        key = sealed_keys.private_key(data_dir, data.box.kid)
        form = sealed.open_box(data.box, key, kode_desa=kode_desa, request_id=data.request_id)
    except (sealed_keys.SealedKeyMissing, sealed.SealError, ValueError):
        return _refuse(session, event, [(GENERAL_FIELD, UNREADABLE)], why="unopenable")
    if (
        form.get("request_id") != str(data.request_id)
        or form.get("letter_type") != data.letter_type
        or form.get("secret_hash") != data.secret_hash
    ):
        return _refuse(session, event, [(GENERAL_FIELD, UNREADABLE)], why="mismatch")
    try:
        with session.begin_nested():
            if existing is None:
                _file(session, data, form)
                outcome = "filed"
            else:
                _correct(session, existing, data, form)
                outcome = "corrected"
    except ValidationFailed as exc:
        return _refuse(session, event, list(exc.fields.items()) or [(GENERAL_FIELD, exc.message)])
    except DomainError as exc:
        return _refuse(session, event, [(GENERAL_FIELD, exc.message)], why=exc.code)
    return outcome


def _text(form: dict[str, Any], key: str) -> Any:
    value = form.get(key)
    return value if value is None or isinstance(value, str | int | float) else json.dumps(value)


def _form_data(form: dict[str, Any]) -> dict[str, Any]:
    value = form.get("form_data")
    if not isinstance(value, dict):
        raise ValidationFailed({GENERAL_FIELD: UNREADABLE})
    return value


def _file(session: Session, data: events.SealedRequest, form: dict[str, Any]) -> None:
    taken = session.scalar(select(LetterRequest.id).where(LetterRequest.public_code == data.code))
    if taken is not None:
        # Another request already holds the code (the hub gave it twice): never merge.
        raise ValidationFailed({GENERAL_FIELD: UNREADABLE})
    service.create(
        session,
        letter_type_code=data.letter_type,
        applicant_nik=_text(form, "applicant_nik") or "",
        applicant_name=_text(form, "applicant_name") or "",
        form_data=_form_data(form),
        phone=_text(form, "phone"),
        channel=Channel.HUB,
        actor=HUB_ACTOR,
        idempotency_key=idempotency_key(data.request_id),
        public_code=data.code,
        secret_hash=data.secret_hash,
    )


def _correct(
    session: Session, request: LetterRequest, data: events.SealedRequest, form: dict[str, Any]
) -> None:
    """The resident's fix, as on the LAN (`service.resubmit_fixed`); the box holds the
    whole form, so a field left empty now is emptied, not kept from before."""
    if data.secret_hash != request.secret_hash or data.code != request.public_code:
        raise ValidationFailed({GENERAL_FIELD: UNREADABLE})
    if "".join(str(_text(form, "applicant_nik") or "").split()) != request.applicant_nik:
        raise ValidationFailed(
            {"applicant_nik": "NIK tidak dapat diubah saat perbaikan. Ajukan permohonan baru."}
        )
    given = _form_data(form)
    changes = {spec.name: given.get(spec.name) for spec in request.letter_type.fields}
    changes.update({k: v for k, v in given.items() if k not in changes})
    service.resubmit_fixed(
        session,
        request,
        changes=changes,
        actor=HUB_ACTOR,
        applicant_name=_text(form, "applicant_name"),
    )


def _problem(field: str, message: str) -> events.FieldProblem:
    field = field if field and len(field) <= 60 else GENERAL_FIELD
    try:
        return events.FieldProblem(field=field, message=message[:160])
    except ValidationError:
        # A message that would not pass the schema (no message quotes a value; this keeps
        # it so): the field is still named.
        return events.FieldProblem(field=GENERAL_FIELD, message="Ada isian yang perlu diperbaiki.")


def _refuse(
    session: Session,
    event: events.Event,
    problems: list[tuple[str, str]],
    *,
    why: str = "invalid",
) -> str:
    data = event.data
    assert isinstance(data, events.SealedRequest)
    checked = [_problem(f, m) for f, m in problems][:60]
    record_refusal(
        session,
        event_id=str(event.id),
        request_id=data.request_id,
        code=data.code,
        problems=checked,
    )
    # The reason's kind only: ids and codes are not personal, values are never logged.
    log.warning("sealed request %s refused (%s)", data.request_id, why)
    return "refused"


def record_refusal(
    session: Session,
    *,
    event_id: str,
    request_id: uuid.UUID | None,
    code: str | None,
    problems: list[events.FieldProblem],
) -> None:
    """The refusal row, and the `request.refused` event when the hub can place it."""
    session.add(
        SealedRefusal(
            event_id=event_id,
            request_id=str(request_id) if request_id else None,
            public_code=code,
            problems=[p.model_dump() for p in problems],
        )
    )
    if request_id is not None and code is not None:
        outbox.record(
            session, events.SealedRefused(request_id=request_id, code=code, problems=problems)
        )


def receive_malformed(session: Session, *, message_id: str, raw: bytes) -> None:
    """A `request.sealed` message off the schema: refused (once per message), so it does
    not block the inbox; the hub hears of it when the request id and code can be read."""
    if session.scalar(select(SealedRefusal.id).where(SealedRefusal.event_id == message_id)):
        return
    request_id: uuid.UUID | None = None
    code: str | None = None
    try:
        data = json.loads(raw).get("data") or {}
        request_id = uuid.UUID(str(data["request_id"]))
        code = str(data["code"])
        events.SealedRefused(request_id=request_id, code=code, problems=[])
    except (ValueError, TypeError, KeyError, AttributeError, ValidationError):
        request_id, code = None, None
    record_refusal(
        session,
        event_id=message_id,
        request_id=request_id,
        code=code,
        problems=[events.FieldProblem(field=GENERAL_FIELD, message=UNREADABLE)],
    )
    log.warning("a sealed request off the schema was refused")


def recent_refusals(session: Session, *, limit: int = 20) -> list[SealedRefusal]:
    return list(
        session.scalars(
            select(SealedRefusal).order_by(SealedRefusal.received_at.desc()).limit(limit)
        )
    )
