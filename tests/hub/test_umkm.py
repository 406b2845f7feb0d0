"""The UMKM register at the hub: ingest (idempotent, a newer entry replaces), the page's
filter and paging, and the CSV and xlsx exports read back, formula guard included."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from loket_protocol import events
from regency_hub import villages
from regency_hub.database import HubDatabase
from regency_hub.ingest import IngestCounts
from regency_hub.models import Event, UmkmEntry, Village
from regency_hub.umkm import HEADERS, PAGE_SIZE
from regency_hub.web import create_app
from tests.hub.events import ingest, message, profile

pytestmark = pytest.mark.postgres

PASSWORD = "kabupaten-serang-1"
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
SUKAMAJU, CIBODAS, TANJUNG = "36.04.01.2001", "36.04.01.2002", "36.04.02.2003"


def _entry(code: str, name: str | None, **more: str | None) -> events.UmkmEntry:
    return events.UmkmEntry(code=code, business_name=name, **more)


@pytest.fixture(scope="module")
def seeded(hub_db: HubDatabase) -> HubDatabase:
    """Sukamaju (Cikande) sends 60 entries, Cibodas (Cikande) one with the owner's name,
    Tanjung (Kragilan) one that tries a formula."""
    with hub_db.unit_of_work() as session:
        villages.create_user(session, username="dinas", full_name="Dinas PMD", password=PASSWORD)
        for kode, name in ((SUKAMAJU, "A"), (CIBODAS, "B"), (TANJUNG, "C")):
            villages.add_village(session, kode_desa=kode, name=name)
    batch = [
        message(SUKAMAJU, T0, profile(SUKAMAJU, "Sukamaju", "Cikande")),
        message(CIBODAS, T0, profile(CIBODAS, "Cibodas", "Cikande")),
        message(TANJUNG, T0, profile(TANJUNG, "Tanjung", "Kragilan")),
    ]
    batch += [
        message(
            SUKAMAJU,
            T0 + timedelta(minutes=i),
            _entry(f"SKU{i:05d}", f"Warung {i:02d}", kind="Warung sembako", since="2019"),
        )
        for i in range(60)
    ]
    batch.append(
        message(
            CIBODAS,
            T0,
            _entry(
                "SKUCB001",
                "Bengkel Jaya",
                kind="Bengkel motor",
                since="2015",
                dusun="Dusun II",
                rt="3",
                rw="1",
                owner_name="Siti Aminah",
            ),
        )
    )
    batch.append(
        message(
            TANJUNG,
            T0,
            _entry("SKUTJ001", '=HYPERLINK("http://x")', kind="+jahit", since="2020"),
        )
    )
    counts = ingest(hub_db, batch)
    assert counts.stored == len(batch) and counts.refused == 0
    return hub_db


@pytest.fixture
def client(seeded: HubDatabase) -> Iterator[TestClient]:
    with TestClient(
        create_app(seeded, IngestCounts()), base_url="http://hub.test", follow_redirects=False
    ) as c:
        form = c.get("/masuk")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token
        answer = c.post(
            "/masuk", data={"username": "dinas", "password": PASSWORD, "csrf": token.group(1)}
        )
        assert answer.status_code == 303
        yield c


def _village_id(db: HubDatabase, kode: str) -> int:
    with db.unit_of_work() as session:
        found = session.scalar(select(Village.id).where(Village.kode_desa == kode))
        assert found is not None
        return found


def test_ingest_is_idempotent_and_a_newer_entry_replaces(seeded: HubDatabase) -> None:
    first = message(CIBODAS, T0 + timedelta(days=1), _entry("SKUCB777", "Toko Lama", kind="Toko"))
    assert ingest(seeded, [first]).stored == 1
    again = ingest(seeded, [first, first])
    assert (again.stored, again.duplicates) == (0, 2)
    # The letter issued again (or sent again under a changed policy): same code, newer.
    newer = message(
        CIBODAS, T0 + timedelta(days=2), _entry("SKUCB777", "Toko Baru", kind=None, since="2021")
    )
    # An older event for the code arriving late changes nothing.
    late = message(CIBODAS, T0, _entry("SKUCB777", "Toko Paling Lama", kind="Toko"))
    assert ingest(seeded, [newer, late]).stored == 2
    with seeded.unit_of_work() as session:
        rows = session.scalars(select(UmkmEntry).where(UmkmEntry.code == "SKUCB777")).all()
        assert [(r.business_name, r.kind, r.since) for r in rows] == [("Toko Baru", None, "2021")]
        # Every event kept in the record, one entry in the register.
        assert (
            session.scalar(
                select(func.count()).select_from(Event).where(Event.kind == "register.umkm")
            )
            == 60 + 2 + 3
        )
    # Replayed after JetStream's duplicate window: still one entry, unchanged.
    assert ingest(seeded, [first, newer]).duplicates == 2
    with seeded.unit_of_work() as session:
        entry = session.scalars(select(UmkmEntry).where(UmkmEntry.code == "SKUCB777")).one()
        assert entry.business_name == "Toko Baru"
        session.delete(entry)


def test_the_page_filters_by_kecamatan_and_village_and_pages(
    client: TestClient, seeded: HubDatabase
) -> None:
    page = client.get("/umkm")
    assert page.status_code == 200
    assert "62 usaha" in page.text
    assert page.text.count("<tr>") == PAGE_SIZE + 1  # header + one page
    assert "Halaman 1 dari 2" in page.text
    second = client.get("/umkm?halaman=2")
    assert second.text.count("<tr>") == 62 - PAGE_SIZE + 1
    assert "Halaman 2 dari 2" in second.text
    # A page past the end shows the last one; nonsense shows the first.
    assert "Halaman 2 dari 2" in client.get("/umkm?halaman=99").text
    assert "Halaman 1 dari 2" in client.get("/umkm?halaman=abc").text

    kragilan = client.get("/umkm?kecamatan=Kragilan")
    assert "1 usaha" in kragilan.text and "Tanjung" in kragilan.text
    assert "Warung 00" not in kragilan.text and "Halaman" not in kragilan.text
    assert 'href="/umkm.csv?kecamatan=Kragilan"' in kragilan.text

    cibodas = client.get(f"/umkm?kecamatan=Cikande&desa={_village_id(seeded, CIBODAS)}")
    assert "1 usaha" in cibodas.text
    # The owner appears only where the village sent it; RT/RW as sent.
    assert "Siti Aminah" in cibodas.text and "3/1" in cibodas.text and "Dusun II" in cibodas.text
    sukamaju = client.get(f"/umkm?desa={_village_id(seeded, SUKAMAJU)}")
    assert "60 usaha" in sukamaju.text and "Siti Aminah" not in sukamaju.text

    nothing = client.get("/umkm?kecamatan=Tidak+Ada")
    assert "Belum ada data." in nothing.text


def test_csv_export_has_the_filter_indonesian_headers_and_no_formulas(
    client: TestClient,
) -> None:
    answer = client.get("/umkm.csv?kecamatan=Kragilan")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert len(rows) == 2
    row = dict(zip(HEADERS, rows[1], strict=True))
    assert row["Desa"] == "Tanjung" and row["Kecamatan"] == "Kragilan"
    assert row["Nama usaha"] == '\'=HYPERLINK("http://x")'
    assert row["Jenis usaha"] == "'+jahit"
    assert row["Nama pemilik"] == ""
    everything = list(csv.reader(io.StringIO(client.get("/umkm.csv").content.decode("utf-8-sig"))))
    assert len(everything) == 1 + 62


def test_xlsx_export_reads_back_with_the_same_filter_and_no_formulas(
    client: TestClient, seeded: HubDatabase
) -> None:
    answer = client.get(f"/umkm.xlsx?desa={_village_id(seeded, CIBODAS)}")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    sheet = book["Register UMKM"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == HEADERS
    assert len(values) == 2
    row = dict(zip(HEADERS, values[1], strict=True))
    assert row["Nama usaha"] == "Bengkel Jaya" and row["Nama pemilik"] == "Siti Aminah"
    assert (row["Dusun"], row["RT"], row["RW"]) == ("Dusun II", "3", "1")

    guarded = load_workbook(io.BytesIO(client.get("/umkm.xlsx?kecamatan=Kragilan").content))
    cells = list(guarded["Register UMKM"].iter_rows())[1]
    assert all(c.data_type != "f" for c in cells)
    assert cells[HEADERS.index("Nama usaha")].value == '\'=HYPERLINK("http://x")'


def test_exports_need_a_login(seeded: HubDatabase) -> None:
    with TestClient(
        create_app(seeded, IngestCounts()), base_url="http://hub.test", follow_redirects=False
    ) as anonymous:
        for path in ("/umkm", "/umkm.csv", "/umkm.xlsx"):
            answer = anonymous.get(path)
            assert answer.status_code == 303 and answer.headers["location"] == "/masuk", path
