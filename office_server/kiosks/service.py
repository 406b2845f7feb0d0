"""Kiosk devices and what a kiosk may do: scan a QR, fetch a ready letter, confirm printing.

Every call is safe to retry. A claim is a kiosk's attempt to print one letter; scanning
the same pickup QR again while the claim is open returns the same claim, "printed" twice
is one pick-up, and "failed" leaves the letter ready for the next try.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loket_protocol import events
from loket_protocol.qr import (
    HUB_CODE_PREFIX,
    OfflineRequestPayload,
    PayloadError,
    PickupPayload,
    VerificationPayload,
    parse,
    pickup_payload,
)
from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.config import Settings
from office_server.database import utcnow
from office_server.errors import (
    Conflict,
    DomainError,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from office_server.kiosks.models import ClaimStatus, KioskClaim, KioskDevice
from office_server.letters import service as letters
from office_server.letters.models import Letter
from office_server.requests import lifecycle
from office_server.requests import service as requests_service
from office_server.requests.lifecycle import Status
from office_server.requests.models import Channel, LetterRequest
from office_server.security import (
    OLD_SECRET_BYTES,
    SECRET_BYTES,
    matches_hash,
    new_api_key,
    new_id,
    sha256_hex,
)
from office_server.sync import outbox
from office_server.village import service as village_service


def add(session: Session, *, name: str) -> tuple[KioskDevice, str]:
    """Registers a kiosk and returns its API key; the key is shown once, stored hashed."""
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": "Nama anjungan wajib diisi."})
    if session.scalars(select(KioskDevice).where(KioskDevice.name == name)).first():
        raise Conflict("Nama anjungan sudah dipakai.", "Kiosk name already taken.")
    key = new_api_key()
    kiosk = KioskDevice(name=name, key_prefix=key[:10], key_hash=sha256_hex(key))
    session.add(kiosk)
    session.flush()
    return kiosk, key


def revoke(session: Session, *, kiosk_id: int, actor: Actor) -> KioskDevice:
    kiosk = session.get(KioskDevice, kiosk_id)
    if kiosk is None:
        raise NotFound("Anjungan tidak ditemukan.", "Kiosk not found.")
    if kiosk.revoked_at is None:
        kiosk.revoked_at = utcnow()
        audit.record(session, actor=actor, action="kiosk_revoke", details={"kiosk": kiosk.name})
    return kiosk


def authenticate(session: Session, *, api_key: str) -> KioskDevice:
    kiosk = session.scalars(
        select(KioskDevice).where(KioskDevice.key_hash == sha256_hex(api_key))
    ).first()
    if kiosk is None or kiosk.revoked_at is not None:
        raise Unauthorized(
            "Anjungan belum terdaftar atau kuncinya dicabut. Hubungi admin desa.",
            "Unknown or revoked kiosk API key.",
            code="kiosk_unauthorized",
        )
    return kiosk


def actor_for(kiosk: KioskDevice) -> Actor:
    return Actor("kiosk", kiosk.id, kiosk.name)


@dataclass
class ScanResult:
    kind: str
    outcome: str
    message: str
    message_en: str
    request: LetterRequest | None = None
    claim: KioskClaim | None = None
    letter: Letter | None = None
    # Set when the scan filed a request: its pickup QR, and the secret in it on its own.
    pickup_qr: str | None = None
    pickup_secret: str | None = None
    # The QR had been filed before: pickup_qr is the ticket given then, still valid.
    already_filed: bool = False


_OUTCOME_TEXT: dict[str, tuple[str, str]] = {
    "ready": ("Surat Anda siap dicetak.", "Your letter is ready to print."),
    "collect_at_counter": (
        "Surat Anda sudah selesai dan ditandatangani basah. Silakan ambil di loket operator "
        "dengan menunjukkan kode QR ini.",
        "Your letter is ready with a handwritten signature. Collect it at the counter.",
    ),
    Status.SUBMITTED: (
        "Permohonan Anda sedang diperiksa operator. Silakan tunggu atau tanyakan ke loket.",
        "Your request is being checked by an operator.",
    ),
    Status.DRAFT: (
        "Permohonan Anda belum lengkap. Silakan ke loket operator.",
        "Your request is incomplete. Please go to the operator counter.",
    ),
    Status.AWAITING_SIGNATURE: (
        "Surat Anda sudah disetujui dan menunggu tanda tangan Kepala Desa.",
        "Your letter is approved and awaiting the village head's signature.",
    ),
    Status.NEEDS_CORRECTION: (
        "Permohonan Anda perlu diperbaiki. Lihat pesan dari operator di bawah.",
        "Your request needs a correction; see the operator's message.",
    ),
    Status.REJECTED: ("Permohonan Anda ditolak.", "Your request was rejected."),
    Status.CANCELLED: ("Permohonan ini sudah dibatalkan.", "This request was cancelled."),
    Status.EXPIRED: (
        "Permohonan ini sudah kedaluwarsa. Silakan buat permohonan baru.",
        "This request has expired. Please file a new one.",
    ),
    Status.PICKED_UP: (
        "Surat ini sudah diambil. Jika hilang, minta cetak ulang di loket operator.",
        "This letter was already picked up. Ask the operator for a reprint.",
    ),
    # Filed from home at the hub, not here yet (the link is down): the operator can pull
    # it by its code ("Tarik dari kabupaten").
    "not_arrived": (
        "Permohonan Anda belum sampai di kantor desa. Silakan ke loket.",
        "Your request has not reached the village office yet. Please go to the counter.",
    ),
    "other_village": (
        "Kode QR ini untuk permohonan di desa lain. Silakan ke kantor desa tersebut.",
        "This QR code belongs to a request at another village.",
    ),
}

_STATUS_OUTCOME: dict[str, str] = {
    Status.SUBMITTED: "in_progress",
    Status.DRAFT: "in_progress",
    Status.AWAITING_SIGNATURE: "in_progress",
    Status.NEEDS_CORRECTION: "needs_correction",
    Status.REJECTED: "rejected",
    Status.CANCELLED: "cancelled",
    Status.EXPIRED: "expired",
    Status.PICKED_UP: "already_picked_up",
}


def scan(session: Session, *, kiosk: KioskDevice, payload: str, settings: Settings) -> ScanResult:
    try:
        parsed = parse(payload)
    except PayloadError as exc:
        return ScanResult("unknown", "invalid", str(exc), "Not a Loket Desa QR code.")
    if isinstance(parsed, VerificationPayload):
        return ScanResult(
            "verification",
            "invalid",
            "Ini kode QR pemeriksaan keaslian surat, bukan kode pengambilan. "
            "Pindai kode QR dari halaman permohonan Anda.",
            "This is a letter verification QR, not a pickup QR.",
        )
    if isinstance(parsed, OfflineRequestPayload):
        return _file_offline(session, kiosk=kiosk, data=parsed.data, settings=settings)
    return _pickup(session, kiosk=kiosk, parsed=parsed, settings=settings)


def _for_another_village(session: Session, parsed: PickupPayload, settings: Settings) -> bool:
    """A pickup QR the hub made for another village (`<hub>/<kode-desa>/S/...`)."""
    hub = (settings.hub_public_url or "").rstrip("/").upper()
    if not hub or not parsed.origin.startswith(hub + "/"):
        return False
    kode = village_service.get_profile(session).kode_desa.upper()
    return parsed.origin != f"{hub}/{kode}"


def _pickup(
    session: Session, *, kiosk: KioskDevice, parsed: PickupPayload, settings: Settings
) -> ScanResult:
    if _for_another_village(session, parsed, settings):
        text, text_en = _OUTCOME_TEXT["other_village"]
        return ScanResult("pickup", "invalid", text, text_en)
    try:
        request = requests_service.get_for_resident(session, code=parsed.code, secret=parsed.secret)
    except NotFound as exc:
        if parsed.code.startswith(HUB_CODE_PREFIX) and not requests_service.code_exists(
            session, code=parsed.code
        ):
            text, text_en = _OUTCOME_TEXT["not_arrived"]
            return ScanResult("pickup", "not_arrived", text, text_en)
        return ScanResult("pickup", "not_found", exc.message, exc.message_en)
    if request.status != Status.READY:
        text, text_en = _OUTCOME_TEXT[request.status]
        return ScanResult("pickup", _STATUS_OUTCOME[request.status], text, text_en, request)
    if request.letter_type.print_mode == "counter":
        # Left for a wet signature and the stamp: the kiosk prints nothing.
        text, text_en = _OUTCOME_TEXT["collect_at_counter"]
        return ScanResult("pickup", "collect_at_counter", text, text_en, request)
    claim = session.scalars(
        select(KioskClaim).where(
            KioskClaim.request_id == request.id,
            KioskClaim.kiosk_id == kiosk.id,
            KioskClaim.status == ClaimStatus.OPEN,
        )
    ).first()
    if claim is None:
        claim = KioskClaim(id=new_id(), kiosk_id=kiosk.id, request_id=request.id)
        session.add(claim)
        session.flush()
        audit.record(session, actor=actor_for(kiosk), action="claim", request_id=request.id)
    letter = letters.for_request(session, request_id=request.id)
    text, text_en = _OUTCOME_TEXT["ready"]
    return ScanResult("pickup", "ready", text, text_en, request, claim, letter)


def _file_offline(
    session: Session, *, kiosk: KioskDevice, data: dict[str, Any], settings: Settings
) -> ScanResult:
    """Files the request the phone carried in its QR; the same QR filed twice is one request."""
    fields = data.get("f")
    if not isinstance(fields, dict) or not all(
        isinstance(data.get(k), str) for k in ("t", "n", "m")
    ):
        return ScanResult(
            "offline_request",
            "invalid",
            "Isi kode QR permohonan tidak lengkap. Silakan isi ulang di anjungan.",
            "The offline request QR is incomplete.",
        )
    # The phone's own random key, else the content: one QR always means one request.
    key = "offline:" + sha256_hex(str(data.get("k") or sorted(data.items())))[:40]
    secret = offline_pickup_secret(settings, key)
    filed = session.scalars(
        select(LetterRequest).where(LetterRequest.idempotency_key == key)
    ).first()
    if filed is not None and filed.status != Status.SUBMITTED:
        # Shown again after the office worked on it: say where it is. A new pickup QR
        # would silently void the ticket the resident already holds.
        text, text_en = _OUTCOME_TEXT["ready" if filed.status == Status.READY else filed.status]
        if filed.status == Status.READY:
            text += " Pindai kode QR pada tiket Anda untuk mencetaknya."
        outcome = "in_progress" if filed.status == Status.READY else _STATUS_OUTCOME[filed.status]
        return ScanResult("offline_request", outcome, text, text_en, filed)
    if filed is not None and not matches_hash(secret, filed.secret_hash):
        older = offline_pickup_secret(settings, key, size=OLD_SECRET_BYTES)
        if matches_hash(older, filed.secret_hash):
            secret = older  # filed before secrets became 128 bits: the ticket holds this one
        else:
            # Filed with a secret this server cannot derive again (filed before
            # derivation, or the server's key changed): the resident's ticket stays the
            # only one.
            refused = requests_service.already_filed()
            return ScanResult(
                "offline_request", "in_progress", refused.message, refused.message_en, filed
            )
    try:
        request, secret, replayed = requests_service.create(
            session,
            letter_type_code=data["t"],
            applicant_nik=data["n"],
            applicant_name=data["m"],
            form_data=fields,
            phone=data.get("p") if isinstance(data.get("p"), str) else None,
            channel=Channel.OFFLINE_QR,
            actor=actor_for(kiosk),
            idempotency_key=key,
            pickup_secret=secret,
        )
    except ValidationFailed as exc:
        first = next(iter(exc.fields.values()), exc.message)
        return ScanResult(
            "offline_request",
            "invalid",
            f"Permohonan belum bisa dikirim: {first} Silakan perbaiki di loket operator.",
            "The offline request has invalid fields.",
        )
    except DomainError as exc:  # unknown or counter-only letter type, key conflict
        return ScanResult("offline_request", "invalid", exc.message, exc.message_en)
    if replayed:
        text, text_en = (
            "Permohonan dari kode QR ini sudah terkirim sebelumnya. Tiket ini sama dengan "
            "tiket pertama Anda; tiket itu tetap berlaku.",
            "This QR was filed before. This ticket is the same as your first one, which "
            "stays valid.",
        )
    else:
        text, text_en = (
            "Permohonan Anda sudah terkirim ke kantor desa. Simpan tiket berisi kode QR "
            "pengambilan ini.",
            "Your request was filed. Keep the ticket with the pickup QR.",
        )
    return ScanResult(
        "offline_request",
        "filed",
        text,
        text_en,
        request,
        pickup_qr=pickup_payload(settings.public_url_upper, request.public_code, secret),
        pickup_secret=secret,
        already_filed=replayed,
    )


def offline_pickup_secret(settings: Settings, key: str, *, size: int = SECRET_BYTES) -> str:
    """The pickup secret of the request an offline QR files: the same QR, the same secret.

    Whoever holds the offline QR can already file it at any kiosk and read the ticket
    off the screen, so deriving the secret from it grants nothing new; what it stops is a
    second scan (or a kiosk's retry after a lost answer) replacing the secret and voiding
    the ticket the resident holds. Keyed with the server's secret key, so the QR's content
    alone (a NIK, a name) does not give the secret away. 128 bits, like `new_secret()`
    (160 before issue 16: ``size=OLD_SECRET_BYTES`` derives a ticket of then again).
    """
    digest = hmac.new(
        _server_key(settings),
        b"loket-desa offline pickup secret v1\x00" + key.encode("utf-8"),
        hashlib.sha256,
    ).digest()
    return base64.b32encode(digest[:size]).decode("ascii").rstrip("=")


def _server_key(settings: Settings) -> bytes:
    # The server's own secret (it also signs the session cookie; the label above keeps
    # the two uses apart). If it changes, a rescan says "use your ticket" and voids nothing.
    return settings.session_secret().encode("utf-8")


def get_claim(
    session: Session, *, kiosk: KioskDevice, claim_id: str, lock: bool = False
) -> KioskClaim:
    # Locked (PostgreSQL) when it is about to change: a retried confirmation waits for the
    # first one and then sees it done, instead of both acting on the same old state.
    claim = session.get(KioskClaim, claim_id, with_for_update=lock)
    if claim is None or claim.kiosk_id != kiosk.id:
        raise NotFound("Klaim cetak tidak ditemukan.", "Claim not found.", code="claim_not_found")
    return claim


def claim_pdf(
    session: Session, *, kiosk: KioskDevice, claim_id: str, settings: Settings
) -> tuple[Letter, bytes]:
    claim = get_claim(session, kiosk=kiosk, claim_id=claim_id)
    if claim.status != ClaimStatus.OPEN:
        # A closed claim prints nothing more: reprints go through the operator.
        raise Conflict(
            "Klaim cetak ini sudah selesai. Pindai ulang kode QR.",
            "This claim is closed; scan again.",
            code="claim_closed",
        )
    letter = letters.for_request(session, request_id=claim.request_id)
    return letter, letters.pdf_bytes(letter, settings=settings)


def confirm_printed(session: Session, *, kiosk: KioskDevice, claim_id: str) -> LetterRequest:
    claim = get_claim(session, kiosk=kiosk, claim_id=claim_id, lock=True)
    request = requests_service.get(session, request_id=claim.request_id)
    if claim.status == ClaimStatus.PRINTED:
        return request  # a retried confirmation
    if claim.status == ClaimStatus.FAILED or request.status != Status.READY:
        raise Conflict(
            "Klaim cetak ini sudah tidak berlaku. Pindai ulang kode QR.",
            "This claim is no longer valid; scan again.",
            code="claim_closed",
        )
    lifecycle.apply(session, request, "pick_up", actor=actor_for(kiosk))
    claim.status = ClaimStatus.PRINTED
    claim.finished_at = utcnow()
    letter = letters.for_request(session, request_id=request.id)
    letter.print_count += 1
    outbox.record(session, events.PickedUp(code=request.public_code, via="kiosk"))
    return request


def report_failed(
    session: Session, *, kiosk: KioskDevice, claim_id: str, reason: str
) -> LetterRequest:
    claim = get_claim(session, kiosk=kiosk, claim_id=claim_id, lock=True)
    request = requests_service.get(session, request_id=claim.request_id)
    if claim.status == ClaimStatus.OPEN:
        claim.status = ClaimStatus.FAILED
        claim.finished_at = utcnow()
        claim.failure_reason = reason[:500]
        audit.record(
            session,
            actor=actor_for(kiosk),
            action="print_failed",
            request_id=request.id,
            reason=reason[:500],
        )
    return request


def list_all(session: Session) -> list[KioskDevice]:
    """Every kiosk, for the admin page (keys are never shown again, only their prefix)."""
    return list(session.scalars(select(KioskDevice).order_by(KioskDevice.name)))
