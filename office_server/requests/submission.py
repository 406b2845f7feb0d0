"""What a request must satisfy before it is filed: the NIK, the name, the letter type's
form, the channel, and agreement between the NIK, the form and the village register.

`check_submission` is the review step of the resident's form; `requests.service.create`
runs the same checks when the request is really filed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from loket_protocol.fields import PHONE_RE, normalize_phone
from office_server.errors import Forbidden, ValidationFailed
from office_server.letter_types import service as letter_types
from office_server.letter_types.forms import clean_form
from office_server.letter_types.models import LetterType
from office_server.requests.models import Channel
from office_server.residents import service as residents
from office_server.residents.nik import APPLICANT_MIN_AGE, NikError, NikInfo, validate_nik

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
    registered = residents.find_by_nik(session, nik=nik)
    if registered is not None and registered.birth_date != birth:
        errors["applicant_nik"] = "NIK tidak cocok dengan data kependudukan desa."
    return errors


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
    form_data: dict[str, Any],
    channel: Channel = Channel.WEB,
    today: date | None = None,
) -> Checked:
    """Every check of a request before it is filed: the review step of the resident's
    form, and `requests.service.create` again when the request is really filed.

    Raises ValidationFailed with every problem at once (or Forbidden for a counter-only
    type on another channel).
    """
    lt = letter_types.get_by_code(session, code=letter_type_code)
    check_channel(lt, channel)
    nik, name, form = check_all(
        session,
        lt,
        applicant_nik=applicant_nik,
        applicant_name=applicant_name,
        form_data=form_data,
        today=today,
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
    form_data: dict[str, Any],
    today: date | None,
) -> tuple[NikInfo, str, dict[str, str]]:
    """Every check of a submission at once, so the resident sees all problems together."""
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
        cleaned = clean_form(lt.fields, form_data, today=today)
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
