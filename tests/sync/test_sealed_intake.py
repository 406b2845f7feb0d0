"""The village's rules for a sealed request, without the transport: opened with the key
its kid names, checked against what the hub said, filed like a LAN request or refused
with problems in words; idempotent by the hub's request id."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from loket_protocol import events
from office_server.database import Database
from office_server.requests import sealed_intake
from office_server.requests import service as requests_service
from office_server.requests.hub_inbox import prepare
from office_server.requests.lifecycle import Status
from office_server.requests.models import LetterRequest, SealedRefusal
from office_server.sync import sealed_keys
from office_server.sync.models import OutboxEvent
from tests.server.helpers import OPERATOR
from tests.sync.conftest import make_village
from tests.sync.sealing import HomeRequest, village_public_key

KODE = "DS-2004"


@pytest.fixture
def village(sqlite_template: Path, tmp_path: Path) -> tuple[Path, Database]:
    settings, db = make_village(sqlite_template, tmp_path / "village")
    with db.unit_of_work() as session:
        prepare(session, settings.data_dir)
    return settings.data_dir, db


def receive(db: Database, data_dir: Path, event: events.Event) -> str:
    with db.unit_of_work() as session:
        return sealed_intake.receive(session, event, data_dir=data_dir, kode_desa=KODE)


def outbox_of(db: Database, kind: str) -> list[dict[str, object]]:
    with db.unit_of_work(write=False) as session:
        return list(session.scalars(select(OutboxEvent.data).where(OutboxEvent.kind == kind)))


def requests_count(db: Database) -> int:
    with db.unit_of_work(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(LetterRequest)) or 0)


def test_the_key_is_made_once_private_and_announced(village: tuple[Path, Database]) -> None:
    data_dir, db = village
    folder = sealed_keys.key_folder(data_dir)
    (key_file,) = folder.glob("*.pem")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    with db.unit_of_work() as session:
        prepare(session, data_dir)  # the second start makes nothing new
    assert len(list(folder.glob("*.pem"))) == 1
    (announced,) = outbox_of(db, "village.key")
    assert announced["public_key"] == village_public_key(data_dir)
    assert announced["kid"] == sealed_keys.kids(data_dir)[-1]
    assert b"PRIVATE" not in repr(outbox_of(db, "village.key")).encode()


def test_filed_once_with_the_hubs_code_and_secret_hash(village: tuple[Path, Database]) -> None:
    data_dir, db = village
    home = HomeRequest(KODE)
    public = village_public_key(data_dir)
    event = home.event(public)
    assert receive(db, data_dir, event) == "filed"
    assert receive(db, data_dir, event) == "duplicate"  # the same message again
    assert receive(db, data_dir, home.event(public)) == "duplicate"  # a double tap
    assert requests_count(db) == 1
    with db.unit_of_work(write=False) as session:
        request = requests_service.get_for_resident(session, code=home.code, secret=home.secret)
        assert request.channel == "hub" and request.status == Status.SUBMITTED
        assert request.applicant_name == home.body["applicant_name"]
    (filed,) = outbox_of(db, "request.filed")
    assert filed == {
        "code": home.code,
        "letter_type": "domisili",
        "channel": "hub",
        "status": "submitted",
    }


def test_a_rotated_key_still_opens_what_was_sealed_before(village: tuple[Path, Database]) -> None:
    data_dir, db = village
    before = HomeRequest(KODE, serial=1)
    sealed_before = before.event(village_public_key(data_dir))
    with db.unit_of_work() as session:
        new_kid = sealed_keys.rotate(session, data_dir)
    assert sealed_keys.kids(data_dir)[-1] == new_kid and len(sealed_keys.kids(data_dir)) == 2
    assert [d["kid"] for d in outbox_of(db, "village.key")][-1] == new_kid
    after = HomeRequest(KODE, serial=2)
    assert receive(db, data_dir, sealed_before) == "filed"
    assert receive(db, data_dir, after.event(village_public_key(data_dir))) == "filed"
    assert requests_count(db) == 2


def _refusals(db: Database) -> list[dict[str, object]]:
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(select(SealedRefusal).order_by(SealedRefusal.id))
        return [
            {c: getattr(r, c) for c in ("event_id", "request_id", "public_code", "problems")}
            for r in rows
        ]


def test_a_box_for_another_village_altered_or_lying_is_refused_with_nothing_filed(
    village: tuple[Path, Database], caplog: pytest.LogCaptureFixture
) -> None:
    data_dir, db = village
    public = village_public_key(data_dir)
    caplog.set_level(logging.INFO)
    other_village = HomeRequest(KODE, serial=1).event(public, sealed_for="36.04.01.2001")
    altered = HomeRequest(KODE, serial=2).event(public)
    assert isinstance(altered.data, events.SealedRequest)
    ct = altered.data.box.ct
    flipped = ct[:-3] + ("A" if ct[-3] != "A" else "B") + ct[-2:]
    altered = altered.model_copy(
        update={
            "data": altered.data.model_copy(
                update={"box": altered.data.box.model_copy(update={"ct": flipped})}
            )
        }
    )
    # The hub says "domisili", the sealed form says otherwise: the hub changed its label.
    relabelled = HomeRequest(KODE, serial=3).event(public, letter_type="sktm")
    stranger_key = sealed_keys.sealed.public_key_text(sealed_keys.sealed.new_private_key())
    unknown_key = HomeRequest(KODE, serial=4).event(stranger_key)
    village_code = HomeRequest(KODE, serial=5, code="A2345678").event(public)
    for event in (other_village, altered, relabelled, unknown_key, village_code):
        assert receive(db, data_dir, event) == "refused"
        assert receive(db, data_dir, event) == "duplicate"  # redelivered: refused once
    assert requests_count(db) == 0
    refused = outbox_of(db, "request.refused")
    assert len(refused) == len(_refusals(db)) == 5
    for data in refused:
        assert data["problems"] == [{"field": "form", "message": sealed_intake.UNREADABLE}]
    for body_value in ("3604", "Budi Santoso"):
        assert body_value not in caplog.text


def test_an_invalid_form_comes_back_with_problems_in_words_never_values(
    village: tuple[Path, Database], caplog: pytest.LogCaptureFixture
) -> None:
    data_dir, db = village
    home = HomeRequest(KODE)
    form = dict(home.body["form_data"])
    form["tanggal_lahir"] = "2999-01-01"
    form["rt"] = "RT sembilan belas"
    bad_nik = "360401990"  # too short
    event = home.event(
        village_public_key(data_dir), applicant_nik=bad_nik, form_data=form, applicant_name="B0b"
    )
    assert receive(db, data_dir, event) == "refused"
    assert requests_count(db) == 0
    (refusal,) = _refusals(db)
    (up,) = outbox_of(db, "request.refused")
    assert up["code"] == home.code and up["request_id"] == str(home.request_id)
    problems = up["problems"]
    assert isinstance(problems, list)
    fields = {p["field"] for p in problems}
    assert {"applicant_nik", "applicant_name"} <= fields, problems
    assert refusal["problems"] == problems
    everything = repr(problems) + repr(refusal) + caplog.text
    for value in (bad_nik, "B0b", "2999-01-01", "RT sembilan belas", home.secret):
        assert value not in everything


def test_a_correction_replaces_the_form_as_on_the_lan(village: tuple[Path, Database]) -> None:
    data_dir, db = village
    public = village_public_key(data_dir)
    home = HomeRequest(KODE)
    assert receive(db, data_dir, home.event(public)) == "filed"
    with db.unit_of_work() as session:
        request = requests_service.get_for_resident(session, code=home.code, secret=home.secret)
        requests_service.transition(
            session, request, "ask_correction", actor=OPERATOR, reason="Alamat kurang lengkap"
        )
    fixed = dict(home.body["form_data"])
    fixed["alamat"] = "Kp. Cibeber No. 4"
    wrong = dict(fixed, tanggal_lahir="2999-01-01")
    # A bad fix is refused and the request still waits for one.
    assert receive(db, data_dir, home.event(public, purpose="correction", form_data=wrong)) == (
        "refused"
    )
    # Another NIK is no correction.
    other_nik = home.event(
        public, purpose="correction", form_data=fixed, applicant_nik="3604015708900002"
    )
    assert receive(db, data_dir, other_nik) == "refused"
    good = home.event(public, purpose="correction", form_data=fixed)
    assert receive(db, data_dir, good) == "corrected"
    assert receive(db, data_dir, good) == "stale"  # delivered again: already applied
    with db.unit_of_work(write=False) as session:
        request = requests_service.get_for_resident(session, code=home.code, secret=home.secret)
        assert request.status == Status.SUBMITTED
        assert request.form_data["alamat"] == "Kp. Cibeber No. 4"
    statuses = [(d["from_status"], d["to_status"]) for d in outbox_of(db, "request.status")]
    assert statuses == [("submitted", "needs_correction"), ("needs_correction", "submitted")]
    assert requests_count(db) == 1


def test_a_malformed_message_is_refused_once_and_told_when_it_can_be(
    village: tuple[Path, Database],
) -> None:
    data_dir, db = village
    home = HomeRequest(KODE)
    raw = home.event(village_public_key(data_dir)).encode().replace(b'"box":{', b'"bx":{')
    with pytest.raises(events.BadEvent):
        events.decode(raw)
    with db.unit_of_work() as session:
        sealed_intake.receive_malformed(session, message_id="seq:7", raw=raw)
        sealed_intake.receive_malformed(session, message_id="seq:7", raw=raw)
        sealed_intake.receive_malformed(session, message_id="seq:8", raw=b"\xff not json")
    assert len(_refusals(db)) == 2
    (up,) = outbox_of(db, "request.refused")
    assert up["code"] == home.code


def test_the_village_never_makes_a_code_the_hub_could_make() -> None:
    from loket_protocol.qr import HUB_CODE_PREFIX
    from office_server.security import new_public_code

    codes = {new_public_code() for _ in range(5000)}
    assert not any(c.startswith(HUB_CODE_PREFIX) for c in codes)
    assert len({c[0] for c in codes}) == 31  # every other first letter still occurs
