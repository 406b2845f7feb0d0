"""`loket doctor`: one report, in Indonesian, of what is wrong with this office's install
and how to fix it. Exit code 1 when something is wrong.

Each check answers OK, MASALAH (wrong: with a fix a village operator can carry out) or
LEWAT (could not be checked, e.g. no internet to compare the clock with; never a failure:
an office that works offline is working as designed).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from office_server.config import Settings
from office_server.doctor_findings import Finding, hours_words, size_words
from office_server.doctor_kiosk import check_kiosk_devices
from office_server.doctor_links import check_clock, check_hub
from office_server.nightly_backup import newest_backup_time

if TYPE_CHECKING:
    from kiosk_app.config import KioskConfig

# A backup older than this means the nightly timer has not run (a day and a half allows
# a PC switched off one night: the timer is Persistent and catches up at boot).
BACKUP_MAX_AGE = timedelta(hours=36)
_GIB = 2**30


def run_checks(
    settings: Settings,
    *,
    server_url: str | None,
    kiosk_config: Path | None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[Finding]:
    """Every check for this PC: the office's (server, data, backups) where it holds the
    data, the kiosk's (its server over the LAN, printers, camera) where it has a kiosk."""
    kiosk = _kiosk(kiosk_config)
    kiosk_only = kiosk is not None and not holds_office_data(settings)
    if server_url is None:
        local = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
        server_url = kiosk.server_url if kiosk_only and kiosk else f"http://{local}:{settings.port}"
    findings = [check_server(server_url)]
    if kiosk_only and kiosk:
        findings.append(check_disk(kiosk.state_dir))
    else:
        findings += [
            check_database(settings),
            check_disk(settings.data_dir),
            check_backup(settings.resolved_backup_dir, now()),
        ]
    findings.append(check_clock(settings, now))
    findings += check_kiosk_devices(kiosk, kiosk_config)
    if settings.hub_configured and not kiosk_only:
        findings += check_hub(settings, now())
    return findings


def holds_office_data(settings: Settings) -> bool:
    """PostgreSQL, or the SQLite file exists: this PC is (also) the office server."""
    url = settings.resolved_database_url
    return not url.startswith("sqlite") or Path(url.split(":///", 1)[1]).exists()


def _kiosk(config_path: Path | None) -> KioskConfig | None:
    if config_path is None or not config_path.exists():
        return None
    from kiosk_app.config import load_config

    return load_config(config_path)


def report(findings: list[Finding]) -> str:
    marks = {True: "OK     ", False: "MASALAH", None: "LEWAT  "}
    lines = ["Pemeriksaan Loket Desa (loket doctor)", ""]
    for f in findings:
        lines.append(f"[{marks[f.ok]}] {f.check}: {f.message}")
        if f.ok is False and f.fix:
            lines.append(f"           Cara memperbaiki: {f.fix}")
    problems = sum(1 for f in findings if f.ok is False)
    lines.append("")
    lines.append(
        f"Hasil: {problems} masalah perlu diperbaiki." if problems else "Hasil: semua baik."
    )
    return "\n".join(lines)


# --- the office server ------------------------------------------------------------------


def check_server(url: str) -> Finding:
    health = url.rstrip("/") + "/healthz"
    try:
        with urllib.request.urlopen(health, timeout=10) as response:  # noqa: S310 - our server
            body = json.loads(response.read() or b"{}")
        return Finding("Server", True, f"menjawab di {url} (desa {body.get('village', '?')}).")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return Finding(
                "Server",
                False,
                f"menjawab di {url}, tetapi profil desa belum diisi.",
                "jalankan `sudo loket init ...` (lihat README), lalu isi /admin/desa.",
            )
        return Finding(
            "Server",
            False,
            f"menjawab dengan galat {exc.code} di {url}.",
            "lihat `journalctl -u loket-server -n 50`, lalu `sudo systemctl restart loket-server`.",
        )
    except (OSError, ValueError) as exc:
        return Finding(
            "Server",
            False,
            f"tidak menjawab di {url} ({type(exc).__name__}).",
            "`sudo systemctl restart loket-server`; bila tetap mati, lihat "
            "`journalctl -u loket-server -n 50`.",
        )


