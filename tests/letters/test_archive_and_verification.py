"""Archive search and export, verification by token and by PDF, backup and restore."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from office_server.backup import BackupError, create_backup, restore_backup
from office_server.config import Settings
from office_server.database import Database
from office_server.letters import service as letters_service
from office_server.letters.archive import Archive
from office_server.letters.models import Letter
from office_server.main import create_app
from office_server.migrate import upgrade
from office_server.requests import service as requests_service
from office_server.seed import DEMO_PASSWORDS
from tests.server.helpers import approved_requests, operator
from tests.support import databases

REPO = Path(__file__).resolve().parents[2]


def issue_letters(db: Database, count: int) -> list[Letter]:
    ids = approved_requests(db, count)
    with db.session() as session:
        letters = []
        for rid in ids:
            request = requests_service.get(session=session, request_id=rid)
            letters.append(
                letters_service.sign(
                    session, request, signer=operator(session, "kades"), settings=db.settings
                )
            )
        session.commit()
        return letters


def login(client: TestClient, username: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORDS[username]}
    )
    return {"X-CSRF-Token": r.json()["csrf_token"]}


def test_verification_page_by_token_and_upload(client: TestClient, sqlite_db: Database) -> None:
    (letter,) = issue_letters(sqlite_db, 1)
    token = letter.verification_token
    with sqlite_db.session() as session:
        nik = requests_service.get(session=session, request_id=letter.request_id).applicant_nik
    page = client.get(f"/v/{token}")
    assert page.status_code == 200
    for text in (letter.number, "Surat Keterangan Domisili", "Sukamaju", letter.pdf_sha256):
        assert text in page.text
    assert nik not in page.text  # no NIK on the public page
    assert client.get(f"/V/{token}").status_code == 200  # the QR's upper-case form
    assert client.get(f"/api/v1/verify/{token}").json()["number"] == letter.number

    pdf = Archive(sqlite_db.settings.archive_dir).read(letter.pdf_sha256)
    same = client.post(f"/v/{token}", files={"pdf": ("surat.pdf", pdf, "application/pdf")})
    assert "Cocok." in same.text
    forged = pdf + b"\n% diubah\n"
    other = client.post(f"/v/{token}", files={"pdf": ("surat.pdf", forged, "application/pdf")})
    assert "Tidak cocok." in other.text
    assert hashlib.sha256(forged).hexdigest() in other.text


def test_near_miss_tokens_are_404(client: TestClient, sqlite_db: Database) -> None:
    (letter,) = issue_letters(sqlite_db, 1)
    token = letter.verification_token
    flipped = "B" if token[-1] != "B" else "C"
    # Lower case with its last character changed: /v/ accepts either case, so this must
    # differ from the token in more than case.
    lowered = token.lower()[:-1] + flipped.lower()
    for near in (token[:-1] + flipped, token[:-1], token + "A", lowered, "1"):
        assert client.get(f"/v/{near}").status_code == 404, near
    assert client.get(f"/v/{letter.id}").status_code == 404  # never an id


def test_archive_search_and_export(client: TestClient, sqlite_db: Database) -> None:
    letters = issue_letters(sqlite_db, 3)
    csrf = login(client, "operator")

    def find(**query: str) -> list[dict[str, Any]]:
        r = client.post("/api/v1/operator/archive/search", json=query, headers=csrf)
        assert r.status_code == 200, r.text
        rows: list[dict[str, Any]] = r.json()
        return rows

    rows = find(name="budi")
    assert len(rows) == 3
    nik = "3604121708900002"
    by_nik = find(nik=nik)
    assert [r["number"] for r in by_nik] == [letters[1].number]
    by_number = find(number="/003/")
    assert [r["number"] for r in by_number] == [letters[2].number]
    assert find(letter_type="sktm") == []
    assert client.get("/api/v1/operator/archive/export").status_code == 403  # admin only

    login(client, "admin")
    export = client.get("/api/v1/operator/archive/export", params={"letter_type": "domisili"})
    with zipfile.ZipFile(io.BytesIO(export.content)) as zf:
        manifest = json.loads(zf.read("manifest.json"))["letters"]
        assert len(manifest) == 3
        for entry in manifest:
            assert hashlib.sha256(zf.read(entry["file"])).hexdigest() == entry["pdf_sha256"]


def _snapshot(db: Database) -> tuple[list[tuple[str, str]], dict[str, int]]:
    with db.session(write=False) as session:
        letters = sorted(session.execute(select(Letter.number, Letter.pdf_sha256)).tuples())
    files = {p.name: p.stat().st_size for p in db.settings.archive_dir.rglob("*.pdf")}
    return [tuple(r) for r in letters], files


def test_backup_restore_round_trip_sqlite(sqlite_db: Database, tmp_path: Path) -> None:
    issue_letters(sqlite_db, 4)
    backup_file = tmp_path / "cadangan.zip"
    manifest = create_backup(sqlite_db.settings, backup_file)
    assert manifest["rows"]["letters"] == 4 and len(manifest["archive"]) == 4

    restored = Settings(data_dir=tmp_path / "restored")
    restore_backup(restored, backup_file)
    restored_db = Database(restored)
    assert _snapshot(restored_db) == _snapshot(sqlite_db)
    restored_db.dispose()
    with pytest.raises(BackupError, match="tidak kosong"):
        restore_backup(restored, backup_file)  # never over existing data


def test_the_keys_of_sealed_requests_travel_with_the_backup(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """Both keys, the old one too: a request sealed before a rotation still opens."""
    import os
    import stat
    import uuid

    from loket_protocol import sealed
    from office_server.sync import sealed_keys

    data_dir = sqlite_db.settings.data_dir
    with sqlite_db.session() as session:
        sealed_keys.ensure(session, data_dir)
        old = sealed_keys.current(data_dir)
        assert old is not None
        sealed_keys.rotate(session, data_dir)
        session.commit()
    rid = uuid.uuid4()
    box = sealed.seal(
        {"request_id": str(rid)},
        public_key_b64=sealed.public_key_text(old[1]),
        kode_desa="DS-2004",
        request_id=rid,
    )
    manifest = create_backup(sqlite_db.settings, tmp_path / "b.zip")
    assert sum(e["path"].startswith("keys/sealed-requests/") for e in manifest["keys"]) == 2

    restored = Settings(data_dir=tmp_path / "restored")
    restore_backup(restored, tmp_path / "b.zip")
    assert sealed_keys.kids(restored.data_dir) == sealed_keys.kids(data_dir)
    key = sealed_keys.private_key(restored.data_dir, old[0])
    assert sealed.open_box(box, key, kode_desa="DS-2004", request_id=rid) == {
        "request_id": str(rid)
    }
    folder = sealed_keys.key_folder(restored.data_dir)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in folder.iterdir())


def test_corrupt_backup_is_refused(sqlite_db: Database, tmp_path: Path) -> None:
    issue_letters(sqlite_db, 1)
    good = tmp_path / "good.zip"
    create_backup(sqlite_db.settings, good)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith(".pdf"):
                data = data[:-10] + b"0123456789"
            dst.writestr(item, data)
    with pytest.raises(BackupError, match="rusak"):
        restore_backup(Settings(data_dir=tmp_path / "r"), bad)
    assert not (tmp_path / "r" / "loket.sqlite3").exists()


def test_backup_restore_round_trip_postgres(tmp_path: Path) -> None:
    admin_url = databases.postgres_admin_url()
    if not admin_url:
        pytest.skip("PostgreSQL is not running (make services starts it)")
    databases.build_postgres_template(admin_url)
    name, url = databases.postgres_copy(admin_url)
    empty_name, empty_url = databases.postgres_copy(admin_url)
    try:
        source = Database(Settings(data_dir=tmp_path / "src"), url=url)
        issue_letters(source, 2)
        create_backup(Settings(data_dir=tmp_path / "src", database_url=url), tmp_path / "b.zip")
        # An empty database: drop the template's tables so restore starts from nothing.
        empty = Database(Settings(data_dir=tmp_path / "dst"), url=empty_url)
        with empty.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        empty.dispose()
        target = Settings(data_dir=tmp_path / "dst", database_url=empty_url)
        restore_backup(target, tmp_path / "b.zip")
        restored = Database(target)
        upgrade(restored.engine)  # already at head: a no-op that proves alembic agrees
        assert _snapshot(restored) == _snapshot(source)
        restored.dispose()
        source.dispose()
    finally:
        databases.drop_postgres(admin_url, name)
        databases.drop_postgres(admin_url, empty_name)


def test_cli_backup_restore_and_verify(sqlite_db: Database, tmp_path: Path) -> None:
    (letter,) = issue_letters(sqlite_db, 1)
    pdf_path = tmp_path / "surat.pdf"
    pdf_path.write_bytes(Archive(sqlite_db.settings.archive_dir).read(letter.pdf_sha256))
    env = {"LOKET_DATA_DIR": str(sqlite_db.settings.data_dir), "PATH": "/usr/bin:/bin"}

    def loket(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
        run_env = {**env, "LOKET_DATA_DIR": str(data_dir)} if data_dir else env
        return subprocess.run(
            [sys.executable, "-m", "office_server.cli", *args],
            env=run_env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    ok = loket("verify", str(pdf_path))
    assert ok.returncode == 0 and letter.number in ok.stdout and "COCOK" in ok.stdout
    pdf_path.write_bytes(pdf_path.read_bytes() + b"\n% ditambah\n")
    assert loket("verify", str(pdf_path)).returncode == 1
    assert loket("backup", str(tmp_path / "b.zip")).returncode == 0
    restored = loket("restore", str(tmp_path / "b.zip"), data_dir=tmp_path / "new")
    assert restored.returncode == 0, restored.stderr
    with TestClient(create_app(Settings(data_dir=tmp_path / "new"))) as c:
        assert c.get(f"/v/{letter.verification_token}").status_code == 200
        c.app.state.db.dispose()  # type: ignore[attr-defined]


def test_thermal_only_office_issues_thermal_letters(sqlite_db: Database) -> None:
    """An office with only a receipt printer: the letter is laid out for 80 mm paper, and
    the kiosk learns the layout from the claim."""
    from pypdf import PdfReader

    from office_server.village.models import VillageProfile

    with sqlite_db.session() as s:
        profile = s.get(VillageProfile, 1)
        assert profile is not None
        profile.paper_size = "thermal80"
        s.commit()
    (letter,) = issue_letters(sqlite_db, 1)
    assert letter.paper == "thermal80"
    pdf = Archive(sqlite_db.settings.archive_dir).read(letter.pdf_sha256)
    width_mm = float(PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width) / 72 * 25.4
    assert 71 < width_mm < 81


def test_letters_are_signed_with_the_village_key(
    client: TestClient, sqlite_db: Database, tmp_path: Path
) -> None:
    """PAdES: the issued PDF carries a valid signature of the village's own certificate;
    a changed byte breaks it; the key travels with the backup."""
    import os
    import stat

    from office_server.letters import signing

    (letter,) = issue_letters(sqlite_db, 1)
    data_dir = sqlite_db.settings.data_dir
    key = signing.keys_dir(data_dir) / signing.KEY_FILE
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    pdf = Archive(sqlite_db.settings.archive_dir).read(letter.pdf_sha256)
    check = signing.check_pdf(pdf, data_dir=data_dir)
    assert check.ok and "Sukamaju" in check.signer

    tampered = bytearray(pdf)
    tampered[len(pdf) // 3] ^= 0x01
    assert not signing.check_pdf(bytes(tampered), data_dir=data_dir).ok
    stranger = signing.check_pdf(pdf, data_dir=tmp_path / "another-village")
    assert stranger.signed and not stranger.trusted

    page = client.post(
        f"/v/{letter.verification_token}", files={"pdf": ("s.pdf", pdf, "application/pdf")}
    )
    assert "Cocok." in page.text and "<strong>sah</strong>" in page.text

    create_backup(sqlite_db.settings, tmp_path / "b.zip")
    restored = Settings(data_dir=tmp_path / "restored")
    restore_backup(restored, tmp_path / "b.zip")
    assert signing.check_pdf(pdf, data_dir=restored.data_dir).ok
