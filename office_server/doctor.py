"""`loket doctor`: one report, in Indonesian, of what is wrong with this office's install
and how to fix it. Exit code 1 when something is wrong.

Each check answers OK, MASALAH (wrong: with a fix a village operator can carry out) or
LEWAT (could not be checked, e.g. no internet to compare the clock with; never a failure:
an office that works offline is working as designed).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import struct
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING

from office_server.config import Settings
from office_server.nightly_backup import newest_backup_time

if TYPE_CHECKING:
    from kiosk_app.config import KioskConfig

# A backup older than this means the nightly timer has not run (a day and a half allows
# a PC switched off one night: the timer is Persistent and catches up at boot).
BACKUP_MAX_AGE = timedelta(hours=36)
# Letters carry dates: a clock off by more than this is a problem.
CLOCK_MAX_SKEW = timedelta(minutes=2)
# Before this the clock has surely been reset (a flat BIOS battery).
CLOCK_EARLIEST = datetime(2026, 1, 1, tzinfo=UTC)
# The hub has not heard from this office for longer than this: sync is stuck.
SYNC_MAX_LAG = timedelta(hours=24)
# File sync's last success; written by the sync relay (see _sync_last_success).
SYNC_STATUS_FILE = "sync-status.json"
_GIB = 2**30
_NTP_EPOCH = 2_208_988_800  # seconds from 1900 (NTP) to 1970 (Unix)


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool | None  # None: not checked (LEWAT)
    message: str
    fix: str = ""


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
    if settings.hub_url and not kiosk_only:
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
    text = f"{_size(usage.free)} kosong dari {_size(usage.total)} ({data_dir})."
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
            f"cadangan terakhir {when}, sudah {_hours(age)} yang lalu.",
            "`sudo systemctl start loket-backup`, lalu `journalctl -u loket-backup -n 30` "
            "bila gagal.",
        )
    return Finding("Cadangan", True, f"terakhir {when} ({_hours(age)} yang lalu).")


# --- the clock ----------------------------------------------------------------------------


def check_clock(settings: Settings, now: Callable[[], datetime]) -> Finding:
    fix = (
        "nyalakan sinkronisasi waktu: `sudo timedatectl set-ntp true`; tanpa internet, atur "
        "jam dengan `sudo timedatectl set-time 'YYYY-MM-DD HH:MM:SS'` (ganti baterai BIOS "
        "bila jam selalu kembali ke tahun lama)."
    )
    local = now()
    if local < CLOCK_EARLIEST:
        return Finding("Jam", False, f"menunjukkan {local:%d-%m-%Y}: jelas salah.", fix)
    source, offset = _reference_offset(settings, now)
    if offset is None:
        return Finding("Jam", None, f"tidak dapat dibandingkan dengan {source} (luring?).")
    if abs(offset) > CLOCK_MAX_SKEW.total_seconds():
        direction = "terlambat" if offset > 0 else "terlalu cepat"
        return Finding(
            "Jam",
            False,
            f"{direction} {_duration(abs(offset))} dibanding {source}; tanggal surat bisa salah.",
            fix,
        )
    return Finding("Jam", True, f"selisih {abs(offset):.0f} detik dengan {source}.")


def _reference_offset(settings: Settings, now: Callable[[], datetime]) -> tuple[str, float | None]:
    """(source, reference minus local in seconds): the hub's clock when there is one,
    else an NTP server; None when neither answers."""
    if settings.hub_url:
        return f"hub {settings.hub_url}", _http_date_offset(settings.hub_url, now)
    offset = sntp_offset(settings.ntp_server, timeout=settings.ntp_timeout_seconds)
    return f"NTP {settings.ntp_server}", offset


def sntp_offset(server: str, *, timeout: float) -> float | None:
    """One SNTP (RFC 4330) exchange; None when the server does not answer."""
    host, _, port = server.partition(":")
    request = b"\x23" + 47 * b"\0"  # LI 0, version 4, mode 3 (client)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(timeout)
            t1 = time.time()
            sock.sendto(request, (host, int(port or 123)))
            data, _ = sock.recvfrom(512)
            t4 = time.time()
    except OSError:
        return None
    if len(data) < 48:
        return None
    t2 = _ntp_time(data[32:40])
    t3 = _ntp_time(data[40:48])
    return ((t2 - t1) + (t3 - t4)) / 2


def _ntp_time(raw: bytes) -> float:
    seconds, fraction = struct.unpack("!II", raw)
    return seconds - _NTP_EPOCH + fraction / 2**32


def _http_date_offset(url: str, now: Callable[[], datetime]) -> float | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - the hub
            date = response.headers.get("Date")
    except urllib.error.HTTPError as exc:
        date = exc.headers.get("Date")
    except (OSError, ValueError):
        return None
    if not date:
        return None
    return (parsedate_to_datetime(date) - now()).total_seconds()


# --- the kiosk's printers and camera ---------------------------------------------------------


def check_kiosk_devices(config: KioskConfig | None, config_path: Path | None) -> list[Finding]:
    if config is None:
        return [Finding("Printer dan kamera", None, "tidak ada anjungan di PC ini.")]
    findings = [
        _check_printer(what, url)
        for what, url in (("surat", config.a4_printer), ("struk", config.receipt_printer))
        if url
    ]
    if not findings:
        findings.append(
            Finding(
                "Printer",
                False,
                f"anjungan belum punya printer ({config_path}).",
                f'isi [printers] a4 = "cups://NAMA_ANTREAN" di {config_path} '
                "(nama antrean: `lpstat -e`).",
            )
        )
    findings.append(_check_camera(config.camera.source))
    return findings


def _check_printer(what: str, url: str) -> Finding:
    from printer_drivers.errors import PrinterError
    from printer_drivers.factory import printer_from_url

    title = f"Printer {what}"
    try:
        status = printer_from_url(url).status(timeout=15)
    except PrinterError as exc:
        return Finding(title, False, f"alamat {url} tidak sah: {exc.message_id}", "")
    if status.ready and not status.paper_low:
        return Finding(title, True, f"{url}: {status.message_id}")
    fix = "isi kertas" if status.paper_low else "nyalakan printer dan periksa kabel dan kertasnya"
    if url.startswith("cups:") and "stopped" in status.detail:
        queue = url.split("//", 1)[1].split("?", 1)[0]
        fix += f"; lalu jalankan `sudo cupsenable {queue}`"
    return Finding(title, False, f"{url}: {status.message_id}", fix + ".")


def _check_camera(source: str) -> Finding:
    if source in ("", "none"):
        return Finding("Kamera", None, "tidak dipakai (pemindai USB saja).")
    if not source.isdigit():
        exists = Path(source).exists()
        return Finding(
            "Kamera",
            exists,
            f"sumber {source} {'ada' if exists else 'tidak ada'}.",
            "periksa camera.source di konfigurasi anjungan.",
        )
    device = Path(f"/dev/video{source}")
    if not device.exists():
        return Finding(
            "Kamera",
            False,
            f"{device} tidak ada: kamera tidak terpasang.",
            'pasang kabel USB kamera (atau gunakan pemindai USB dan atur camera.source = "none").',
        )
    if not os.access(device, os.R_OK):
        return Finding(
            "Kamera", False, f"{device} tidak dapat dibaca.", "tambahkan pengguna ke grup video."
        )
    return Finding("Kamera", True, f"{device} terpasang.")


# --- the regency hub -----------------------------------------------------------------------


def check_hub(settings: Settings, now: datetime) -> list[Finding]:
    try:
        with urllib.request.urlopen(settings.hub_url, timeout=10):  # noqa: S310 - the hub
            pass
        link = Finding("Hub kabupaten", True, f"{settings.hub_url} dapat dihubungi.")
    except urllib.error.HTTPError as exc:
        link = Finding(
            "Hub kabupaten",
            exc.code < 500,
            f"{settings.hub_url} menjawab {exc.code}.",
            "hubungi petugas TI kabupaten.",
        )
    except (OSError, ValueError) as exc:
        link = Finding(
            "Hub kabupaten",
            False,
            f"{settings.hub_url} tidak dapat dihubungi ({type(exc).__name__}).",
            "periksa internet kantor; surat tetap dapat dilayani tanpa hub, data dikirim nanti.",
        )
    last = _sync_last_success(settings)
    if last is None:
        lag = Finding(
            "Sinkronisasi",
            False,
            "belum pernah berhasil mengirim data ke hub.",
            "`systemctl status loket-sync`; `journalctl -u loket-sync -n 30`.",
        )
    elif now - last > SYNC_MAX_LAG:
        lag = Finding(
            "Sinkronisasi",
            False,
            f"terakhir berhasil {_hours(now - last)} yang lalu.",
            "`systemctl status loket-sync`; `journalctl -u loket-sync -n 30`.",
        )
    else:
        lag = Finding("Sinkronisasi", True, f"terakhir berhasil {_hours(now - last)} yang lalu.")
    return [link, lag]


def _sync_last_success(settings: Settings) -> datetime | None:
    """When the sync relay last delivered everything to the hub.

    FOR THE LEAD: `loket sync run` is being built in another branch. This reads the
    contract defined here, `<data_dir>/sync-status.json` = {"last_success_at": ISO-8601},
    which the relay should write after each complete push (or replace this body with a
    call to the sync module's own status function when it lands).
    """
    path = settings.data_dir / SYNC_STATUS_FILE
    try:
        raw = json.loads(path.read_text())["last_success_at"]
        moment = datetime.fromisoformat(raw)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- words -------------------------------------------------------------------------------


def _size(n: int) -> str:
    return f"{n / _GIB:.1f} GB" if n >= _GIB else f"{n / 2**20:.0f} MB"


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.0f} hari" if hours >= 48 else f"{hours:.0f} jam"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} jam"
    return f"{seconds / 60:.0f} menit"
