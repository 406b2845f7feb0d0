"""Form schemas of letter types, and checking a filled form against one.

A schema is a list of FieldSpec. The same schema drives the phone form, the kiosk form
and the server's checks, so a rule is written once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from loket_protocol.fields import NUMBER_RE, PHONE_RE, normalize_phone
from office_server.clock import today_local
from office_server.errors import ValidationFailed
from office_server.residents.nik import NikError, validate_nik

FieldType = Literal["text", "textarea", "date", "nik", "select", "number", "phone"]

_DEFAULT_MAX = {"text": 120, "textarea": 500, "phone": 16, "nik": 16, "number": 15}
FIELD_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
FIELD_NAME_RE = re.compile(FIELD_NAME_PATTERN)


class FieldSpec(BaseModel):
    name: str = Field(pattern=FIELD_NAME_PATTERN)
    label: str
    label_en: str | None = None
    type: FieldType = "text"
    required: bool = True
    options: list[str] | None = None
    max_length: int | None = None
    help: str | None = None
    # For dates: "past" (birth, death) or "any".
    when: Literal["past", "future", "any"] = "any"


def parse_schema(raw: list[dict[str, Any]]) -> list[FieldSpec]:
    return [FieldSpec.model_validate(item) for item in raw]


def clean_form(
    schema: list[FieldSpec],
    data: Mapping[str, Any],
    *,
    today: date | None = None,
    partial: bool = False,
) -> dict[str, str]:
    """Returns the cleaned values (all strings) or raises ValidationFailed with every problem.

    `data` has been through the one normalisation of resident input
    (`requests.submission.normalize_input`): NFC, "\n" line breaks, no control, hidden or
    broken characters. This checks what each field's type asks of it. `partial` (a draft
    filled at the counter) checks the values given and lets required ones wait.
    """
    today = today or today_local()
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    known = {spec.name for spec in schema}
    for key in data:
        if key not in known:
            errors[f"form_data.{key}"] = "Isian ini tidak dikenal untuk jenis surat ini."
    for spec in schema:
        raw = data.get(spec.name)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if spec.required and not partial:
                errors[f"form_data.{spec.name}"] = f"{spec.label} wajib diisi."
            continue
        problem = _check(spec, value, today)
        if problem:
            errors[f"form_data.{spec.name}"] = problem
        else:
            cleaned[spec.name] = _normalize(spec, value)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _check(spec: FieldSpec, value: str, today: date) -> str | None:
    limit = spec.max_length or _DEFAULT_MAX.get(spec.type, 120)
    if spec.type == "number" and not NUMBER_RE.match(value):
        # Before the length: "2010.5" for a year is a wrong number, not a long one.
        return (
            f"{spec.label} harus berupa angka bulat, tanpa koma atau desimal "
            "(contoh 2010 atau 1.500.000)."
        )
    if len(value) > limit:
        return f"{spec.label} terlalu panjang (paling banyak {limit} karakter)."
    if spec.type == "date":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return f"{spec.label}: tanggal tidak valid (contoh 2024-08-17)."
        if spec.when == "past" and day > today:
            return f"{spec.label} tidak boleh di masa depan."
        if day.year < 1900:
            return f"{spec.label}: tahun tidak masuk akal."
    elif spec.type == "nik":
        try:
            validate_nik(value, today=today)
        except NikError as exc:
            return f"{spec.label}: {exc.message}"
    elif spec.type == "select":
        if spec.options and value not in spec.options:
            return f"{spec.label}: pilih salah satu dari daftar."
    elif spec.type == "phone" and not PHONE_RE.match(normalize_phone(value)):
        return f"{spec.label}: nomor HP tidak valid (contoh 081234567890)."
    return None


def _normalize(spec: FieldSpec, value: str) -> str:
    if spec.type in {"nik", "phone"}:
        return value.replace(" ", "").replace("-", "").replace(".", "")
    if spec.type == "number":
        return value.replace(".", "")
    return value