def check_database(settings: Settings) -> Finding:
    url = settings.resolved_database_url
    try:
        if url.startswith("sqlite"):
            path = Path(url.split(":///", 1)[1])
            if not path.exists():
                return Finding(
                    "Basis data", False, f"berkas {path} tidak ada.", "`sudo loket migrate`."
                )
            # Read-only: the check never creates or changes the file it looks at.
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
                rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if rows != ["ok"]:
                return Finding(
                    "Basis data",
                    False,
                    f"rusak: {'; '.join(rows[:3])}.",
                    "hentikan server (`sudo systemctl stop loket-server`) dan pulihkan "
                    "cadangan terakhir: `sudo loket restore /var/lib/loket/backups/<berkas>.zip` "
                    "ke folder data yang kosong.",
                )
        else:
            _read_every_table(url)
        current, head = _schema_revisions(url)
    except Exception as exc:
        # Only the type: a database error can quote a row (with its NIK).
        return Finding(
            "Basis data",
            False,
            f"tidak dapat dibaca ({type(exc).__name__}).",
            "periksa LOKET_DATABASE_URL di /etc/loket/loket.env; pulihkan cadangan bila rusak.",
        )
    if current != head:
        return Finding(
            "Basis data",
            False,
            f"skema versi {current or 'kosong'}, program memerlukan {head}.",
            "`sudo loket migrate` (atau jalankan pemasang lagi).",
        )
    return Finding("Basis data", True, f"utuh, skema versi {head}.")


def _read_every_table(url: str) -> None:
    """PostgreSQL has no integrity_check: reading every row of every table makes it read
    (and checksum, where enabled) each page."""
    from sqlalchemy import create_engine, func, select

    from office_server import models  # noqa: F401 - every table on the metadata
    from office_server.database import Base

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                rows = select(table).subquery()
                conn.execute(select(func.count()).select_from(rows))
    finally:
        engine.dispose()


def _schema_revisions(url: str) -> tuple[str | None, str | None]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from office_server.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    return current, head


def check_disk(data_dir: Path) -> Finding:
    existing = data_dir.resolve()
    while not existing.exists():
        existing = existing.parent
    usage = shutil.disk_usage(existing)
    # A nearly full disk corrupts nothing (SQLite refuses writes) but stops every letter:
    # at least 1 GiB free, or a tenth of a small disk.
    needed = min(_GIB, usage.total // 10)
    text = f"{size_words(usage.free)} kosong dari {size_words(usage.total)} ({data_dir})."
    if usage.free < needed:
        return Finding(
            "Ruang disk",
            False,
            f"hampir penuh: {text}",
            "salin cadangan lama ke disk USB lalu hapus dari /var/lib/loket/backups, atau "
            "kurangi LOKET_BACKUP_KEEP; hapus berkas lain yang tidak diperlukan.",
        )
    return Finding("Ruang disk", True, text)


def check_backup(folder: Path, now: datetime) -> Finding:
    newest = newest_backup_time(folder)
    if newest is None:
        return Finding(
            "Cadangan",
            False,
            f"belum ada cadangan di {folder}.",
            "`sudo systemctl start loket-backup` membuat satu sekarang; periksa "
            "`systemctl status loket-backup.timer`.",
        )
    age = now - newest
    when = f"{newest.astimezone():%d-%m-%Y %H:%M}"
    if age > BACKUP_MAX_AGE:
        return Finding(
            "Cadangan",
            False,
            f"cadangan terakhir {when}, sudah {hours_words(age)} yang lalu.",
            "`sudo systemctl start loket-backup`, lalu `journalctl -u loket-backup -n 30` "
            "bila gagal.",
        )
    return Finding("Cadangan", True, f"terakhir {when} ({hours_words(age)} yang lalu).")
