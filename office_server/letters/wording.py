"""What a letter says: the data rows and the statement, built from the request's form."""

from __future__ import annotations

import re
import string
from datetime import date
from typing import Any

from office_server.letter_types.forms import FieldSpec
from office_server.letter_types.models import LetterType
from office_server.letters.context import format_tanggal

# Rows in the order of the standard letter; a field missing from a type's form is skipped.
_PERSON_ROWS = (
    ("jenis_kelamin", "Jenis Kelamin"),
    ("agama", "Agama"),
    ("status_perkawinan", "Status Perkawinan"),
    ("pekerjaan", "Pekerjaan"),
    ("alamat", "Alamat"),
)


def _display(value: str) -> str:
    """ISO dates from the form read as '17 Agustus 1945' in the letter."""
    try:
        return format_tanggal(date.fromisoformat(value)) if len(value) == 10 else value
    except ValueError:
        return value


# Not printed as rows: the purpose has its own sentence, the phone is for the office only.
_NOT_ROWS = frozenset({"keperluan", "no_hp", "tempat_lahir", "tanggal_lahir"})
_HINT = re.compile(r"\s*\((contoh|untuk)[^)]*\)$", re.IGNORECASE)


def _rupiah(value: str) -> str:
    """1500000 -> 1.500.000 (Indonesian thousands separator)."""
    return f"{int(value):,}".replace(",", ".") if value.isdigit() else value


def _row(spec: FieldSpec, value: str) -> tuple[str, str]:
    label = _HINT.sub("", spec.label)
    if spec.type == "number" and "(Rp)" in label:
        return label.replace(" (Rp)", ""), "Rp " + _rupiah(value)
    return label, _display(value)


def data_rows(
    letter_type: LetterType, applicant_name: str, applicant_nik: str, form: dict[str, Any]
) -> list[tuple[str, str]]:
    """The label : value rows. Templates group them by label (see templates/letters/README)."""
    schema = letter_type.fields
    names = {spec.name for spec in schema}
    person_rows = [(n, label) for n, label in _PERSON_ROWS if n in names]
    about_applicant = "tanggal_lahir" in names
    rows: list[tuple[str, str]] = []
    if about_applicant:
        rows += [("Nama", applicant_name), ("NIK", applicant_nik)]
        born = ", ".join(
            p for p in (form.get("tempat_lahir", ""), _display(form.get("tanggal_lahir", ""))) if p
        )
        if born:
            rows.append(("Tempat/Tgl. Lahir", born))
        rows += [(label, str(form[name])) for name, label in person_rows if form.get(name)]
    skip = _NOT_ROWS | ({n for n, _ in person_rows} if about_applicant else set())
    rows += [_row(spec, str(form[spec.name])) for spec in schema
             if spec.name not in skip and form.get(spec.name)]  # fmt: skip
    if not about_applicant:
        # A birth or death is reported by the applicant about someone else.
        rows += [("Nama pelapor", applicant_name), ("NIK pelapor", applicant_nik)]
    return rows


class _FormValues(string.Formatter):
    """Fills {field} placeholders; unknown names stay visible instead of failing."""

    def get_value(self, key: int | str, args: Any, kwargs: Any) -> Any:
        if isinstance(key, int) or key not in kwargs:
            return "{" + str(key) + "}"
        return kwargs[key]

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        # No attribute or index access: body templates are typed by admins.
        return self.get_value(field_name, args, kwargs), field_name


def statement(letter_type: LetterType, village_name: str, form: dict[str, Any]) -> str:
    values = {k: _display(str(v)) for k, v in form.items()}
    for spec in letter_type.fields:
        if spec.name in values and spec.type == "number" and "(Rp)" in spec.label:
            values[spec.name] = _rupiah(values[spec.name])
    values["desa"] = village_name
    try:
        return _FormValues().format(letter_type.body_template, **values)
    except (ValueError, IndexError):
        return letter_type.body_template


def purpose(form: dict[str, Any]) -> str:
    return str(form.get("keperluan") or "").strip()
