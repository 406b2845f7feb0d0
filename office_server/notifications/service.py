"""Hearing back: the outbox of short messages to residents, its settings and opt-outs.

A message is written by `enqueue` in the transaction that changes the request's status
(`requests/lifecycle.py`), so a status change and its message are kept or lost together.
`claim_due` / `mark_sent` / `mark_failed` are the steps of the sender (`notifier.py`),
each its own short transaction: no database lock is held while the gateway is asked.
The text carries the request's public code and the status link only: no name, NIK or
letter content, and the status page still asks for the secret on the resident's ticket.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from office_server.clock import local_day_start
from office_server.errors import ValidationFailed
from office_server.notifications.gateway import (
    DEFAULT_TEMPLATES,
    Gateway,
    HttpGateway,
    check_template,
)
from office_server.notifications.models import NotificationSettings, OptOut, OutboxMessage
from office_server.village import service as village

CHANNELS = ("none", "whatsapp", "sms")
# The statuses a resident hears about (lifecycle targets).
EVENTS = ("needs_correction", "ready", "rejected")

PENDING, SENT, FAILED, OPTED_OUT = "pending", "sent", "failed", "opted_out"
STATUS_LABELS = {
    PENDING: "Menunggu dikirim",
    SENT: "Terkirim",
    FAILED: "Gagal",
    OPTED_OUT: "Tidak dikirim (pemohon berhenti berlangganan)",
}

# Retries: 1, 2, 4, ... minutes, at most an hour apart; a message still unsent after three
# days is of no use to the resident any more and is marked failed for the admin to see.
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=3)
# While one sender asks the gateway, no other sender takes the same message.
CLAIM_LEASE = timedelta(seconds=60)

_TEXTS = {
    "needs_correction": "{village}: permohonan surat {code} perlu perbaikan. Lihat: {status}",
    "ready": "{village}: surat Anda ({code}) siap diambil di kantor desa. Lihat: {status}",
    "rejected": "{village}: permohonan surat {code} ditolak. Lihat alasannya: {status}",
}
_STOP = " Berhenti terima pesan: {stop}"
TEST_TEXT = "{village}: pesan uji dari Loket Desa. Pesan ke warga akan dikirim lewat jalur ini."


def get_settings_row(session: Session) -> NotificationSettings:
    row = session.get(NotificationSettings, 1)
    return row if row is not None else NotificationSettings(id=1, channel="none", daily_cap=200)


SETTING_FIELDS = (
    "channel",
    "gateway_url",
    "token",
    "token_header",
    "body_format",
    "body_template",
    "daily_cap",
)


def update_settings(session: Session, *, changes: dict[str, str]) -> NotificationSettings:
    """Checks and saves the channel; an empty token keeps the one saved (it is never shown)."""
    row = session.get(NotificationSettings, 1)
    if row is None:
        row = NotificationSettings(id=1)
        session.add(row)
    errors: dict[str, str] = {}
    channel = changes.get("channel", "none")
    if channel not in CHANNELS:
        errors["channel"] = "Pilih salah satu jalur."
    url = changes.get("gateway_url", "").strip()
    if channel != "none" and not url.startswith(("http://", "https://")):
        errors["gateway_url"] = "Alamat gateway harus diawali http:// atau https://."
    body_format = changes.get("body_format", "json")
    if body_format not in ("json", "form"):
        errors["body_format"] = "Pilih JSON atau form."
    template = changes.get("body_template", "").strip() or DEFAULT_TEMPLATES.get(
        channel, DEFAULT_TEMPLATES["whatsapp"]
    )
    problem = check_template(template)
    if problem:
        errors["body_template"] = problem
    try:
        cap = int(changes.get("daily_cap", "200").strip())
        if not 0 < cap <= 100_000:
            raise ValueError
    except ValueError:
        errors["daily_cap"] = "Batas harian harus angka 1 sampai 100000."
        cap = 0
    header = changes.get("token_header", "").strip() or "Authorization"
    if not header.replace("-", "").isalnum():
        errors["token_header"] = "Nama header hanya huruf, angka dan tanda minus."  # noqa: S105
    if errors:
        raise ValidationFailed(errors)
    row.channel = channel
    row.gateway_url = url
    row.token_header = header
    row.body_format = body_format
    row.body_template = template
    row.daily_cap = cap
    if changes.get("token", "").strip():
        row.token = changes["token"].strip()
    session.flush()
    return row


def gateway_for(row: NotificationSettings) -> Gateway | None:
    if row.channel == "none" or not row.gateway_url:
        return None
    return HttpGateway(
        url=row.gateway_url,
        token=row.token,
        token_header=row.token_header or "Authorization",
        body_format=row.body_format or "json",
        body_template=row.body_template or DEFAULT_TEMPLATES.get(row.channel, ""),
    )


def international(phone: str) -> str:
    """08123... or +628123... as 628123..., the form gateways take and opt-outs match."""
    digits = phone.strip().lstrip("+")
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return digits


def enqueue(
    session: Session, *, request_id: int | None, public_code: str, phone: str | None, event: str
) -> OutboxMessage | None:
    """A message for a status the resident hears about, if they gave a number and the
    village has a channel. Called inside the status change's own transaction."""
    if event not in EVENTS or not phone:
        return None
    if get_settings_row(session).channel == "none":
        return None
    number = international(phone)
    opted_out = session.scalar(select(OptOut.id).where(OptOut.phone == number)) is not None
    message = OutboxMessage(
        request_id=request_id,
        public_code=public_code,
        event=event,
        phone=number,
        idempotency_key=secrets.token_hex(16),
        stop_token=secrets.token_urlsafe(12),
        status=OPTED_OUT if opted_out else PENDING,
    )
    session.add(message)
    return message


