"""The sealed request: what the browser seals only the village it was sealed to can open."""

from __future__ import annotations

import uuid

import pytest

from loket_protocol import events, sealed

FORM = {
    "request_id": "x",
    "letter_type": "domisili",
    "applicant_nik": "3604010101900001",
    "applicant_name": "Siti Aminah",
    "form_data": {"keperluan": "Bank"},
    "phone": None,
    "secret_hash": "0" * 64,
}


def test_round_trip_and_binding() -> None:
    village = sealed.new_private_key()
    other = sealed.new_private_key()
    public = sealed.public_key_text(village)
    rid = uuid.uuid4()
    box = sealed.seal(FORM, public_key_b64=public, kode_desa="36.04.01.2001", request_id=rid)
    assert "3604010101900001" not in box.model_dump_json()
    assert sealed.open_box(box, village, kode_desa="36.04.01.2001", request_id=rid) == FORM
    with pytest.raises(sealed.SealError):
        sealed.open_box(box, other, kode_desa="36.04.01.2001", request_id=rid)
    with pytest.raises(sealed.SealError):
        sealed.open_box(box, village, kode_desa="36.04.01.2002", request_id=rid)
    with pytest.raises(sealed.SealError):
        sealed.open_box(box, village, kode_desa="36.04.01.2001", request_id=uuid.uuid4())
    flipped = box.ct[:-2] + ("A" if box.ct[-2] != "A" else "B") + box.ct[-1]
    with pytest.raises(sealed.SealError):
        sealed.open_box(
            box.model_copy(update={"ct": flipped}),
            village,
            kode_desa="36.04.01.2001",
            request_id=rid,
        )


def test_key_survives_pem_and_travels_in_an_event() -> None:
    village = sealed.new_private_key()
    again = sealed.load_private_key(sealed.private_key_pem(village))
    public = sealed.public_key_text(again)
    assert public == sealed.public_key_text(village)
    data = events.VillageKey(kid=sealed.key_id(public), public_key=public)
    rid = uuid.uuid4()
    box = sealed.seal(FORM, public_key_b64=public, kode_desa="DS-1", request_id=rid)
    down = events.SealedRequest(
        request_id=rid,
        code="H2345678",
        letter_type="domisili",
        secret_hash="a" * 64,
        filed_at="2026-12-01T02:00:00+00:00",
        box=box,
    )
    event = events.Event(id=uuid.uuid4(), village="DS-1", at="2026-12-01T02:00:00+00:00", data=down)
    back = events.decode(event.encode())
    assert isinstance(back, events.Event) and back.data == down
    assert data.kid == box.kid
    assert sealed.open_box(back.data.box, again, kode_desa="DS-1", request_id=rid) == FORM
