"""What a request must satisfy before it is filed: the NIK, the name, the letter type's
form, the channel, and agreement between the NIK, the form and the village register.

`normalize_input` is the one normalisation of every string a resident (or an operator
correcting a request) supplies; `check_submission` is the review step of the resident's
form; `requests.service.create` runs the same checks when the request is really filed,
and `requests.service.correct_fields` normalises its changes the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from loket_protocol.fields import PHONE_RE, TextRefused, clean_text, normalize_phone
from office_server.errors import Forbidden, ValidationFailed
from office_server.letter_types import service as letter_types
from office_server.letter_types.forms import FIELD_NAME_RE, FieldSpec, clean_form
from office_server.letter_types.models import LetterType
from office_server.requests import prefill
from office_server.requests.models import Channel
from office_server.residents import service as residents
from office_server.residents.nik import APPLICANT_MIN_AGE, NikError, NikInfo, validate_nik

# The labels of the strings outside the form, for the messages of normalize_input.
INPUT_LABELS = {
    "letter_type": "Jenis surat",
    "applicant_nik": "NIK",
    "applicant_name": "Nama",
    "phone": "Nomor HP",
    "reason": "Alasan",
}


def normalize_input(
    strings: Mapping[str, Any],
    form_data: Mapping[str, Any] | None = None,
    *,
    fields: Sequence[FieldSpec] = (),
) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """The one normalisation step of resident-supplied input, before anything reads it.

    Every channel passes here (web form, JSON API, kiosk form, offline QR, the resident's
    and the operator's corrections): `strings` are the values outside the form, keyed as
    in INPUT_LABELS, `form_data` the letter type's form, `fields` its schema (for the
    labels in the messages). Each string becomes NFC with "\n" line breaks
    (`loket_protocol.fields.clean_text`); a number sent as JSON becomes its digits, so
    2010.5 stays "2010.5" for the form's check to refuse. None stays None (not given).

    Returns (strings, form_data) normalised, or raises ValidationFailed with a message
    per field: a lone surrogate, a control character or a hidden direction or formatting
    character, a long run of combining marks, a list or object where text belongs, and a
    form key that is no field name (never echoed back).
    """
    labels = {spec.name: spec.label for spec in fields}
    errors: dict[str, str] = {}

    def one(key: str, label: str, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str | int | float):  # a list or an object (offline QR)
            errors[key] = f"{label} harus berupa teks atau angka."
            return None
        try:
            return clean_text(_as_text(value))
        except TextRefused as refused:
            errors[key] = f"{label} {refused.message}"
            return None

    clean_strings = {
        key: one(key, INPUT_LABELS.get(key, "Isian ini"), value) for key, value in strings.items()
    }
    form: dict[str, str | None] = {}
    for key, value in (form_data or {}).items():
        if not (isinstance(key, str) and FIELD_NAME_RE.match(key)):
            errors["form_data"] = "Ada isian yang tidak dikenal untuk jenis surat ini."
            continue
        form[key] = one(f"form_data.{key}", labels.get(key, "Isian ini"), value)
    if errors:
        raise ValidationFailed(errors)
    return clean_strings, form


def _as_text(value: Any) -> str:
    # A JSON number for a number field: 2010 and 2010.0 are "2010"; 2010.5 stays "2010.5"
    # (str() then dropping the dots would have made it "20105").
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_NAME_RE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .,'\u2019`-])*$", re.UNICODE)


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed({"applicant_name": "Nama wajib diisi."})
    if len(cleaned) > 120:
        raise ValidationFailed({"applicant_name": "Nama terlalu panjang (paling banyak 120)."})
    if not _NAME_RE.match(cleaned):
        raise ValidationFailed(
            {"applicant_name": "Nama hanya boleh berisi huruf, spasi, titik, koma, dan tanda '."}
        )
    return cleaned


def check_consistency(
    session: Session, nik: str, birth: date, sex: str, form: dict[str, str]
) -> dict[str, str]:
    """The NIK carries the birth date and sex; the form and the register must agree."""
    errors: dict[str, str] = {}
    if form.get("tanggal_lahir") and form["tanggal_lahir"] != birth.isoformat():
        errors["form_data.tanggal_lahir"] = (
            "Tanggal lahir tidak sama dengan tanggal lahir pada NIK. Periksa lagi keduanya."
        )
    expected_sex = "Perempuan" if sex == "P" else "Laki-laki"
    if form.get("jenis_kelamin") and form["jenis_kelamin"] != expected_sex:
        errors["form_data.jenis_kelamin"] = (
            "Jenis kelamin tidak sesuai dengan NIK (untuk perempuan tanggal lahir pada NIK "
            "ditambah 40)."
        )
    errors.update(check_dates(form))
    registered = residents.find_by_nik(session, nik=nik)
    if registered is not None and registered.birth_date != birth:
        errors["applicant_nik"] = "NIK tidak cocok dengan data kependudukan desa."
    return errors


# (earlier, later, the message when the later date comes first): dates within one form
# that only one order can be true of.
_DATE_ORDER = (
    ("tanggal_lahir_almarhum", "tanggal_meninggal", "Tanggal meninggal sebelum tanggal lahir."),
    ("tanggal_lahir_ibu", "tanggal_lahir_bayi", "Tanggal lahir ibu harus sebelum kelahiran anak."),
    (
        "tanggal_lahir_ayah",
        "tanggal_lahir_bayi",
        "Tanggal lahir ayah harus sebelum kelahiran anak.",
    ),
    ("tanggal_berangkat", "tanggal_kembali", "Tanggal kembali sebelum tanggal berangkat."),
)


def check_dates(form: dict[str, str]) -> dict[str, str]:
    """Dates of one form that contradict each other (a death before the birth)."""
    errors: dict[str, str] = {}
    for earlier, later, message in _DATE_ORDER:
        if form.get(earlier) and form.get(later) and form[later] < form[earlier]:
            errors[f"form_data.{later}"] = message
    return errors


class Given(NamedTuple):
    """A submission as given, after normalize_input; its letter type may be inactive."""

    letter_type: LetterType
    applicant_nik: str
    applicant_name: str
    form_data: dict[str, str | None]
    phone: str | None


def normalize_submission(
    session: Session,
    *,
    letter_type_code: str,
    applicant_nik: str,
    applicant_name: str,
    form_data: Mapping[str, Any],
    phone: str | None = None,
) -> Given:
    """normalize_input over a whole submission. The letter type is looked up first (its
    code normalised like the rest), so the messages name the form's fields by label."""
    code = normalize_input({"letter_type": letter_type_code})[0]["letter_type"] or ""
    lt = letter_types.get_any(session, code=code)
    strings, form = normalize_input(
        {"applicant_nik": applicant_nik, "applicant_name": applicant_name, "phone": phone},
        form_data,
        fields=lt.fields,
    )
    return Given(
        lt, strings["applicant_nik"] or "", strings["applicant_name"] or "", form, strings["phone"]
    )


