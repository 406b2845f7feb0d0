"""The `loket` command and settings, run as an admin would run them."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from office_server.config import Settings
from office_server.database import Database, utcnow
from office_server.errors import ValidationFailed
from office_server.letter_types.catalog import SEED_LETTER_TYPES
from office_server.operators.models import Operator
from office_server.requests import service as requests_service
from office_server.requests.lifecycle import Status
from office_server.residents.models import Resident
from tests.server.helpers import OPERATOR, file_request
from tests.support.factories import make_nik

REPO = Path(__file__).resolve().parents[2]


def loket(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "office_server.cli", *args],
        env={"LOKET_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        cwd=REPO, input=stdin, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_given_secret_key_is_used_and_a_short_one_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(data_dir=tmp_path, secret_key="short")
    given = Settings(data_dir=tmp_path, environment="production", secret_key="x" * 32)
    assert given.session_secret() == "x" * 32
    assert "x" * 32 not in repr(given)  # never printed with the settings
    assert not list(tmp_path.iterdir())  # no key file made when one is given


def test_cli_setup_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert loket(data, "migrate").returncode == 0
    assert loket(data, "seed-demo", "--if-empty").returncode == 0
    again = loket(data, "seed-demo", "--if-empty")
    assert again.returncode == 0 and "already" in again.stdout
    made = loket(
        data, "create-operator", "--username", "Sekdes", "--full-name", "Dewi Lestari",
        "--role", "signer", "--title", "Sekretaris Desa", "--password-stdin",
        stdin="rahasia-sekali\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    short = loket(
        data, "create-operator", "--username", "x", "--full-name", "X", "--role", "operator",
        "--password-stdin", stdin="pendek\n",
    )  # fmt: skip
    assert short.returncode == 1 and "paling sedikit 8" in short.stderr
    kiosk = loket(data, "add-kiosk", "--name", "Anjungan Aula")
    assert kiosk.returncode == 0 and kiosk.stdout.strip().splitlines()[-1].startswith("lk_")
    assert loket(data, "add-kiosk", "--name", "Anjungan Aula").returncode == 1

    register = tmp_path / "penduduk.csv"
    register.write_text(
        "nik,nama,tempat_lahir,tanggal_lahir,jenis_kelamin,alamat\n"
        f"{make_nik()},Budi Santoso,Serang,1990-08-17,L,Kp. Sukamaju\n"
        f"{make_nik(serial=2)},Salah Tanggal,Serang,1991-01-01,L,Kp. Sukamaju\n"
        "123,Rusak,Serang,1990-01-01,L,\n",
        encoding="utf-8",
    )
    imported = loket(data, "import-residents", str(register))
    assert imported.returncode == 0
    assert "1 added, 0 updated, 2 rejected" in imported.stdout
    assert "line 3" in imported.stdout and "line 4" in imported.stdout
    assert make_nik() not in imported.stdout  # reports line numbers, never a NIK

    db = Database(Settings(data_dir=data))
    with db.session() as s:
        sekdes = s.scalars(select(Operator).where(Operator.username == "sekdes")).one()
        assert (sekdes.role, sekdes.title) == ("signer", "Sekretaris Desa")
        assert sekdes.password_hash.startswith("$argon2")
        assert s.scalars(select(Resident)).one().name == "Budi Santoso"
    db.dispose()


def test_register_mismatch_is_refused(sqlite_db: Database) -> None:
    """A NIK the register knows with another birth date is refused; a newcomer is not."""
    with sqlite_db.session() as s:
        s.add(Resident(nik=make_nik(serial=1), name="Budi", birth_date=date(1989, 1, 2), sex="L"))
        s.flush()
        with pytest.raises(ValidationFailed) as info:
            file_request(s, serial=1)
        assert info.value.fields == {
            "applicant_nik": "NIK tidak cocok dengan data kependudukan desa."
        }
        assert file_request(s, serial=2).status == Status.SUBMITTED  # not in the register
        s.rollback()


def test_stale_requests_expire(sqlite_db: Database) -> None:
    with sqlite_db.session() as s:
        stale, fresh = file_request(s, 1), file_request(s, 2)
        for r in (stale, fresh):
            requests_service.transition(s, r, "ask_correction", actor=OPERATOR, reason="KTP")
        stale.status_changed_at = utcnow() - timedelta(days=31)
        assert requests_service.expire_stale(s, settings=sqlite_db.settings) == 1
        assert (stale.status, fresh.status) == (Status.EXPIRED, Status.NEEDS_CORRECTION)


def test_housekeeping_expires_in_its_own_transaction(sqlite_db: Database) -> None:
    from office_server import housekeeping

    with sqlite_db.session() as s:
        stale = file_request(s, 1)
        requests_service.transition(s, stale, "ask_correction", actor=OPERATOR, reason="KTP")
        stale.status_changed_at = utcnow() - timedelta(days=40)
        s.commit()
        stale_id = stale.id
    assert housekeeping.run_once(sqlite_db, sqlite_db.settings) == 1
    with sqlite_db.session() as s:
        assert requests_service.get(session=s, request_id=stale_id).status == Status.EXPIRED
    assert housekeeping.run_once(sqlite_db, sqlite_db.settings) == 0


def test_a_real_village_is_set_up_without_demo_accounts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert loket(data, "migrate").returncode == 0
    args = ["--kode-desa", "3604122001", "--kecamatan", "Cikeusal", "--kabupaten", "Serang"]
    args += ["--provinsi", "Banten", "--head-name", "Hj. Siti Rohmah"]
    done = loket(data, "init", "--name", "Sindangsari", *args)
    assert done.returncode == 0, done.stderr
    assert loket(data, "init", "--name", "Lain", *args).returncode == 1
    prod = subprocess.run(
        [sys.executable, "-m", "office_server.cli", "seed-demo"],
        env={"LOKET_DATA_DIR": str(data), "LOKET_ENVIRONMENT": "production",
             "LOKET_SECRET_KEY": "x" * 32, "PATH": "/usr/bin:/bin"},
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert prod.returncode == 1 and "development only" in prod.stderr
    db = Database(Settings(data_dir=data))
    with db.session() as s:
        assert s.scalars(select(Operator)).all() == []
        from office_server.letter_types.models import LetterType

        assert len(s.scalars(select(LetterType)).all()) == len(SEED_LETTER_TYPES) >= 20
        # A village set up before the newer types: they come back inactive on request.
        for code in ("ahli_waris", "bepergian"):
            s.delete(s.scalars(select(LetterType).where(LetterType.code == code)).one())
        # ... and its codes as first seeded: one still so, one the admin changed.
        kematian = s.scalars(select(LetterType).where(LetterType.code == "kematian")).one()
        kematian.classification_code = "400.12.3.2"
        sktm = s.scalars(select(LetterType).where(LetterType.code == "sktm")).one()
        sktm.classification_code = "474.2"
        s.commit()
    db.dispose()
    added = loket(data, "add-letter-types")
    assert added.returncode == 0, added.stderr
    assert "ahli_waris, bepergian" in added.stdout
    assert "kematian: 400.12.3.2 -> 400.12.3.1" in added.stdout and "sktm" not in added.stdout
    db = Database(Settings(data_dir=data))
    with db.session() as s:
        back = s.scalars(select(LetterType).where(LetterType.code.in_(["ahli_waris", "bepergian"])))
        assert [lt.active for lt in back] == [False, False]
        codes = dict(s.execute(select(LetterType.code, LetterType.classification_code)).all())
        assert (codes["kematian"], codes["sktm"]) == ("400.12.3.1", "474.2")
    db.dispose()
    assert "nothing changed" in loket(data, "add-letter-types").stdout
