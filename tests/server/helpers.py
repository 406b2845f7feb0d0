"""Service-level helpers for server tests."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from office_server.audit.service import Actor
from office_server.database import Database
from office_server.operators.models import Operator
from office_server.requests import service as requests_service
from office_server.requests.models import Channel, LetterRequest
from tests.support import factories

OPERATOR = Actor("operator", None, "test-operator")


def operator(session: Session, username: str) -> Operator:
    return session.scalars(select(Operator).where(Operator.username == username)).one()


def file_request(session: Session, serial: int = 1, **overrides: object) -> LetterRequest:
    body = factories.request_body(serial=serial)
    request, _, _ = requests_service.create(
        session,
        letter_type_code=str(overrides.get("letter_type", body["letter_type"])),
        applicant_nik=str(overrides.get("applicant_nik", body["applicant_nik"])),
        applicant_name=str(overrides.get("applicant_name", body["applicant_name"])),
        form_data=dict(overrides.get("form_data", body["form_data"])),  # type: ignore[call-overload]
        phone=None,
        channel=Channel.WEB,
        actor=OPERATOR,
    )
    return request


def approved_requests(db: Database, count: int) -> list[int]:
    """`count` requests waiting for the signer, committed."""
    ids = []
    with db.session() as session:
        for i in range(count):
            request = file_request(session, serial=i + 1)
            requests_service.transition(session, request, "approve", actor=OPERATOR)
            ids.append(request.id)
        session.commit()
    return ids