class Checked(NamedTuple):
    letter_type: LetterType
    nik: NikInfo
    name: str
    form: dict[str, str]


def check_submission(
    session: Session,
    *,
    letter_type_code: str,
    applicant_nik: str,
    applicant_name: str,
    form_data: Mapping[str, Any],
    channel: Channel = Channel.WEB,
    today: date | None = None,
    short_form: bool = False,
) -> Checked:
    """Every check of a request before it is filed: the review step of the resident's
    form, and `requests.service.create` again when the request is really filed.

    A `short_form` (requests/prefill.py) leaves out the fields the register holds; it is
    checked without them, and matching it to the register is the caller's next step.

    Raises ValidationFailed with every problem at once (or Forbidden for a counter-only
    type on another channel).
    """
    given = normalize_submission(
        session,
        letter_type_code=letter_type_code,
        applicant_nik=applicant_nik,
        applicant_name=applicant_name,
        form_data=form_data,
    )
    lt = letter_types.get_by_code(session, code=given.letter_type.code)
    check_channel(lt, channel)
    nik, name, form = check_all(
        session,
        lt,
        applicant_nik=given.applicant_nik,
        applicant_name=given.applicant_name,
        form_data=given.form_data,
        today=today,
        short_form=short_form,
    )
    return Checked(lt, nik, name, form)


def check_channel(lt: LetterType, channel: Channel) -> None:
    if not lt.self_service and channel != Channel.COUNTER:
        raise Forbidden(
            f"{lt.title} dilayani langsung di loket kantor desa. Silakan datang dengan "
            "membawa persyaratannya.",
            f"'{lt.title}' is handled at the office counter only.",
            code="counter_only",
        )


def check_all(
    session: Session,
    lt: LetterType,
    *,
    applicant_nik: str,
    applicant_name: str,
    form_data: Mapping[str, Any],
    today: date | None,
    short_form: bool = False,
) -> tuple[NikInfo, str, dict[str, str]]:
    """Every check of a submission at once, so the resident sees all problems together.
    The input has been through normalize_input."""
    errors: dict[str, str] = {}
    nik_info = None
    try:
        nik_info = validate_nik(applicant_nik, today=today, min_age=APPLICANT_MIN_AGE)
    except NikError as exc:
        errors["applicant_nik"] = exc.message
    name = applicant_name
    try:
        name = check_name(applicant_name)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    cleaned: dict[str, str] = {}
    try:
        cleaned = clean_form(prefill.schema(lt, prefilled=short_form), form_data, today=today)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if nik_info is not None and not errors:
        errors.update(
            check_consistency(session, nik_info.nik, nik_info.birth_date, nik_info.sex, cleaned)
        )
    if errors or nik_info is None:
        raise ValidationFailed(errors)
    return nik_info, name, cleaned


def check_phone(phone: str | None) -> str | None:
    """An Indonesian mobile number for news about the letter, or None."""
    cleaned = normalize_phone(phone or "")
    if not cleaned:
        return None
    if not PHONE_RE.match(cleaned):
        raise ValidationFailed({"phone": "Nomor HP tidak valid (contoh 081234567890)."})
    return cleaned
