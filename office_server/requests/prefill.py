"""Pre-fill without exposure: the short form, the register's values in the letter, and the
operator's side-by-side view (issue 15).

A request that matched the register (`register_resident_id`) stores only what was typed;
the letter takes the register-held fields (residents/prefill.py) from the register, in
proper case, where the register has a value. The register's values go to the letter and
to operators (audited like `/operator/penduduk`), never into `form_data` and never to a
resident-facing page, so knowing a NIK and a birth date reveals no religion or address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.errors import ValidationFailed
from office_server.letter_types.forms import FieldSpec
from office_server.letter_types.models import LetterType
from office_server.requests.models import LetterRequest
from office_server.residents import prefill as register
from office_server.residents.models import Resident
from office_server.residents.nik import NikInfo

# One message whatever did not agree (NIK, name, birth date, or no register row at all).
NO_MATCH_MESSAGE = (
    "Data Anda belum dapat dicocokkan dengan data kependudukan desa. Silakan lengkapi "
    "semua isian di bawah; petugas desa akan memeriksanya."
)
NO_MATCH_FIELD = "register"
# Asked on the short form beside NIK and name, though the register holds them: the match.
MATCH_FIELDS = register.MATCH_FIELDS


class NoRegisterMatch(ValidationFailed):
    """A short form whose NIK, name and birth date match no resident of the register."""

    def __init__(self) -> None:
        super().__init__({NO_MATCH_FIELD: NO_MATCH_MESSAGE}, NO_MATCH_MESSAGE)


def _held(spec: FieldSpec) -> bool:
    return spec.name in register.REGISTER_FIELDS and spec.name not in register.MATCH_FIELDS


def type_offers_short_form(lt: LetterType) -> bool:
    """The applicant is the form's subject (it asks their birth date) and the register
    holds more of it: the letter types filed for someone else keep their full form."""
    names = {spec.name for spec in lt.fields}
    return names >= register.MATCH_FIELDS and any(_held(spec) for spec in lt.fields)


def offers_short_form(session: Session, lt: LetterType) -> bool:
    return type_offers_short_form(lt) and register.has_register(session)


def short_fields(lt: LetterType) -> list[FieldSpec]:
    """What the short form asks: the birth date to match, then the letter's own fields."""
    return [spec for spec in lt.fields if not _held(spec)]


def schema(lt: LetterType, *, prefilled: bool) -> list[FieldSpec]:
    """The schema a request is checked against: for one the register fills, the fields it
    holds may stay empty (they come from the register)."""
    if not prefilled:
        return lt.fields
    return [spec.model_copy(update={"required": False}) if _held(spec) else spec
            for spec in lt.fields]  # fmt: skip


def resident_fields(req: LetterRequest) -> list[FieldSpec]:
    """The fields a resident sees of their own request (status page, corrections): for a
    pre-filled one, what they typed; the register-held fields left empty stay hidden."""
    if req.register_resident_id is None:
        return req.letter_type.fields
    return [s for s in req.letter_type.fields if not _held(s) or req.form_data.get(s.name)]


def operator_fields(req: LetterRequest) -> list[FieldSpec]:
    """The fields an operator edits on the request; the register-held ones of a pre-filled
    request are corrected in the register (the letter takes them from there)."""
    if req.register_resident_id is None:
        return req.letter_type.fields
    return [spec for spec in req.letter_type.fields if not _held(spec)]


def match_applicant(
    session: Session, lt: LetterType, *, nik: NikInfo, name: str, form: dict[str, str]
) -> Resident | None:
    """The register row of the applicant, when the form is about them and NIK, name and
    birth date (typed, else the NIK's) all agree."""
    if not type_offers_short_form(lt):
        return None
    typed = form.get("tanggal_lahir")
    try:
        birth = date.fromisoformat(typed) if typed else nik.birth_date
    except ValueError:
        return None
    return register.match(session, nik=nik.nik, name=name, birth_date=birth)


def _resident(session: Session, req: LetterRequest) -> Resident | None:
    if req.register_resident_id is None:
        return None
    return session.get(Resident, req.register_resident_id)


def _options(lt: LetterType) -> dict[str, list[str] | None]:
    return {spec.name: spec.options for spec in lt.fields if _held(spec)}


def letter_form(session: Session, req: LetterRequest) -> dict[str, Any]:
    """The form the letter is written from: what was typed, with the register's values
    (proper case) in the fields it holds, where it has one."""
    resident = _resident(session, req)
    if resident is None:
        return dict(req.form_data)
    filled = {k: v for k, v in register.letter_values(resident, _options(req.letter_type)).items()
              if v}  # fmt: skip
    return {**req.form_data, **filled}


def letter_name(session: Session, req: LetterRequest) -> str:
    """The name the letter prints: the register's spelling (it matched the typed one but
    for case, spaces and punctuation: "H." rather than "h"), else what was typed."""
    resident = _resident(session, req)
    return resident.name if resident is not None else req.applicant_name


@dataclass(frozen=True)
class Row:
    label: str
    register: str
    typed: str
    uses: str  # "register" or "typed": which one the letter prints
    mismatch: bool


@dataclass(frozen=True)
class SideBySide:
    resident_id: int
    rows: list[Row]

    @property
    def mismatches(self) -> int:
        return sum(row.mismatch for row in self.rows)


def side_by_side(session: Session, req: LetterRequest, *, actor: Actor | None) -> SideBySide | None:
    """Register and typed values per register-held field, for the operator's request page.
    Reading the register is audited like `/operator/penduduk` (who, which row, for which
    request), when an `actor` is given."""
    resident = _resident(session, req)
    if resident is None:
        return None
    if actor is not None:
        audit.record(
            session,
            actor=actor,
            action="resident_view",
            details={"resident_id": resident.id, "request_id": req.id},
        )
    rows = []
    for spec in req.letter_type.fields:
        if spec.name not in register.REGISTER_FIELDS:
            continue
        value = register.letter_value(resident, spec.name, spec.options)
        typed = str(req.form_data.get(spec.name) or "")
        rows.append(
            Row(
                label=spec.label,
                register=value,
                typed=typed,
                uses="register" if value else "typed",
                mismatch=bool(typed) and not register.same(value, typed),
            )
        )
    return SideBySide(resident.id, rows)
