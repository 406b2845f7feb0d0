"""The outbox is written in the same transaction as the change it tells, for every hook."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from loket_protocol import events
from office_server.database import Database
from office_server.letter_types import service as letter_types
from office_server.requests import service as requests_service
from office_server.sync.models import OutboxEvent
from office_server.village import service as village
from tests.server.helpers import OPERATOR, file_request
from tests.sync.conftest import make_village


def _kinds(db: Database) -> list[tuple[str, dict[str, object]]]:
    with db.unit_of_work(write=False) as session:
        return [
            (r.kind, r.data) for r in session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        ]


@pytest.fixture
def village_db(sqlite_template: Path, tmp_path: Path) -> Database:
    return make_village(sqlite_template, tmp_path / "village")[1]


def test_filing_and_each_status_change_write_one_event(village_db: Database) -> None:
    with village_db.unit_of_work() as session:
        request = file_request(session)
        requests_service.transition(session, request, "approve", actor=OPERATOR)
        code = request.public_code
    assert _kinds(village_db) == [
        (
            "request.filed",
            {"code": code, "letter_type": "domisili", "channel": "web", "status": "submitted"},
        ),
        (
            "request.status",
            {"code": code, "from_status": "submitted", "to_status": "awaiting_signature"},
        ),
    ]


def test_a_change_rolled_back_leaves_no_event(village_db: Database) -> None:
    with pytest.raises(RuntimeError), village_db.unit_of_work() as session:
        file_request(session)
        raise RuntimeError("the office's transaction failed")
    assert _kinds(village_db) == []


def test_a_rejection_reason_stays_in_the_village(village_db: Database) -> None:
    with village_db.unit_of_work() as session:
        request = file_request(session)
        requests_service.transition(
            session, request, "reject", actor=OPERATOR, reason="NIK 3604121708900001 salah"
        )
    assert "3604121708900001" not in repr(_kinds(village_db))


def test_profile_and_catalog_changes_go_up_as_public_text(village_db: Database) -> None:
    with village_db.unit_of_work() as session:
        village.update_profile(session, changes={"name": "Sukamaju Baru"})
        lt = letter_types.get_any(session, code="domisili")
        letter_types.update(
            session,
            code=lt.code,
            title="Surat Keterangan Domisili",
            description=lt.description,
            classification_code=lt.classification_code,
            required_documents=lt.required_documents,
            self_service=lt.self_service,
            active=lt.active,
            template_name=lt.template_name,
            body_template=lt.body_template,
            form_schema=lt.form_schema,
        )
    kinds = _kinds(village_db)
    assert [k for k, _ in kinds] == ["profile.changed", "catalog.changed", "catalog.form"]
    assert kinds[0][1]["name"] == "Sukamaju Baru"
    form = kinds[2][1]
    assert form["code"] == "domisili" and form["title"] == "Surat Keterangan Domisili"
    assert [f["name"] for f in form["fields"]] == [f["name"] for f in lt.form_schema]
    entries = kinds[1][1]["letter_types"]
    assert isinstance(entries, list)
    assert {"code": "domisili", "name": "Surat Keterangan Domisili", "active": True} in entries
    assert "address" not in kinds[0][1]


def test_an_admin_text_the_schema_refuses_is_kept_but_not_sent(village_db: Database) -> None:
    with village_db.unit_of_work() as session:
        village.update_profile(session, changes={"kecamatan": "Kec 3604121708900001"})
    assert _kinds(village_db) == []
    with village_db.unit_of_work(write=False) as session:
        assert village.get_profile(session).kecamatan == "Kec 3604121708900001"


def test_every_outbox_row_reads_back_as_an_event(village_db: Database) -> None:
    with village_db.unit_of_work() as session:
        file_request(session)
    for kind, data in _kinds(village_db):
        assert events.data_from_dict(kind, data)


def test_the_day_summary_goes_up_once_with_counts_only(village_db: Database) -> None:
    from office_server import housekeeping
    from office_server.clock import today_local
    from office_server.config import Settings
    from office_server.letters import stats

    with village_db.unit_of_work() as session:
        file_request(session)
        file_request(session, serial=2)
    with village_db.unit_of_work() as session:
        assert stats.record_day_summary(session, day=today_local())
        assert not stats.record_day_summary(session, day=today_local())
    housekeeping.run_once(village_db, Settings(data_dir=village_db.settings.data_dir))
    housekeeping.run_once(village_db, Settings(data_dir=village_db.settings.data_dir))
    days = [data for kind, data in _kinds(village_db) if kind == "queue.day"]
    assert len(days) == 2  # today's (asked twice) and yesterday's (the chore, twice)
    today = next(d for d in days if d["day"] == today_local().isoformat())
    assert today["requests_filed"] == 2
    assert set(today) == {
        "day",
        "tickets_taken",
        "tickets_called",
        "requests_filed",
        "letters_issued",
        "picked_up",
        "picked_up_at_kiosk",
    }


def test_sync_status_tells_depth_last_acknowledged_and_lag(village_db: Database) -> None:
    import subprocess

    from office_server.sync import outbox
    from tests.sync.harness import BIN

    with village_db.unit_of_work() as session:
        file_request(session)
        file_request(session, serial=2)
    with village_db.unit_of_work() as session:
        first = outbox.pending(session, limit=1)[0]
        outbox.mark_sent(session, acked={first.id: 41})
    env = {**os.environ, "LOKET_DATA_DIR": str(village_db.settings.data_dir)}
    env.pop("LOKET_HUB_CREDENTIALS", None)
    shown = subprocess.run(
        [str(BIN / "loket"), "sync", "status"], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "none (the outbox fills)" in shown
    assert "Outbox depth:        1 events waiting" in shown
    assert f"Last acknowledged:   {first.event_id} at" in shown
    assert "Sent (acknowledged): 1" in shown


def _save_schema(session: object, lt: object, schema: list[dict[str, object]]) -> None:
    letter_types.update(
        session,  # type: ignore[arg-type]
        code=lt.code,  # type: ignore[attr-defined]
        title=lt.title,  # type: ignore[attr-defined]
        description=lt.description,  # type: ignore[attr-defined]
        classification_code=lt.classification_code,  # type: ignore[attr-defined]
        required_documents=lt.required_documents,  # type: ignore[attr-defined]
        self_service=lt.self_service,  # type: ignore[attr-defined]
        active=lt.active,  # type: ignore[attr-defined]
        template_name=lt.template_name,  # type: ignore[attr-defined]
        body_template=lt.body_template,  # type: ignore[attr-defined]
        form_schema=schema,
    )


def test_a_help_text_with_a_phone_number_is_left_out_of_the_form_event(
    village_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The admin's schema is saved; the event goes up without that help text, and the
    warning names the field, never the text."""
    with village_db.unit_of_work() as session:
        lt = letter_types.get_any(session, code="domisili")
        schema = [dict(f) for f in lt.form_schema]
        schema[0]["help"] = "Tanya ke 081234567890 bila ragu"
        _save_schema(session, lt, schema)
    with village_db.unit_of_work(write=False) as session:
        assert (
            letter_types.get_any(session, code="domisili")
            .form_schema[0]["help"]
            .startswith("Tanya")
        )
    form = next(d for k, d in _kinds(village_db) if k == "catalog.form")
    fields = form["fields"]
    assert isinstance(fields, list) and len(fields) == len(schema)
    assert "help" not in fields[0] or fields[0]["help"] is None
    assert "081234567890" not in repr(_kinds(village_db))
    assert "081234567890" not in caplog.text
    assert f"field {schema[0]['name']}" in caplog.text


