"""The event schema (loket_protocol/events.py): allow-listed fields only, versions kept."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from loket_protocol import events, subjects

AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def _envelope(**changes: object) -> bytes:
    raw = json.loads(
        events.encode(
            event_id=events.new_event_id(),
            village="36.04.01.2001",
            at=AT,
            data=events.RequestFiled(
                code="AB12CD34", letter_type="domisili", channel="web", status="submitted"
            ),
        )
    )
    raw.update(changes)
    return json.dumps(raw).encode()


def test_an_event_round_trips() -> None:
    decoded = events.decode(_envelope())
    assert isinstance(decoded, events.Event)
    assert decoded.kind == events.Kind.REQUEST_FILED
    assert decoded.data == events.RequestFiled(
        code="AB12CD34", letter_type="domisili", channel="web", status="submitted"
    )
    assert decoded.at == AT


@pytest.mark.parametrize(
    "extra",
    [
        {"nik": "3604121708900001"},
        {"kk": "3604120101200001"},
        {"tanggal_lahir": "1990-08-17"},
        {"alamat": "Kp. Sukamaju RT 002/RW 003"},
        {"pdf": "JVBERi0xLjcK"},
    ],
)
def test_no_field_outside_the_allow_list_can_be_sent(extra: dict[str, str]) -> None:
    data = {"code": "AB12CD34", "letter_type": "domisili", "channel": "web", "status": "submitted"}
    with pytest.raises(ValidationError):
        events.RequestFiled(**data, **extra)  # type: ignore[arg-type]
    with pytest.raises(events.BadEvent):
        events.decode(_envelope(data={**data, **extra}))


def test_free_text_refuses_a_nik_kk_or_phone_number() -> None:
    with pytest.raises(ValidationError, match="10 or more digits"):
        events.CatalogEntry(code="usaha", name="Usaha 3604121708900001", active=True)
    with pytest.raises(ValidationError):
        events.Announcement(title="Hubungi 081234567890", body="")
    assert events.Announcement(title="Rapat 5 Desember 2026", body="Pukul 09.00").title


def test_a_pickup_code_cannot_carry_a_nik() -> None:
    with pytest.raises(ValidationError):
        events.PickedUp(code="3604121708900001", via="kiosk")


def test_a_newer_version_or_kind_is_kept_whole() -> None:
    newer = events.decode(_envelope(v=2, data={"code": "AB12CD34", "priority": "high"}))
    assert isinstance(newer, events.UnknownEvent)
    assert newer.version == 2 and newer.raw["data"]["priority"] == "high"
    unknown_kind = events.decode(_envelope(kind="inbox.message"))
    assert isinstance(unknown_kind, events.UnknownEvent)
    assert unknown_kind.kind == "inbox.message"


def test_garbage_and_oversized_envelopes_are_refused() -> None:
    for raw in (b"not json", b"[]", b'{"v": 1}', b"x" * (events.MAX_EVENT_BYTES + 1)):
        with pytest.raises(events.BadEvent):
            events.decode(raw)


def test_a_day_summary_has_only_counts() -> None:
    summary = events.QueueDay(
        day=date(2026, 3, 2),
        tickets_taken=40,
        tickets_called=38,
        requests_filed=25,
        letters_issued=20,
        picked_up=18,
        picked_up_at_kiosk=12,
    )
    assert set(summary.model_dump()) == {
        "day",
        "tickets_taken",
        "tickets_called",
        "requests_filed",
        "letters_issued",
        "picked_up",
        "picked_up_at_kiosk",
    }


def test_village_codes_become_subject_tokens_without_collisions() -> None:
    assert subjects.up_subject("36.04.01.2001", "request.filed") == (
        "loket.up.36_04_01_2001.request.filed"
    )
    assert subjects.village_token("36.04") != subjects.village_token("36-04")
    for bad in ("all", "a b", "x>", "*", "", "36_04"):
        with pytest.raises(ValueError):
            subjects.village_token(bad)
