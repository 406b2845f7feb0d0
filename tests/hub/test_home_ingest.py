"""What the village sends for its residents' pages, through the hub's own ingest into a
real PostgreSQL: forms (a newer one wins, whatever the order they arrive in), keys (the
newest is sealed to, older ones stay), refusals (words only, on the hub's filing)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from loket_protocol import events, sealed
from regency_hub import residents, villages
from regency_hub.database import HubDatabase
from regency_hub.lookups import StatusReader
from regency_hub.models import HubFiling, VillageKey
from tests.hub.events import ingest, message
from tests.sync.harness import run_async

pytestmark = pytest.mark.postgres

KODE = "36.04.05.2050"
NOW = datetime.now(UTC)


def _form(title: str, *, active: bool = True) -> events.LetterTypeForm:
    return events.LetterTypeForm(
        code="sktm",
        title=title,
        self_service=True,
        active=active,
        fields=[events.FormField(name="keperluan", label="Keperluan")],
    )


def _key() -> events.VillageKey:
    text = sealed.public_key_text(sealed.new_private_key())
    return events.VillageKey(kid=sealed.key_id(text), public_key=text)


@pytest.fixture(scope="module")
def village(hub_db: HubDatabase) -> int:
    with hub_db.unit_of_work() as session:
        row, _ = villages.add_village(session, kode_desa=KODE, name="Ingest")
        return row.id


def test_a_newer_form_wins_whatever_the_order(hub_db: HubDatabase, village: int) -> None:
    newer = message(KODE, NOW, _form("SKTM baru"))
    older = message(KODE, NOW - timedelta(hours=1), _form("SKTM lama"))
    assert ingest(hub_db, [newer]).stored == 1
    assert ingest(hub_db, [older]).stored == 1
    with hub_db.unit_of_work() as session:
        [form] = residents.catalog(session, village)
        assert form.title == "SKTM baru"
    ingest(hub_db, [message(KODE, NOW + timedelta(minutes=1), _form("SKTM", active=False))])
    with hub_db.unit_of_work() as session:
        assert residents.catalog(session, village) == []  # withdrawn: not offered at home
        assert residents.form_of(session, village, "sktm") is None


def test_the_newest_key_is_sealed_to_and_older_ones_stay(hub_db: HubDatabase, village: int) -> None:
    first, second = _key(), _key()
    ingest(hub_db, [message(KODE, NOW, first)])
    ingest(hub_db, [message(KODE, NOW, second)])
    with hub_db.unit_of_work() as session:
        place = residents.find_village(session, KODE.lower())
        assert place is not None and place.key is not None
        assert place.key.kid == second.kid
        kids = session.scalars(select(VillageKey.kid).where(VillageKey.village_id == village)).all()
        assert set(kids) == {first.kid, second.kid}


def test_a_refusal_reopens_the_filing_with_words_only(hub_db: HubDatabase, village: int) -> None:
    rid = uuid.uuid4()
    with hub_db.unit_of_work() as session:
        session.add(
            HubFiling(
                request_id=rid,
                village_id=village,
                code="HABCDEFG",
                letter_type="sktm",
                secret_hash="a" * 64,
                filed_at=NOW,
                sent_at=NOW,
                problems=[],
            )
        )
    problem = events.FieldProblem(field="applicant_nik", message="NIK tidak terdaftar.")
    refused = events.SealedRefused(request_id=rid, code="HABCDEFG", problems=[problem])
    ingest(hub_db, [message(KODE, NOW, refused)])
    with hub_db.unit_of_work() as session:
        place = residents.find_village(session, KODE)
    assert place is not None

    async def lookup() -> residents.Answer | None:
        reader = StatusReader(hub_db.url)
        try:
            query = residents.StatusQuery(code="HABCDEFG", secret_hash="a" * 64)
            return await residents.status(reader, place, query)
        finally:
            await reader.close()  # its connections belong to this loop

    found = run_async(lookup)  # the browser tests' Playwright keeps a loop in this thread
    assert found is not None
    assert found.status == "needs_correction"
    assert found.problems == [{"field": "applicant_nik", "message": "NIK tidak terdaftar."}]
    # A refusal of a request the hub never filed changes no filing.
    other = events.SealedRefused(request_id=uuid.uuid4(), code="HZZZZZZZ", problems=[problem])
    assert ingest(hub_db, [message(KODE, NOW, other)]).stored == 1
    with hub_db.unit_of_work() as session:
        refused_rows = session.scalars(
            select(HubFiling.code).where(HubFiling.refused_at.is_not(None))
        ).all()
    assert refused_rows == ["HABCDEFG"]
