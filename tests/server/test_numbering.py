"""Letter numbers: format, yearly reset, scope, and gapless under concurrent signing."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import select

from office_server import numbering
from office_server.database import Database
from office_server.errors import ValidationFailed
from office_server.letters import service as letters_service
from office_server.letters.models import Letter
from office_server.requests import service as requests_service
from tests.server.helpers import approved_requests, operator

CONCURRENT_SIGNINGS = 50


def test_default_format_matches_design() -> None:
    fmt = "{kode}/{nomor:03}/{kode_desa}/{bulan_romawi}/{tahun}"
    assert (
        numbering.format_number(
            fmt, kode="400.12.2.2", nomor=7, kode_desa="DS-2004", on=date(2026, 3, 9)
        )
        == "400.12.2.2/007/DS-2004/III/2026"
    )


@pytest.mark.parametrize(
    ("fmt", "words"),
    [
        ("{kode}/{nomor}/{kode.__class__}/{tahun}", "tidak dikenal"),
        ("{kode}/{tahun}", "harus memuat {nomor}"),
        ("{kode}/{nomor:03}", "harus memuat {tahun}"),
        ("{kode}/{nomor:03/{tahun}", "rusak"),
        ("{kode}/{nomor:zz}/{tahun}", "tidak dapat dipakai"),
    ],
)
def test_bad_formats_are_refused(fmt: str, words: str) -> None:
    problem = numbering.format_problem(fmt)
    assert problem is not None and words in problem


def test_counter_resets_each_year_and_scopes(sqlite_db: Database) -> None:
    with sqlite_db.session() as s:
        on25, on26 = date(2025, 12, 31), date(2026, 1, 1)
        assert numbering.allocate(s, scope="per_type", letter_type_code="sktm", on=on25)[1] == 1
        assert numbering.allocate(s, scope="per_type", letter_type_code="sktm", on=on25)[1] == 2
        assert numbering.allocate(s, scope="per_type", letter_type_code="sktm", on=on26)[1] == 1
        assert numbering.allocate(s, scope="per_type", letter_type_code="usaha", on=on26)[1] == 1
        assert numbering.allocate(s, scope="shared", letter_type_code="sktm", on=on26)[1] == 1
        assert numbering.allocate(s, scope="shared", letter_type_code="usaha", on=on26)[1] == 2
        s.rollback()


@pytest.mark.slow
def test_concurrent_signing_is_gapless(db: Database) -> None:
    """≥50 signers at once, each in its own connection and transaction."""
    ids = approved_requests(db, CONCURRENT_SIGNINGS)
    with db.session() as s:
        signer_id = operator(s, "kades").id
    start = threading.Barrier(min(CONCURRENT_SIGNINGS, 16))

    def sign(request_id: int) -> str:
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=5)
        with db.session() as session:
            request = requests_service.get(session=session, request_id=request_id)
            signer = session.get(type(operator(session, "kades")), signer_id)
            assert signer is not None
            letter = letters_service.sign(session, request, signer=signer, settings=db.settings)
            session.commit()
            return letter.number

    with ThreadPoolExecutor(max_workers=16) as pool:
        numbers = list(pool.map(sign, ids))

    assert len(set(numbers)) == CONCURRENT_SIGNINGS
    with db.session() as s:
        sequences = sorted(s.scalars(select(Letter.sequence)))
        assert sequences == list(range(1, CONCURRENT_SIGNINGS + 1))
    assert sorted(int(n.split("/")[1]) for n in numbers) == sequences


def test_types_sharing_a_code_each_count_on_their_own(sqlite_db: Database) -> None:
    """Kelahiran and kematian share 400.12.3.1 (Permendagri 83/2022): with per-type
    counters each type counts from 1, and both letters are issued."""
    from office_server.letter_types.models import LetterType

    with sqlite_db.session() as s:
        # An admin gave SKTM the same classification code as domisili.
        sktm = s.scalars(select(LetterType).where(LetterType.code == "sktm")).one()
        domisili = s.scalars(select(LetterType).where(LetterType.code == "domisili")).one()
        sktm.classification_code = domisili.classification_code
        s.commit()
    first, second = approved_requests(sqlite_db, 2)
    with sqlite_db.session() as s:
        req = requests_service.get(session=s, request_id=second)
        req.letter_type_id = sktm.id  # same form fields suffice for this check
        s.commit()
    with sqlite_db.session() as s:
        kades = operator(s, "kades")
        issued = []
        for rid in (first, second):
            req = requests_service.get(session=s, request_id=rid)
            issued.append(letters_service.sign(s, req, signer=kades, settings=sqlite_db.settings))
        s.commit()
        assert [letter.sequence for letter in issued] == [1, 1]
        assert {letter.counter_scope for letter in issued} == {"letter:domisili", "letter:sktm"}
        assert issued[0].verification_token != issued[1].verification_token


def test_counter_scope_cannot_change_mid_year(sqlite_db: Database) -> None:
    from office_server.village import service as village

    with sqlite_db.session() as s:
        with pytest.raises(ValidationFailed) as info:
            village.update_profile(session=s, changes={"number_format": "{nomor:03}/{tahun}"})
        assert "{kode}" in info.value.fields["number_format"]
        s.rollback()
    (rid,) = approved_requests(sqlite_db, 1)
    with sqlite_db.session() as s:
        req = requests_service.get(session=s, request_id=rid)
        letters_service.sign(s, req, signer=operator(s, "kades"), settings=sqlite_db.settings)
        s.commit()
        with pytest.raises(ValidationFailed) as info:
            village.update_profile(session=s, changes={"number_scope": "shared"})
        assert "tengah tahun" in info.value.fields["number_scope"]
