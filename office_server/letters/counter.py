"""Handing a letter over at the counter: printed on the office printer, given to the
resident in person (the counter's equivalent of the kiosk's printed claim)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from office_server.audit.service import Actor
from office_server.letters import service as letters
from office_server.letters.models import Letter
from office_server.requests import lifecycle
from office_server.requests.models import LetterRequest


def hand_over(session: Session, request: LetterRequest, *, actor: Actor) -> Letter:
    """The operator printed the signed letter and gave it to the resident: counted as a
    print and the request is picked up. Only after the print, as at the kiosk."""
    if not lifecycle.can(request, "pick_up"):
        raise lifecycle.refusal(request, "pick_up")
    letter = letters.for_request(session, request_id=request.id)
    letter.print_count += 1
    lifecycle.apply(session, request, "pick_up", actor=actor, reason="diserahkan di loket")
    return letter
