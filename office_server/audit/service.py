"""Writing audit events. Callers pass no personal data in `details`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from office_server.audit.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    type: str  # operator, kiosk, resident, system
    id: int | None = None
    label: str = ""


SYSTEM = Actor("system", None, "sistem")
RESIDENT = Actor("resident", None, "pemohon")


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    request_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        request_id=request_id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        details=details or {},
    )
    session.add(event)
    return event


def history(session: Session, *, request_id: int) -> list[AuditEvent]:
    """A request's events in order, as its page shows them (reads of it left out)."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.request_id == request_id, AuditEvent.action != "view")
            .order_by(AuditEvent.id)
        )
    )
