"""The UMKM register entry a business letter makes, as far as the register policy lets
it leave the village (`village/register_policy.py`).

Letter types that describe a business: `usaha` (Surat Keterangan Usaha) and
`domisili_usaha` (Surat Keterangan Domisili Usaha); both ask for the business's name,
kind and year. `domisili_lembaga` is an institution (a foundation, a farmers' group),
not a business, and stays out.

The entry is written to the outbox in the issuing transaction, with only the allowed
fields. A value the event schema refuses (a run of ten or more digits, a control
character, too long) is left out of the entry instead of failing the letter: the
resident gets their letter and the regency misses one field.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from loket_protocol import events
from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.letter_types.models import LetterType
from office_server.letters.models import Letter
from office_server.requests.models import LetterRequest
from office_server.residents.models import Resident
from office_server.sync import outbox
from office_server.village import register_policy
from office_server.village.register_policy import Policy

log = logging.getLogger("loket.sync")

UMKM_LETTER_TYPES = ("usaha", "domisili_usaha")


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _digits(value: Any) -> str | None:
    """RT and RW as the register writes them, without leading zeros ("003" -> "3")."""
    text = _text(value)
    if text is None or not text.isdigit():
        return None
    return str(int(text))


def _home(session: Session, request: LetterRequest) -> tuple[Any, Any, Any]:
    """Dusun, RT, RW: from the letter's own address fields, else the register's row."""
    form = request.form_data or {}
    dusun, rt, rw = form.get("dusun"), form.get("rt"), form.get("rw")
    if not (_text(dusun) and _text(rt) and _text(rw)):
        resident = session.scalars(
            select(Resident).where(Resident.nik == request.applicant_nik)
        ).first()
        if resident is not None:
            dusun = dusun if _text(dusun) else resident.dusun
            rt = rt if _text(rt) else resident.rt
            rw = rw if _text(rw) else resident.rw
    return dusun, rt, rw


def entry_for(session: Session, request: LetterRequest, policy: Policy) -> events.UmkmEntry:
    """The entry with only what `policy` allows; refused values left out."""
    form = request.form_data or {}
    dusun, rt, rw = _home(session, request)
    wanted: dict[str, Any] = {
        "business_name": _text(form.get("nama_usaha")) if policy.allows("business_name") else None,
        "kind": _text(form.get("jenis_usaha")) if policy.allows("business_kind") else None,
        "since": _text(form.get("mulai_usaha")) if policy.allows("since") else None,
        "dusun": _text(dusun) if policy.allows("dusun") else None,
        "rt": _digits(rt) if policy.allows("rt_rw") else None,
        "rw": _digits(rw) if policy.allows("rt_rw") else None,
        "owner_name": _text(request.applicant_name) if policy.allows("owner_name") else None,
    }
    while True:
        try:
            return events.UmkmEntry(code=request.public_code, **wanted)
        except ValidationError as exc:
            refused = {str(e["loc"][0]) for e in exc.errors() if e["loc"]} & set(wanted)
            refused = {name for name in refused if wanted[name] is not None}
            if not refused:
                raise
            # The field names only: the values may be exactly what must not be logged.
            log.warning(
                "UMKM entry %s: left out %s (refused by the event schema)",
                request.public_code,
                ", ".join(sorted(refused)),
            )
            for name in refused:
                wanted[name] = None


def is_business_letter(request: LetterRequest) -> bool:
    return request.letter_type.code in UMKM_LETTER_TYPES


def record_if_allowed(session: Session, request: LetterRequest) -> bool:
    """Appends `register.umkm` for a business letter just issued, if the policy sends the
    register. Returns whether it did."""
    if not is_business_letter(request):
        return False
    policy = register_policy.get(session)
    if not policy.send_umkm:
        return False
    outbox.record(session, entry_for(session, request, policy))
    return True


def letter_type_titles(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(LetterType.title)
            .where(LetterType.code.in_(UMKM_LETTER_TYPES))
            .order_by(LetterType.title)
        )
    )


def issued_count(session: Session) -> int:
    return len(_issued_requests(session))


def _issued_requests(session: Session) -> list[LetterRequest]:
    return list(
        session.scalars(
            select(LetterRequest)
            .join(Letter, Letter.request_id == LetterRequest.id)
            .join(LetterType, LetterType.id == LetterRequest.letter_type_id)
            .where(LetterType.code.in_(UMKM_LETTER_TYPES))
            .order_by(Letter.id)
        )
    )


def send_issued(session: Session, *, actor: Actor) -> int:
    """Sends every business letter issued so far under today's policy (the admin's
    "kirim juga yang sudah terbit"). Sending twice is harmless: the hub keeps one entry
    per village and pickup code, the latest. Returns how many went into the outbox."""
    policy = register_policy.get(session)
    if not policy.send_umkm:
        return 0
    sent = 0
    for request in _issued_requests(session):
        outbox.record(session, entry_for(session, request, policy))
        sent += 1
    audit.record(
        session,
        actor=actor,
        action="register_umkm_backfill",
        details={"entries": sent, "fields": policy.allowed},
    )
    return sent
