"""`loket doctor` against a real office server: each fault it checks is made for real
(server stopped, database damaged, disk nearly full on a small loop file system, clock
skew against a real NTP exchange, stale or missing backup, printer queue stopped in a real
CUPS, camera missing, hub unreachable, sync behind) and the report and exit code say so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from office_server.config import Settings
from office_server.database import Database
from office_server.doctor import check_database
from office_server.nightly_backup import nightly
from office_server.sync.models import OutboxEvent
from tests.deploy import peers
from tests.support.server import REPO, RunningServer, free_port, running_server
from tests.support.waiting import HANG_GUARD

CUPS_ENV = REPO / "var" / "test-services" / "cups.env"


@dataclass
class Office:
    server: RunningServer
    backups: Path
    ntp: peers.NtpServer
    kiosk_config: Path
    cups: tuple[str, str] | None  # (server socket, queue) of a real CUPS queue

    def doctor(self, *extra: str, server_url: str | None = None, **env: str) -> tuple[int, str]:
        run_env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "LOKET_DATA_DIR": str(self.server.data_dir),
            "LOKET_BACKUP_DIR": str(self.backups),
            "LOKET_NTP_SERVER": self.ntp.address,
            "LOKET_NTP_TIMEOUT_SECONDS": str(HANG_GUARD),
            "LOKET_HUB_URL": "",
            **env,
        }
        run_env.pop("LOKET_DATABASE_URL", None)
        if "LOKET_HUB_CREDENTIALS" not in env:
            run_env.pop("LOKET_HUB_CREDENTIALS", None)
        args = ["--kiosk-config", str(self.kiosk_config)]
        if server_url != "":
            args += ["--server-url", server_url or self.server.url]
        done = subprocess.run(
            [sys.executable, "-m", "office_server.cli", "doctor", *args, *extra],
            env=run_env,
            capture_output=True,
            text=True,
            timeout=HANG_GUARD * 2,
            check=False,
            cwd=REPO,
        )
        return done.returncode, done.stdout + done.stderr


def _line(report: str, check: str) -> str:
    found = [line for line in report.splitlines() if f"] {check}:" in line]
    assert found, f"no line for {check} in:\n{report}"
    return found[0]


def _cups_queue() -> tuple[str, str] | None:
    """A queue of our own on the tests' private CUPS (scripts/start-cups.sh), or None."""
    if not CUPS_ENV.exists():
        subprocess.run(
            [str(REPO / "scripts" / "start-cups.sh")], capture_output=True, timeout=120, check=False
        )
    if not CUPS_ENV.exists():
        return None
    env = dict(line.split("=", 1) for line in CUPS_ENV.read_text().splitlines() if "=" in line)
    sock = env.get("LOKET_TEST_CUPS_SERVER", "")
    queue = f"loket-doctor-{os.getpid()}"
    made = subprocess.run(
        ["lpadmin", "-h", sock, "-p", queue, "-E", "-v", "socket://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return (sock, queue) if made.returncode == 0 else None


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    tmp = tmp_path_factory.mktemp("doctor")
    cups = _cups_queue()
    config = tmp / "kiosk.toml"
    printer = f'a4 = "cups://{cups[1]}?server={cups[0]}"' if cups else 'a4 = ""'
    config.write_text(
        f'server_url = "http://127.0.0.1:1"\n[printers]\n{printer}\n[camera]\nsource = "none"\n'
    )
    ntp = peers.NtpServer()
    with running_server(tmp) as server:
        backups = tmp / "backups"
        nightly(Settings(data_dir=server.data_dir), folder=backups, keep=3)
        try:
            yield Office(server, backups, ntp, config, cups)
        finally:
            ntp.close()
            if cups:
                subprocess.run(["lpadmin", "-h", cups[0], "-x", cups[1]], timeout=60, check=False)


def test_a_healthy_office_is_all_good(office: Office) -> None:
    if office.cups is None:
        pytest.skip("!!! DOCTOR TEST SKIPPED: no CUPS here for the kiosk's printer")
    code, report = office.doctor()
    assert code == 0, report
    assert "Hasil: semua baik." in report
    for check in ("Server", "Basis data", "Ruang disk", "Cadangan", "Jam", "Printer surat"):
        assert _line(report, check).startswith("[OK"), report
    assert "Desa Sukamaju" in _line(report, "Server") or "Sukamaju" in report
    assert _line(report, "Kamera").startswith("[LEWAT")


def test_a_stopped_server(office: Office) -> None:
    code, report = office.doctor("--server-url", f"http://127.0.0.1:{free_port()}")
    assert code == 1
    assert _line(report, "Server").startswith("[MASALAH] Server: tidak menjawab")
    assert "systemctl restart loket-server" in report


def test_a_damaged_database(office: Office, tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(office.server.data_dir, copy)
    database = copy / "loket.sqlite3"
    with database.open("r+b") as fh:  # scribble over pages past the header
        size = fh.seek(0, 2)
        fh.seek(size // 2)
        fh.write(os.urandom(8192))
    code, report = office.doctor(LOKET_DATA_DIR=str(copy))
    assert code == 1
    line = _line(report, "Basis data")
    assert line.startswith("[MASALAH] Basis data:"), report
    assert "rusak" in line or "tidak dapat dibaca" in line
    assert "pulihkan" in report


def test_clock_skew_against_ntp_and_offline_is_not_a_failure(office: Office) -> None:
    office.ntp.offset = 3600.0
    try:
        code, report = office.doctor()
    finally:
        office.ntp.offset = 0.0
    assert code == 1
    line = _line(report, "Jam")
    assert line.startswith("[MASALAH] Jam: terlambat 1.0 jam"), line
    assert "timedatectl" in report
    silent = peers.NtpServer(silent=True)
    try:
        code, report = office.doctor(
            LOKET_NTP_SERVER=silent.address, LOKET_NTP_TIMEOUT_SECONDS="0.5"
        )
    finally:
        silent.close()
    assert _line(report, "Jam").startswith("[LEWAT  ] Jam: tidak dapat dibandingkan")
    if office.cups is not None:
        assert code == 0, report


def test_a_stale_or_missing_backup(office: Office, tmp_path: Path) -> None:
    stale = tmp_path / "stale"
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    nightly(Settings(data_dir=office.server.data_dir), folder=stale, keep=3, now=three_days_ago)
    code, report = office.doctor(LOKET_BACKUP_DIR=str(stale))
    assert code == 1
    assert "sudah 3 hari yang lalu" in _line(report, "Cadangan"), report
    code, report = office.doctor(LOKET_BACKUP_DIR=str(tmp_path / "none"))
    assert code == 1
    assert "belum ada cadangan" in _line(report, "Cadangan")


def test_a_stopped_printer_queue(office: Office) -> None:
    if office.cups is None:
        pytest.skip("!!! DOCTOR PRINTER TEST SKIPPED: no CUPS scheduler here")
    sock, queue = office.cups
    subprocess.run(["cupsdisable", "-h", sock, queue], check=True, timeout=60)
    try:
        code, report = office.doctor()
    finally:
        subprocess.run(["cupsenable", "-h", sock, queue], check=True, timeout=60)
    assert code == 1
    assert _line(report, "Printer surat").startswith("[MASALAH]"), report
    assert f"cupsenable {queue}" in report


def test_a_missing_camera(office: Office, tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(office.kiosk_config.read_text().replace('source = "none"', 'source = "7"'))
    code, report = office.doctor("--kiosk-config", str(config))
    assert code == 1
    assert "/dev/video7 tidak ada" in _line(report, "Kamera")


def test_a_nearly_full_disk(office: Office, tmp_path: Path) -> None:
    with peers.small_filesystem(tmp_path / "disk", size_mb=16) as disk:
        data = disk / "data"
        shutil.copytree(office.server.data_dir, data)
        code, report = office.doctor(LOKET_DATA_DIR=str(data))
        assert _line(report, "Ruang disk").startswith("[OK"), report
        free = shutil.disk_usage(disk).free
        with (disk / "video-rekaman.bin").open("wb") as fh:
            fh.write(bytes(free - 512 * 1024))
        code, report = office.doctor(LOKET_DATA_DIR=str(data))
    assert code == 1
    assert _line(report, "Ruang disk").startswith("[MASALAH] Ruang disk: hampir penuh")


def _outbox(office: Office) -> Database:
    return Database(Settings(data_dir=office.server.data_dir))


def test_hub_link_and_sync_lag_only_with_a_hub(office: Office, tmp_path: Path) -> None:
    code, report = office.doctor()
    assert "Hub kabupaten" not in report and "Sinkronisasi" not in report
    office.server.file_request()  # a change for the hub: it waits in the outbox
    credentials = tmp_path / "hub.json"
    with peers.hub() as url:
        address = "tls://" + url.split("://", 1)[1]
        credentials.write_text(
            json.dumps(
                {
                    "kode_desa": "36.04.01.2001",
                    "user": "v",
                    "password": "p",
                    "url": address,
                    "ca_pem": "-",
                }
            )
        )
        code, report = office.doctor(LOKET_HUB_CREDENTIALS=str(credentials))
        assert _line(report, "Hub kabupaten").startswith("[OK"), report
        assert "belum pernah" in _line(report, "Sinkronisasi")
        # Not a nats-server: the archive cannot be read back, and doctor says so.
        assert _line(report, "Arsip di hub").startswith("[MASALAH] Arsip di hub: tidak dapat")
        assert code == 1
        database = _outbox(office)
        try:
            with database.session() as session:
                rows = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
                for row in rows:
                    row.sent_at = datetime.now(UTC)
                rows[-1].sent_at = None
                rows[-1].occurred_at = datetime.now(UTC) - timedelta(days=2)
                session.commit()
            code, report = office.doctor(LOKET_HUB_CREDENTIALS=str(credentials))
            assert _line(report, "Sinkronisasi").startswith("[MASALAH] Sinkronisasi: tertinggal")
            with database.session() as session:
                session.get_one(OutboxEvent, rows[-1].id).sent_at = datetime.now(UTC)
                session.commit()
        finally:
            database.dispose()
        code, report = office.doctor(LOKET_HUB_CREDENTIALS=str(credentials))
        assert _line(report, "Sinkronisasi").startswith("[OK"), report
    code, report = office.doctor(LOKET_HUB_CREDENTIALS=str(credentials))  # the hub is gone
    assert code == 1
    assert "tidak dapat dihubungi" in _line(report, "Hub kabupaten")
    credentials.write_text("{")
    code, report = office.doctor(LOKET_HUB_CREDENTIALS=str(credentials))
    assert "tidak dapat dibaca" in _line(report, "Hub kabupaten")


def test_on_a_kiosk_pc_it_checks_the_kiosk_and_the_office_server_over_the_lan(
    office: Office, tmp_path: Path
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'server_url = "{office.server.url}"\nstate_dir = "{tmp_path / "state"}"\n'
        '[printers]\na4 = ""\nreceipt = ""\n[camera]\nsource = "none"\n'
    )
    # No office data on this PC: its data folder holds no database.
    code, report = office.doctor(
        "--kiosk-config", str(config), server_url="", LOKET_DATA_DIR=str(tmp_path / "none")
    )
    assert _line(report, "Server").startswith(f"[OK     ] Server: menjawab di {office.server.url}")
    assert "Basis data" not in report and "Cadangan" not in report
    assert str(tmp_path) in _line(report, "Ruang disk")
    assert "anjungan belum punya printer" in _line(report, "Printer")
    assert code == 1


def test_the_database_check_on_both_databases(db: Database, settings: Settings) -> None:
    # `db` is a migrated database on SQLite and on PostgreSQL (every table read there).
    url = db.engine.url.render_as_string(hide_password=False)
    on = settings.model_copy(update={"database_url": url})
    finding = check_database(on)
    assert finding.ok is True, finding
    assert finding.message.startswith("utuh, skema versi")
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    finding = check_database(on)
    assert finding.ok is False and "sudo loket migrate" in finding.fix
    assert "skema versi kosong" in finding.message