def test_every_letter_type_form_goes_up_once_for_a_village_joining_later(
    village_db: Database,
) -> None:
    from office_server.letter_types import published

    with village_db.unit_of_work() as session:
        total = len(letter_types.catalog(session, include_inactive=True))
        assert published.record_missing(session) == total
        assert published.record_missing(session) == 0
    forms = [d for k, d in _kinds(village_db) if k == "catalog.form"]
    assert len(forms) == total
    for data in forms:
        assert events.data_from_dict("catalog.form", data)


def test_a_form_too_large_for_an_event_goes_up_without_its_help_texts(
    village_db: Database,
) -> None:
    with village_db.unit_of_work() as session:
        lt = letter_types.get_any(session, code="domisili")
        schema = [
            {"name": f"isian_{i}", "label": f"Isian {i}", "help": "Penjelasan panjang. " * 24}
            for i in range(60)
        ]
        _save_schema(session, lt, schema)
    form = next(d for k, d in _kinds(village_db) if k == "catalog.form")
    fields = form["fields"]
    assert isinstance(fields, list) and len(fields) == 60
    assert all(f.get("help") is None for f in fields)
    raw = events.encode(
        event_id=events.new_event_id(),
        village="36.04.01.2001",
        at=datetime.now(UTC),
        data=events.data_from_dict("catalog.form", form),
    )
    assert len(raw) <= events.MAX_EVENT_BYTES
