"""Checks on what residents type, written like the server's so errors show before sending."""

from __future__ import annotations

import re
from datetime import date

from kiosk_app.api_client import FormField
from kiosk_app.i18n import tr
from loket_protocol.fields import PHONE_RE, normalize_phone

NUMERIC_TYPES = {"nik", "number", "phone", "date"}
# Top-level fields every request needs, shown first.
NIK = FormField(name="applicant_nik", label="", type="nik", required=True, max_length=16)
NAME = FormField(name="applicant_name", label="", type="text", required=True, max_length=120)
PHONE = FormField(name="phone", label="", type="phone", required=False, max_length=16)


def parse_date(text: str) -> str | None:
    """'17-08-1990' or '17081990' -> '1990-08-17'; None if not a real date."""
    digits = re.sub(r"\D", "", text)
    if len(digits) != 8:
        return None
    try:
        return date(int(digits[4:]), int(digits[2:4]), int(digits[:2])).isoformat()
    except ValueError:
        return None


def check_value(spec: FormField, value: str, lang: str, label: str) -> tuple[str, str | None]:
    """(value to send, error message or None) for one field, checked like the server does."""
    value = value.strip()
    if not value:
        return value, tr("form_err_required", lang, label=label) if spec.required else None
    if spec.max_length and len(value) > spec.max_length:
        return value, tr("form_err_long", lang, label=label)
    if spec.type == "nik" and not re.fullmatch(r"\d{16}", value):
        return value, tr("form_err_nik", lang)
    if spec.type == "number" and not re.fullmatch(r"\d+", value):
        return value, tr("form_err_number", lang, label=label)
    if spec.type == "phone":
        value = normalize_phone(value)
        if not PHONE_RE.match(value):
            return value, tr("form_err_phone", lang)
    if spec.type == "date":
        iso = parse_date(value)
        return (iso or value), (None if iso else tr("form_err_date", lang))
    return value, None
