"""Issuing a letter when a request is signed: number, final PDF, archive, verification token.

All of it happens in the signer's transaction, so a failed render or a crash gives the
number back (no gaps) and leaves the request awaiting signature.
"""

from __future__ import annotations

import base64
import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loket_protocol import events
from loket_protocol.qr import verification_payload
from office_server import numbering
from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.clock import today_local
from office_server.config import Settings
from office_server.errors import Conflict, NotFound
from office_server.letters import signing, umkm, wording
from office_server.letters.archive import Archive
from office_server.letters.context import Layout
from office_server.letters.models import Letter
from office_server.letters.rendering import (
    LetterContent,
    TemplateError,
    VillageHeader,
    render_letter_pdf,
)
from office_server.operators.models import Operator
from office_server.requests import lifecycle, prefill
from office_server.requests.lifecycle import Status
from office_server.requests.models import LetterRequest
from office_server.sync import outbox
from office_server.village import service as village_service
from office_server.village.models import VillageProfile

# A kiosk-printed letter signed by an account without a specimen still says it was
# signed electronically (the PAdES signature is real); only the image is missing.
_NO_SPECIMEN = b""


def new_verification_token() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


_LAYOUTS: dict[str, Layout] = {
    "A4": "A4",
    "F4": "F4",
    "thermal80": "thermal80",
    "thermal58": "thermal58",
}


def layout_for(profile: VillageProfile) -> Layout:
    """The village's paper; an unknown value falls back to F4, the usual office paper."""
    return _LAYOUTS.get(profile.paper_size, "F4")


def village_header(profile: VillageProfile) -> VillageHeader:
    return VillageHeader(
        name=profile.name,
        kode_desa=profile.kode_desa,
        kecamatan=profile.kecamatan,
        kabupaten=profile.kabupaten,
        provinsi=profile.provinsi,
        address=profile.address,
        postal_code=profile.postal_code,
        phone=profile.phone,
        email=profile.email,
        logo_png=profile.logo_png,
        stamp_png=profile.stamp_png,
        head_name=profile.head_name,
        head_title=profile.head_title,
        head_nip=profile.head_nip,
    )


def letter_content(
    request: LetterRequest,
    profile: VillageProfile,
    *,
    number: str,
    issued_on: date,
    signer_name: str,
    signer_title: str,
    signer_nip: str | None,
    verification_url: str,
    signature_png: bytes | None = None,
    form: dict[str, Any] | None = None,
    applicant_name: str | None = None,
) -> LetterContent:
    """The letter's content. `signature_png` is the signer's specimen: given only when
    the letter is issued (never on a preview) and its type is printed for the kiosk.
    `form` is what the letter is written from (`requests.prefill.letter_form`: the
    register's values filled in; `applicant_name` likewise, `prefill.letter_name`); the
    request's typed form and name when not given."""
    form = request.form_data if form is None else form
    name = applicant_name or request.applicant_name
    lt = request.letter_type
    place = wording.Place(profile.name, profile.kecamatan, profile.kabupaten, profile.provinsi)
    kiosk_print = lt.print_mode != "counter" and signature_png is not None
    return LetterContent(
        # Picks the template file: `<template_name>.html`, else the generic keterangan.html.
        type_code=lt.template_name or lt.code,
        title=lt.title.upper(),
        number=number,
        issued_on=issued_on,
        place=profile.name,
        signer_name=signer_name,
        signer_title=signer_title,
        signer_nip=signer_nip,
        rows=wording.data_rows(lt, name, request.applicant_nik, form, place),
        tables=wording.tables(lt, form),
        body_paragraphs=[wording.statement(lt, form, place)],
        purpose=wording.purpose(form),
        verification_url=verification_url,
        signed_note="Ditandatangani secara elektronik" if kiosk_print else None,
        valid_until=issued_on + timedelta(days=lt.validity_days) if lt.validity_days else None,
        signature_png=signature_png if kiosk_print else None,
    )


def _render(profile: VillageProfile, content: LetterContent, layout: Layout) -> bytes:
    try:
        return render_letter_pdf(village_header(profile), content, layout=layout)
    except TemplateError as exc:
        raise Conflict(
            f"Surat belum dapat dibuat: templat surat bermasalah. {exc.message} "
            "Minta admin memperbaiki templat.",
            "The letter template is broken; an admin must fix it.",
            code="template_error",
        ) from exc


