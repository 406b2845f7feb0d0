"""What a letter says: the data rows and the statement, built from the request's form."""

from __future__ import annotations

import string
from datetime import date
from typing import Any

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


def data_rows(
    letter_type: LetterType, applicant_name: str, applicant_nik: str, form: dict[str, Any]
) -> list[tuple[str, str]]:
    rows = [("Nama", applicant_name), ("NIK", applicant_nik)]
    if form.get("tempat_lahir") or form.get("tanggal_lahir"):
        born = ", ".join(
            p for p in (form.get("tempat_lahir", ""), _display(form.get("tanggal_lahir", ""))) if p
        )
        rows.append(("Tempat/Tgl. Lahir", born))
    rows += [(label, str(form[name])) for name, label in _PERSON_ROWS if form.get(name)]
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
    values["desa"] = village_name
    try:
        return _FormValues().format(letter_type.body_template, **values)
    except (ValueError, IndexError):
        return letter_type.body_template


def purpose(form: dict[str, Any]) -> str:
    return str(form.get("keperluan") or "").strip()
