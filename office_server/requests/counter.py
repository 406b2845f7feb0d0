"""Requests entered at the counter (loket) by an operator for a walk-in resident.

Any letter type, counter-only ones (kelahiran, kematian, pindah) included, through the same
normalisation and checks as every other channel. A half-filled form can wait as a draft
(status `draft`, required fields not yet asked for); submitting it checks it whole. The
pickup secret the resident gets on the printed receipt is made when the request is
submitted, so a draft left on the desk holds no secret anyone saw.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.database import utcnow
from office_server.errors import ValidationFailed
from office_server.letter_types.forms import clean_form
from office_server.requests import lifecycle, service, submission
from office_server.requests.lifecycle import Status
from office_server.requests.models import Channel, LetterRequest
from office_server.residents.nik import APPLICANT_MIN_AGE, NikError, validate_nik
from office_server.security import new_secret, sha256_hex


def save_draft(
    session: Session,
    *,
    letter_type_code: str,
    applicant_nik: str,
    applicant_name: str,
    form_data: dict[str, Any],
    phone: str | None,
    actor: Actor,
) -> LetterRequest:
    """A counter request kept as a draft: the NIK and name are checked (the operator has
    the KTP in hand), the form only for the values already typed."""
    given = submission.normalize_submission(
        session,
        letter_type_code=letter_type_code,
        applicant_nik=applicant_nik,
        applicant_name=applicant_name,
        form_data=form_data,
        phone=phone,
    )
    lt = given.letter_type
    errors: dict[str, str] = {}
    nik = given.applicant_nik
    try:
        nik = validate_nik(given.applicant_nik, min_age=APPLICANT_MIN_AGE).nik
    except NikError as exc:
        errors["applicant_nik"] = exc.message
    name = given.applicant_name
    try:
        name = submission.check_name(given.applicant_name)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    cleaned: dict[str, str] = {}
    try:
        cleaned = clean_form(lt.fields, given.form_data, partial=True)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        checked_phone = submission.check_phone(given.phone)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        checked_phone = None
    if errors:
        raise ValidationFailed(errors)
    request = LetterRequest(
        public_code=service.unique_code(session),
        letter_type_id=lt.id,
        letter_type=lt,
        channel=Channel.COUNTER,
        applicant_nik=nik,
        applicant_name=name,
        phone=checked_phone or cleaned.get("no_hp") or None,
        form_data=cleaned,
        status=Status.DRAFT,
        # Replaced on submit: the resident's secret is the one printed on the receipt.
        secret_hash=sha256_hex(new_secret()),
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        request_id=request.id,
        to_status=Status.DRAFT,
        details={"channel": str(Channel.COUNTER), "letter_type": lt.code},
    )
    return request


def submit_draft(session: Session, request: LetterRequest, *, actor: Actor) -> str:
    """Checks the draft whole, files it (draft → submitted) and returns the new pickup
    secret for the receipt."""
    if not lifecycle.can(request, "submit"):
        raise lifecycle.refusal(request, "submit")
    checked = submission.check_all(
        session,
        request.letter_type,
        applicant_nik=request.applicant_nik,
        applicant_name=request.applicant_name,
        form_data=request.form_data,
        today=None,
    )
    request.form_data = checked[2]
    lifecycle.apply(session, request, "submit", actor=actor)
    return new_pickup_secret(request)


def file_now(
    session: Session,
    *,
    letter_type_code: str,
    applicant_nik: str,
    applicant_name: str,
    form_data: dict[str, Any],
    phone: str | None,
    actor: Actor,
) -> tuple[LetterRequest, str]:
    """A complete counter request, filed at once like any other channel's."""
    request, secret, _ = service.create(
        session,
        letter_type_code=letter_type_code,
        applicant_nik=applicant_nik,
        applicant_name=applicant_name,
        form_data=form_data,
        phone=phone,
        channel=Channel.COUNTER,
        actor=actor,
    )
    return request, secret


def new_pickup_secret(request: LetterRequest) -> str:
    """A fresh pickup secret (a lost receipt reprinted voids the old one)."""
    secret = new_secret()
    request.secret_hash = sha256_hex(secret)
    request.updated_at = utcnow()
    return secret