def sign(
    session: Session, request: LetterRequest, *, signer: Operator, settings: Settings
) -> Letter:
    """The village head (or sekdes) signs: the request is ready, the letter gets its number
    and final PDF, in the signer's one transaction."""
    lifecycle.apply(session, request, "sign", actor=signer.actor)
    return issue(session, request, signer=signer, settings=settings)


def preview_pdf(session: Session, request: LetterRequest, *, settings: Settings) -> bytes:
    """The letter as it will look, before it has a number; the issued PDF once it has one."""
    if request.status in (Status.READY, Status.PICKED_UP):
        return pdf_bytes(for_request(session, request_id=request.id), settings=settings)
    profile = village_service.get_profile(session)
    content = letter_content(
        request,
        profile,
        number="PRATINJAU / BELUM BERNOMOR",
        issued_on=today_local(),
        signer_name=profile.head_name,
        signer_title=profile.head_title,
        signer_nip=profile.head_nip,
        verification_url=f"{settings.public_url_upper}/V/PRATINJAU",
        form=prefill.letter_form(session, request),
        applicant_name=prefill.letter_name(session, request),
    )
    return _render(profile, content, layout_for(profile))


def record_reprint(session: Session, *, request_id: int, actor: Actor) -> Letter:
    """A reprint at the operator's counter: counted and audited."""
    letter = for_request(session, request_id=request_id)
    letter.print_count += 1
    audit.record(session, actor=actor, action="reprint", request_id=request_id)
    return letter


def issue(
    session: Session,
    request: LetterRequest,
    *,
    signer: Operator,
    settings: Settings,
    today: date | None = None,
) -> Letter:
    profile = village_service.get_profile(session)
    today = today or today_local()
    scope, sequence = numbering.allocate(
        session, scope=profile.number_scope, letter_type_code=request.letter_type.code, on=today
    )
    number = numbering.format_number(
        profile.number_format,
        kode=request.letter_type.classification_code,
        nomor=sequence,
        kode_desa=profile.kode_desa,
        on=today,
    )
    token = new_verification_token()
    # The head of the village signs in their own name; a signer account acting for them
    # (sekdes "a.n. Kepala Desa") signs with its own name and title.
    signer_name = signer.full_name
    signer_title = signer.title or profile.head_title
    content = letter_content(
        request,
        profile,
        number=number,
        issued_on=today,
        signer_name=signer_name,
        signer_title=signer_title,
        signer_nip=signer.nip,
        verification_url=verification_payload(settings.public_url_upper, token),
        signature_png=signer.signature_png or _NO_SPECIMEN,
        form=prefill.letter_form(session, request),
        applicant_name=prefill.letter_name(session, request),
    )
    layout = layout_for(profile)
    pdf = _render(profile, content, layout)
    if settings.sign_letters:
        pdf = signing.sign_pdf(pdf, data_dir=settings.data_dir, village_name=profile.name)
    sha = Archive(settings.archive_dir).store(pdf)
    letter = Letter(
        request_id=request.id,
        number=number,
        counter_scope=scope,
        year=today.year,
        sequence=sequence,
        issued_on=today,
        signer_id=signer.id,
        signer_name=signer_name,
        signer_title=signer_title,
        signer_nip=signer.nip,
        pdf_sha256=sha,
        pdf_size=len(pdf),
        paper=layout,
        verification_token=token,
    )
    session.add(letter)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        # E.g. two letter types share a classification code while each counts from 1.
        raise Conflict(
            f"Nomor surat {number} sudah dipakai surat lain. Minta admin memeriksa format "
            "nomor dan kode klasifikasi jenis surat.",
            f"Letter number {number} is already taken; check the number format.",
            code="number_taken",
        ) from exc
    outbox.record(
        session,
        events.LetterIssued(
            code=request.public_code, letter_type=request.letter_type.code, issued_on=today
        ),
    )
    # A business letter adds to the UMKM register at the hub, if the village allows it.
    umkm.record_if_allowed(session, request)
    return letter


def for_request(session: Session, *, request_id: int) -> Letter:
    letter = session.scalars(select(Letter).where(Letter.request_id == request_id)).first()
    if letter is None:
        raise NotFound("Surat belum terbit.", "The letter has not been issued yet.")
    return letter


def pdf_bytes(letter: Letter, *, settings: Settings) -> bytes:
    return Archive(settings.archive_dir).read(letter.pdf_sha256)
