"""The lifecycle on both databases: every path, every guard, every audit event."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from office_server.audit.models import AuditEvent
from office_server.database import Database
from office_server.errors import InvalidTransition
from office_server.letters import service as letters_service
from office_server.letters.archive import Archive
from office_server.letters.models import Letter
from office_server.requests import lifecycle
from office_server.requests import service as requests_service
from office_server.requests.lifecycle import Status
from tests.server.helpers import OPERATOR, file_request, operator
from tests.server.helpers import approved_requests as approved_ids


def test_happy_path_is_audited_and_issues_a_letter(db: Database) -> None:
    with db.session() as session:
        request = file_request(session)
        requests_service.transition(session, request, "approve", actor=OPERATOR)
        letter = letters_service.sign(
            session, request, signer=operator(session, "kades"), settings=db.settings
        )
        session.commit()
        assert request.status == Status.READY
        assert letter.number.startswith("400.12.2.1/001/DS-2004/")
        assert Archive(db.settings.archive_dir).read(letter.pdf_sha256)[:5] == b"%PDF-"
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == request.id).order_by(AuditEvent.id)
        ).all()
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            ("create", None, "submitted"),
            ("approve", "submitted", "awaiting_signature"),
            ("sign", "awaiting_signature", "ready"),
        ]
        assert events[-1].actor_label == "kades"
        assert all(e.at is not None for e in events)


def test_correction_round_trip(db: Database) -> None:
    with db.session() as session:
        request = file_request(session)
        requests_service.transition(
            session, request, "ask_correction", actor=OPERATOR, reason="Alamat kurang RT/RW"
        )
        assert request.status == Status.NEEDS_CORRECTION
        assert request.correction_message == "Alamat kurang RT/RW"
        requests_service.correct_fields(
            session, request, changes={"alamat": "Kp. Sukamaju RT 001/RW 002"}, actor=OPERATOR
        )
        requests_service.transition(session, request, "resubmit", actor=OPERATOR)
        session.commit()
        assert request.status == Status.SUBMITTED
        assert request.correction_message is None
        assert request.form_data["alamat"] == "Kp. Sukamaju RT 001/RW 002"
        edit = session.scalars(select(AuditEvent).where(AuditEvent.action == "edit_fields")).one()
        assert edit.details == {"fields": ["alamat"]}  # names only, never values


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.SUBMITTED, "sign"),
        (Status.SUBMITTED, "pick_up"),
        (Status.SUBMITTED, "resubmit"),
        (Status.READY, "approve"),
        (Status.READY, "cancel"),
        (Status.READY, "reject"),
        (Status.PICKED_UP, "pick_up"),
        (Status.REJECTED, "approve"),
        (Status.CANCELLED, "resubmit"),
        (Status.EXPIRED, "submit"),
    ],
)
def test_invalid_transition_is_refused_and_changes_nothing(
    sqlite_db: Database, status: Status, action: str
) -> None:
    with sqlite_db.session() as session:
        request = file_request(session)
        request.status = status
        session.commit()
        before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
        with pytest.raises(InvalidTransition) as info:
            requests_service.transition(session, request, action, actor=OPERATOR, reason="x")
        assert lifecycle.label(status) in info.value.message
        assert request.status == status
        session.rollback()
        assert session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) == before


@pytest.mark.parametrize("action", ["reject", "ask_correction"])
def test_reason_is_required(sqlite_db: Database, action: str) -> None:
    with sqlite_db.session() as session:
        request = file_request(session)
        with pytest.raises(InvalidTransition) as info:
            requests_service.transition(session, request, action, actor=OPERATOR, reason="  ")
        assert info.value.message.startswith("Alasan wajib diisi")
        assert request.status == Status.SUBMITTED


def test_every_status_is_reachable_and_labelled() -> None:
    entry = {Status.DRAFT, Status.SUBMITTED}  # where a request starts
    targets = {a.target for a in lifecycle.ACTIONS.values()} | entry
    assert targets == set(Status)
    assert all(lifecycle.label(s) != s for s in Status)


def test_failed_render_gives_the_number_back(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from office_server.letters import service as letters

    with sqlite_db.session() as session:
        first, second = file_request(session, 1), file_request(session, 2)
        for r in (first, second):
            requests_service.transition(session, r, "approve", actor=OPERATOR)
        session.commit()
        ids = (first.id, second.id)

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("renderer crashed")

    with sqlite_db.session() as session, monkeypatch.context() as m:
        m.setattr(letters, "render_letter_pdf", broken)
        request = requests_service.get(session=session, request_id=ids[0])
        with pytest.raises(RuntimeError):
            letters_service.sign(
                session, request, signer=operator(session, "kades"), settings=sqlite_db.settings
            )
        session.rollback()
    with sqlite_db.session() as session:
        assert (
            requests_service.get(session=session, request_id=ids[0]).status
            == Status.AWAITING_SIGNATURE
        )
        request = requests_service.get(session=session, request_id=ids[1])
        letter = letters_service.sign(
            session, request, signer=operator(session, "kades"), settings=sqlite_db.settings
        )
        session.commit()
        assert letter.sequence == 1
        assert session.scalars(select(Letter)).one().number.split("/")[1] == "001"


def test_sign_and_reject_at_once_only_one_wins(db: Database) -> None:
    """A signer and an operator act on the same request at the same moment."""
    import threading

    from office_server.letters.models import Letter as LetterRow

    (request_id,) = approved_ids(db, 1)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(name: str) -> None:
        if db.is_sqlite:  # writers queue at BEGIN IMMEDIATE: start together, one waits
            barrier.wait(5)
        with db.session() as session:
            request = requests_service.get(session=session, request_id=request_id)
            if not db.is_sqlite:  # both have read the old status before either writes
                barrier.wait(5)
            try:
                if name == "sign":
                    letters_service.sign(
                        session, request, signer=operator(session, "kades"), settings=db.settings
                    )
                else:
                    requests_service.transition(
                        session, request, "reject", actor=OPERATOR, reason="data palsu"
                    )
                session.commit()
                outcomes[name] = "ok"
            except InvalidTransition:
                session.rollback()
                outcomes[name] = "refused"

    threads = [threading.Thread(target=act, args=(n,)) for n in ("sign", "reject")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes.values()) == ["ok", "refused"], outcomes
    with db.session() as session:
        final = requests_service.get(session=session, request_id=request_id)
        letters = session.scalars(select(LetterRow)).all()
        if outcomes["sign"] == "ok":
            assert (final.status, len(letters), final.rejection_reason) == ("ready", 1, None)
        else:
            assert (final.status, len(letters)) == ("rejected", 0)
