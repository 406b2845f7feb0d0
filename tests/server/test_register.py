"""The village register: OpenSID's xlsx export and CSV, a dry run, re-import with changes,
bad rows by line number, and the operator's audited view and correction."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from office_server.audit.models import AuditEvent
from office_server.database import Database
from office_server.residents import service as residents
from office_server.residents.models import Resident
from tests.server.helpers import OPERATOR
from tests.server.test_cli_and_settings import loket
from tests.support.factories import make_nik
from tests.support.register_files import resident_row, write_opensid_xlsx
from tests.web.test_admin_pages import login

COUNT = 5000


def _count(db: Database) -> int:
    with db.session(write=False) as s:
        return int(s.scalar(select(func.count(Resident.id))) or 0)


def test_opensid_export_of_5000_imports_then_reimports_with_changes(
    sqlite_db: Database, tmp_path: Path
) -> None:
    rows = [resident_row(i) for i in range(COUNT)]
    # Bad rows, each reported by its spreadsheet line (row i is on line i + 2).
    rows[10]["nik"] = "12345"
    rows[20]["tanggallahir"] = "31-02-1990"
    rows[30]["agama_id"] = "9"
    rows[41] = dict(rows[40])  # the same NIK twice: the second one is refused
    rows[50]["status_dasar"] = "2"  # died: not in the register
    path = write_opensid_xlsx(tmp_path / "penduduk.xlsx", rows)

    with sqlite_db.unit_of_work() as s:
        dry = residents.import_file(s, path=path, dry_run=True)
    assert _count(sqlite_db) == 0
    assert (dry.added, dry.updated, dry.skipped) == (COUNT - 5, 0, 1)
    assert [line for line, _ in dry.rejected] == [12, 22, 32, 43]
    messages = dict(dry.rejected)
    assert "16 angka" in messages[12] and "tanggal lahir" in messages[22]
    assert "kode agama" in messages[32] and "baris 42" in messages[43]
    assert not any(re.search(r"\d{16}", m) for m in messages.values())  # never a NIK

    with sqlite_db.unit_of_work() as s:
        done = residents.import_file(s, path=path)
    assert (done.added, len(done.rejected)) == (COUNT - 5, 4)
    assert _count(sqlite_db) == COUNT - 5
    with sqlite_db.session(write=False) as s:
        third = residents.find_by_nik(s, nik=rows[3]["nik"])
        assert third is not None
        assert (third.name, third.sex, third.no_kk) == ("WARGA NOMOR 3", "P", "3604120101000000")
        assert (third.religion, third.education, third.marital_status) == (
            "ISLAM", "SLTP/SEDERAJAT", "CERAI MATI",
        )  # fmt: skip
        assert (third.shdk, third.citizenship, third.occupation) == (
            "ANAK", "WNI", "MENGURUS RUMAH TANGGA",
        )  # fmt: skip
        assert (third.dusun, third.rt, third.rw) == ("4", "004", "004")
        assert third.birth_date == date(1953, 4, 4)

    # The next month's export: ten moved house, one changed job, one died.
    for i in range(100, 110):
        rows[i]["alamat"] = "Kp. Baru No. 1"
        rows[i]["rt"] = "010"
    rows[200]["pekerjaan_id"] = (
        "WIRASWASTA" if rows[200]["pekerjaan_id"] != "WIRASWASTA" else "PETANI/PEKEBUN"
    )
    rows[300]["status_dasar"] = "MATI"
    write_opensid_xlsx(path, rows)
    with sqlite_db.unit_of_work() as s:
        again = residents.import_file(s, path=path)
    assert (again.added, again.updated, again.skipped) == (0, 11, 2)
    assert again.unchanged == COUNT - 5 - 11 - 1
    assert again.changed_fields == {"address": 10, "rt": 10, "occupation": 1}
    with sqlite_db.session(write=False) as s:
        moved = residents.find_by_nik(s, nik=rows[100]["nik"])
        assert moved is not None and (moved.address, moved.rt) == ("Kp. Baru No. 1", "010")
        changes = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "resident_import_update")
        ).all()
        assert len(changes) == 11
        assert {tuple(sorted(e.details["fields"])) for e in changes} == {
            ("address", "rt"),
            ("occupation",),
        }
        # Field names only: no value of anyone's data in the audit.
        assert all(set(e.details) == {"resident_id", "fields"} for e in changes)
        assert all("Baru" not in str(e.details) for e in changes)


def test_csv_register_on_both_databases_and_the_cli_dry_run(db: Database, tmp_path: Path) -> None:
    register = tmp_path / "penduduk.csv"
    register.write_text(
        "nik;nama;no_kk;shdk;tempat_lahir;tanggal_lahir;jenis_kelamin;agama;status_kawin;"
        "pendidikan;pekerjaan;kewarganegaraan;dusun;rt;rw;alamat\n"
        f"{make_nik()};Budi Santoso;3604120101000001;KEPALA KELUARGA;Serang;1990-08-17;L;"
        "Islam;Kawin;SLTA / SEDERAJAT;Petani;WNI;Dusun_Krajan;002;003;Kp. Sukamaju\n"
        f"{make_nik(serial=2)};Tanpa Nama KK;12;ANAK;Serang;17/08/1990;L;;;;;;;;;\n",
        encoding="utf-8",
    )
    with db.unit_of_work() as s:
        report = residents.import_file(s, path=register)
    assert (report.added, report.rejected) == (1, [(3, "No. KK harus 16 angka.")])
    with db.session(write=False) as s:
        budi = residents.find_by_nik(s, nik=make_nik())
        assert budi is not None
        assert (budi.shdk, budi.religion, budi.marital_status, budi.dusun) == (
            "KEPALA KELUARGA", "ISLAM", "KAWIN", "KRAJAN",
        )  # fmt: skip
    with db.unit_of_work() as s:
        assert budi is not None
        changed = residents.correct(
            s, resident_id=budi.id, changes={"occupation": "Guru", "rt": "002"}, actor=OPERATOR
        )
    assert changed == ["occupation"]
    with db.session(write=False) as s:
        (event,) = residents.history(s, resident_id=budi.id)
        assert (event["action"], event["fields"]) == ("resident_correct", ["occupation"])
        assert residents.history(s, resident_id=budi.id + 1) == []


def test_cli_import_dry_run_reports_lines_and_counts_never_a_nik(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert loket(data, "migrate").returncode == 0
    rows = [resident_row(i) for i in range(20)]
    rows[5]["nik"] = "3604"
    path = write_opensid_xlsx(tmp_path / "penduduk.xlsx", rows)
    dry = loket(data, "import-residents", "--dry-run", str(path))
    assert dry.returncode == 0, dry.stderr
    assert "Dry run" in dry.stdout and "19 added, 0 updated, 1 rejected" in dry.stdout
    assert "line 7:" in dry.stdout
    assert not re.search(r"\d{16}", dry.stdout + dry.stderr)
    real = loket(data, "import-residents", str(path))
    assert "19 added" in real.stdout
    again = loket(data, "import-residents", str(path))
    assert "0 added, 0 updated, 1 rejected, 19 unchanged" in again.stdout
    wrong = loket(data, "import-residents", str(tmp_path / "x.pdf"))
    assert wrong.returncode == 1 and ".xlsx" in wrong.stderr


def test_operator_finds_reads_and_corrects_a_resident(
    sqlite_db: Database, client: TestClient, tmp_path: Path
) -> None:
    path = write_opensid_xlsx(tmp_path / "p.xlsx", [resident_row(i) for i in range(3)])
    with sqlite_db.unit_of_work() as s:
        residents.import_file(s, path=path)
    csrf = login(client, "operator")
    page = client.get("/operator/penduduk")
    assert page.status_code == 200 and "3 penduduk" in page.text
    found = client.post("/operator/penduduk", data={"csrf_token": csrf, "q": "nomor 1"})
    link = re.search(r'href="/operator/penduduk/(\d+)">WARGA NOMOR 1<', found.text)
    assert link, found.text
    rid = int(link.group(1))
    detail = client.get(f"/operator/penduduk/{rid}")
    assert detail.status_code == 200 and "WARGA NOMOR 1" in detail.text
    fields = {k: v for k, v in re.findall(r'name="(\w+)" type="\w+" value="([^"]*)"', detail.text)}
    fields.update({"csrf_token": csrf, "occupation": "Guru Honorer", "birth_date": "1960-01-01"})
    refused = client.post(f"/operator/penduduk/{rid}", data=fields)
    assert refused.status_code == 422 and "tanggal lahir pada NIK" in refused.text
    fields.pop("birth_date")  # left out: kept as it is
    saved = client.post(f"/operator/penduduk/{rid}", data=fields)
    assert saved.status_code == 200 and "Tersimpan" in saved.text
    assert "Guru Honorer" in saved.text and "diperbaiki: Pekerjaan" in saved.text
    with sqlite_db.session(write=False) as s:
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(("resident_view", "resident_correct")))
            .order_by(AuditEvent.id)
        ).all()
        assert [e.action for e in events] == ["resident_view", "resident_correct", "resident_view"]
        assert events[1].details == {"resident_id": rid, "fields": ["occupation"]}
        assert all(e.actor_label == "operator" for e in events)
