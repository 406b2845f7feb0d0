"""The request lifecycle (docs/DESIGN.md): the only place a request's status changes.

Each action names the statuses it may start from and the one it leads to; `apply`
checks the guard, changes the status and writes the audit event in the caller's
transaction. A refused action raises InvalidTransition (HTTP 409) and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from loket_protocol import events
from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.database import utcnow
from office_server.errors import InvalidTransition
from office_server.notifications import service as notifications
from office_server.requests.models import LetterRequest
from office_server.sync import outbox


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    NEEDS_CORRECTION = "needs_correction"
    AWAITING_SIGNATURE = "awaiting_signature"
    READY = "ready"
    PICKED_UP = "picked_up"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# Labels residents see; the same words OpenSID users know.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    Status.DRAFT: ("Belum Lengkap", "Incomplete"),
    Status.SUBMITTED: ("Sedang Diperiksa", "Being checked"),
    Status.NEEDS_CORRECTION: ("Perlu Perbaikan", "Needs correction"),
    Status.AWAITING_SIGNATURE: ("Menunggu Tanda Tangan", "Awaiting signature"),
    Status.READY: ("Siap Diambil", "Ready for pick-up"),
    Status.PICKED_UP: ("Sudah Diambil", "Picked up"),
    Status.REJECTED: ("Ditolak", "Rejected"),
    Status.CANCELLED: ("Dibatalkan", "Cancelled"),
    Status.EXPIRED: ("Kedaluwarsa", "Expired"),
}

OPEN_STATUSES = frozenset(
    {Status.DRAFT, Status.SUBMITTED, Status.NEEDS_CORRECTION, Status.AWAITING_SIGNATURE}
)
FINAL_STATUSES = frozenset({Status.PICKED_UP, Status.REJECTED, Status.CANCELLED, Status.EXPIRED})


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset[Status]
    target: Status
    needs_reason: bool = False
    label: str = ""


def _action(
    name: str, sources: set[Status], target: Status, label: str, *, needs_reason: bool = False
) -> Action:
    return Action(name, frozenset(sources), target, needs_reason, label)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        _action("submit", {Status.DRAFT}, Status.SUBMITTED, "mengajukan"),
        _action(
            "ask_correction",
            {Status.SUBMITTED, Status.AWAITING_SIGNATURE},
            Status.NEEDS_CORRECTION,
            "meminta perbaikan",
            needs_reason=True,
        ),
        _action("resubmit", {Status.NEEDS_CORRECTION}, Status.SUBMITTED, "mengirim perbaikan"),
        _action("approve", {Status.SUBMITTED}, Status.AWAITING_SIGNATURE, "menyetujui"),
        _action("sign", {Status.AWAITING_SIGNATURE}, Status.READY, "menandatangani"),
        _action("pick_up", {Status.READY}, Status.PICKED_UP, "menyerahkan"),
        _action(
            "reject",
            {Status.SUBMITTED, Status.NEEDS_CORRECTION, Status.AWAITING_SIGNATURE},
            Status.REJECTED,
            "menolak",
            needs_reason=True,
        ),
        _action("cancel", set(OPEN_STATUSES), Status.CANCELLED, "membatalkan"),
        _action("expire", {Status.DRAFT, Status.NEEDS_CORRECTION}, Status.EXPIRED, "kedaluwarsa"),
    )
}


def label(status: str, lang: str = "id") -> str:
    id_label, en_label = STATUS_LABELS.get(status, (status, status))
    return en_label if lang == "en" else id_label


def can(request: LetterRequest, action_name: str) -> bool:
    return request.status in ACTIONS[action_name].sources


def refusal(request: LetterRequest, action_name: str) -> InvalidTransition:
    """Why the action cannot be done from the request's status (to raise)."""
    current = request.status
    return InvalidTransition(
        f"Permohonan {request.public_code} tidak dapat di-{action_name} karena "
        f"statusnya {label(current)}.",
        f"Request {request.public_code} cannot '{action_name}' from status '{current}'.",
        extra={"status": current, "action": action_name},
    )


def apply(
    session: Session,
    request: LetterRequest,
    action_name: str,
    *,
    actor: Actor,
    reason: str | None = None,
) -> LetterRequest:
    action = ACTIONS[action_name]
    if request.id is not None:
        # Re-read the status under a row lock (PostgreSQL; SQLite's BEGIN IMMEDIATE already
        # serialises writers): a signer and an operator acting at once must not both win.
        session.flush()
        session.refresh(request, attribute_names=["status"], with_for_update=True)
    current = request.status
    if current not in action.sources:
        raise refusal(request, action.name)
    reason = (reason or "").strip() or None
    if action.needs_reason and not reason:
        raise InvalidTransition(
            f"Alasan wajib diisi untuk {action.label}.",
            f"A reason is required to '{action.name}'.",
            code="reason_required",
        )
    now = utcnow()
    request.status = action.target
    request.status_changed_at = now
    if action.target == Status.SUBMITTED and request.submitted_at is None:
        request.submitted_at = now
    if action.name == "ask_correction":
        request.correction_message = reason
    elif action.name == "resubmit":
        request.correction_message = None
    elif action.name == "reject":
        request.rejection_reason = reason
    audit.record(
        session,
        actor=actor,
        action=action.name,
        request_id=request.id,
        from_status=current,
        to_status=action.target,
        reason=reason,
    )
    # In this same transaction: the resident hears of it exactly when the change is kept.
    notifications.enqueue(
        session,
        request_id=request.id,
        public_code=request.public_code,
        phone=request.phone,
        event=action.target,
    )
    # The reason stays in the village: it may quote the resident.
    outbox.record(
        session,
        events.StatusChanged(
            code=request.public_code, from_status=current, to_status=action.target
        ),
        at=now,
    )
    return request