def message_text(message: OutboxMessage, *, village_name: str, public_url: str) -> str:
    base = public_url.rstrip("/")
    text = _TEXTS[message.event].format(
        village=village_name, code=message.public_code, status=f"{base}/s/{message.public_code}"
    )
    return text + _STOP.format(stop=f"{base}/berhenti/{message.stop_token}")


@dataclass(frozen=True)
class Claim:
    id: int
    to: str
    text: str
    key: str


def claim_due(
    session: Session, *, now: datetime, public_url: str, limit: int = 20
) -> tuple[list[Claim], bool]:
    """The messages due now, each leased to this sender; and whether the day's cap held
    some back (those wait for the next local day, none is dropped)."""
    cap = get_settings_row(session).daily_cap
    day_start = local_day_start(now)
    sent_today = session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.sent_at >= day_start)
    )
    room = max(0, cap - int(sent_today or 0))
    due = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
    capped = len(due) > room
    if capped:
        tomorrow = local_day_start(day_start + timedelta(hours=30))
        for message in due[room:]:
            message.next_attempt_at = tomorrow
        due = due[:room]
    name = village.get_profile(session).name
    village_name = name if name.lower().startswith("desa") else f"Desa {name}"
    claims = []
    for message in due:
        if now - message.created_at > GIVE_UP_AFTER:
            message.status = FAILED
            message.last_error = "kedaluwarsa"
            continue
        if not message.body:
            # Written once, so every retry sends the very same text.
            message.body = message_text(message, village_name=village_name, public_url=public_url)
        # Taken only if no other sender took it meanwhile (the lease moved its time).
        taken = session.execute(  # type: ignore[attr-defined]
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message.id,
                OutboxMessage.next_attempt_at == message.next_attempt_at,
            )
            .values(
                next_attempt_at=now + CLAIM_LEASE,
                attempts=OutboxMessage.attempts + 1,
                body=message.body,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken:
            claims.append(Claim(message.id, message.phone, message.body, message.idempotency_key))
    session.flush()
    return claims, capped


def mark_sent(session: Session, *, message_id: int, now: datetime) -> None:
    message = session.get(OutboxMessage, message_id)
    if message is not None:
        message.status = SENT
        message.sent_at = now
        message.last_error = ""


def mark_failed(session: Session, *, message_id: int, kind: str, now: datetime) -> None:
    """Tried again later, each wait twice the one before (the same idempotency key)."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status != PENDING:
        return
    wait = min(FIRST_RETRY * 2 ** max(0, message.attempts - 1), MAX_RETRY)
    message.next_attempt_at = now + wait
    message.last_error = kind[:120]


def opt_out(session: Session, *, stop_token: str) -> bool:
    """Stops every message to the number the link was sent to; False for an unknown link."""
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.stop_token == stop_token))
    if message is None:
        return False
    if session.scalar(select(OptOut.id).where(OptOut.phone == message.phone)) is None:
        session.add(OptOut(phone=message.phone))
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.phone == message.phone, OutboxMessage.status == PENDING)
        .values(status=OPTED_OUT)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return True


def is_opted_out(session: Session, *, phone: str) -> bool:
    if not phone:
        return False
    return session.scalar(select(OptOut.id).where(OptOut.phone == international(phone))) is not None


def masked(phone: str) -> str:
    """What an operator sees of a number in lists: enough to recognise, not to copy."""
    return phone[:4] + "•" * max(0, len(phone) - 7) + phone[-3:] if len(phone) > 7 else "•••"


def recent(session: Session, *, limit: int = 30) -> list[OutboxMessage]:
    return list(
        session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit))
    )


def for_request(session: Session, *, request_id: int) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.request_id == request_id)
            .order_by(OutboxMessage.id)
        )
    )


EVENT_LABELS = {
    "needs_correction": "perlu perbaikan",
    "ready": "siap diambil",
    "rejected": "ditolak",
}


def opt_outs(session: Session) -> list[OptOut]:
    return list(session.scalars(select(OptOut).order_by(OptOut.id.desc())))


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)
    ).all()
    return {status: int(n) for status, n in rows}


def test_text(session: Session) -> str:
    name = village.get_profile(session).name
    return TEST_TEXT.format(village=name if name.lower().startswith("desa") else f"Desa {name}")
