"""What the register holds of a letter's form, and finding the resident who files one.

The one mapping from the letter types' field names (letter_types/catalog.py) to register
columns lives here: the short form leaves these fields out, the letter takes them from
the register, the operator sees both side by side. Only the applicant's own fields: a
`nama_ayah` or an `alamat_usaha` is never the register's.

Matching (`match`) needs NIK, name and birth date together and says only "this one" or
nothing: it never tells which part did not agree, and nothing here returns a register
value to a resident (the values go to the letter and to operators only).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from office_server.residents.models import Resident
from office_server.residents.proper_case import proper_case

# Form field name -> register column (residents.models.Resident).
REGISTER_FIELDS: dict[str, str] = {
    "no_kk": "no_kk",
    "tempat_lahir": "birth_place",
    "tanggal_lahir": "birth_date",
    "jenis_kelamin": "sex",
    "agama": "religion",
    "status_perkawinan": "marital_status",
    "pendidikan": "education",
    "pekerjaan": "occupation",
    "kewarganegaraan": "citizenship",
    "alamat": "address",
    "rt": "rt",
    "rw": "rw",
    "dusun": "dusun",
}
# Held by the register, yet asked on the short form: the birth date is part of the match.
MATCH_FIELDS = frozenset({"tanggal_lahir"})
# Written as on the KTP: kept exactly (digits, codes).
_AS_IS = frozenset({"no_kk", "rt", "rw", "kewarganegaraan"})
_SEX = {"L": "Laki-laki", "P": "Perempuan"}
# Register words that differ from the letter types' options by more than case and spacing
# (OpenSID's reference tables spell them so).
_OPTION_ALIASES = {
    "KATHOLIK": "Katolik",
    "BUDHA": "Buddha",
    "KEPERCAYAANTERHADAPTUHANYMELAINNYA": "Kepercayaan",
    "AKADEMIDIPLOMAIIISMUDA": "Akademi/Diploma III/Sarjana Muda",
    "ORANGTUA": "Orang Tua",
}


def has_register(session: Session) -> bool:
    """Whether the village has imported its register (one resident is enough)."""
    return session.scalars(select(Resident.id).limit(1)).first() is not None


def name_key(name: str) -> str:
    """A name as matching compares it: letters only, case-folded, accents dropped.

    Forgiving of what a phone keyboard and the KTP write differently (case, spaces,
    "Nur'aini" / "Nur Aini" / "Nuraini", "Moh." / "Moh"), strict on the letters: a typo or
    a dropped word does not match, since together with the NIK (which carries the birth
    date) the name is what keeps one person's match from being guessed by another.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    letters = (c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z]", "", "".join(letters).casefold())


def match(session: Session, *, nik: str, name: str, birth_date: date | None) -> Resident | None:
    """The resident with this NIK, name and birth date, or None (for any reason)."""
    resident = session.scalars(select(Resident).where(Resident.nik == nik)).first()
    if resident is None or birth_date is None or resident.birth_date != birth_date:
        return None
    key = name_key(name)
    return resident if key and key == name_key(resident.name) else None


def held_fields(field_names: Sequence[str]) -> list[str]:
    """The names among a form's that the register holds, in form order."""
    return [name for name in field_names if name in REGISTER_FIELDS]


def _option(raw: str, options: Sequence[str] | None) -> str:
    key = re.sub(r"[^A-Z]", "", raw.upper())
    if key in _OPTION_ALIASES:
        return _OPTION_ALIASES[key]
    for option in options or ():
        if re.sub(r"[^A-Z]", "", option.upper()) == key:
            return option
    return proper_case(raw)


def letter_value(resident: Resident, field_name: str, options: Sequence[str] | None) -> str:
    """One register value as the letter prints it ("" when the register has none)."""
    raw = getattr(resident, REGISTER_FIELDS[field_name])
    if isinstance(raw, date):
        return raw.isoformat()
    text = " ".join(str(raw or "").split())
    if not text:
        return ""
    if field_name == "jenis_kelamin":
        return _SEX.get(text.upper(), text)
    if field_name in _AS_IS:
        return text.upper()
    return _option(text, options)


def letter_values(resident: Resident, fields: Mapping[str, Sequence[str] | None]) -> dict[str, str]:
    """The register's values for the held ones of `fields` (name -> select options)."""
    return {name: letter_value(resident, name, opts) for name, opts in fields.items()
            if name in REGISTER_FIELDS}  # fmt: skip


def same(register_value: str, typed: str) -> bool:
    """Whether a typed value says what the register says (case, spacing, punctuation and
    leading zeros aside: "rt 1" is RT "001")."""

    def key(value: str) -> str:
        value = re.sub(r"[\W_]", "", value.casefold())
        return value.lstrip("0") if value.isdigit() else value

    return key(register_value) == key(typed)
