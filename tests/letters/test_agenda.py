"""The Buku Agenda Surat Keluar (Permendagri 47/2016): the xlsx opens with openpyxl and
its rows are the archive's letters of the period, in order; the PDF carries the same."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pypdf
from fastapi.testclient import TestClient
from sqlalchemy import select

from office_server.database import Database
from office_server.letters import service as letters_service
from office_server.letters.agenda import COLUMNS
from office_server.letters.models import Letter
from office_server.requests import lifecycle
from office_server.requests import service as requests_service
from tests.server.helpers import approved_requests, operator
from tests.web.test_admin_pages import login

DAYS = (date(2026, 11, 3), date(2026, 11, 28), date(2026, 12, 1), date(2025, 12, 30))


def _issue(db: Database) -> None:
    ids = approved_requests(db, len(DAYS))
    with db.session() as s:
        kades = operator(s, "kades")
        for request_id, day in zip(ids, DAYS, strict=True):
            request = requests_service.get(s, request_id=request_id)
            lifecycle.apply(s, request, "sign", actor=kades.actor)
            letters_service.issue(s, request, signer=kades, settings=db.settings, today=day)
        s.commit()


def test_agenda_xlsx_rows_match_the_archive(client: TestClient, sqlite_db: Database) -> None:
    _issue(sqlite_db)
    login(client, "operator")
    archive = client.get("/operator/arsip")
    assert 'action="/operator/arsip/agenda"' in archive.text

    r = client.get("/operator/arsip/agenda", params={"tahun": 2026, "bulan": 11})
    assert r.status_code == 200
    assert r.headers["content-disposition"].endswith("agenda-surat-keluar-2026-11.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    assert "BUKU AGENDA SURAT KELUAR" in str(sheet["A1"].value)
    assert [c.value for c in sheet[3]] == list(COLUMNS)
    got = [row for row in sheet.iter_rows(min_row=4, values_only=True)]

    with sqlite_db.session() as s:
        letters = s.scalars(
            select(Letter)
            .where(Letter.issued_on >= date(2026, 11, 1), Letter.issued_on < date(2026, 12, 1))
            .order_by(Letter.issued_on, Letter.id)
        ).all()
        expected = [
            (
                i,
                letter.number,
                letter.issued_on,
                requests_service.get(s, request_id=letter.request_id).applicant_name,
                requests_service.get(s, request_id=letter.request_id).letter_type.title,
            )
            for i, letter in enumerate(letters, start=1)
        ]
    assert len(expected) == 2
    assert [(r[0], r[2], r[3].date(), r[4], r[5]) for r in got] == expected

    year = client.get("/operator/arsip/agenda", params={"tahun": 2026, "bulan": 0})
    year_sheet = openpyxl.load_workbook(io.BytesIO(year.content)).active
    assert year_sheet is not None
    assert len(list(year_sheet.iter_rows(min_row=4))) == 3  # the 2025 letter is not in it

    pdf = client.get("/operator/arsip/agenda", params={"tahun": 2026, "bulan": 11, "format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "BUKU AGENDA SURAT KELUAR" in text
    for _, number, *_rest in expected:
        assert number.replace(" ", "") in text.replace(" ", "").replace("\n", "")


def test_agenda_is_for_operators_only(client: TestClient) -> None:
    r = client.get("/operator/arsip/agenda", follow_redirects=False)
    assert r.status_code in (303, 401, 403)
