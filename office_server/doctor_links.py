"""`loket doctor`'s checks over the network: the clock (one SNTP exchange; offline is
LEWAT, never a failure), the hub link, the sync lag and the off-site archive."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from office_server.config import Settings
from office_server.database import Database
from office_server.doctor_findings import Finding, duration_words, hours_words
from office_server.sync import outbox
from office_server.sync.hub_link import HubCredentials, HubLinkError

# Letters carry dates: a clock off by more than this is a problem.
CLOCK_MAX_SKEW = timedelta(minutes=2)
# Before this the clock has surely been reset (a flat BIOS battery).
CLOCK_EARLIEST = datetime(2026, 1, 1, tzinfo=UTC)
# A change has waited in the outbox for longer than this: sync is stuck.
SYNC_MAX_LAG = timedelta(hours=24)
_NTP_EPOCH = 2_208_988_800  # seconds from 1900 (NTP) to 1970 (Unix)


def check_clock(settings: Settings, now: Callable[[], datetime]) -> Finding:
    fix = (
        "nyalakan sinkronisasi waktu: `sudo timedatectl set-ntp true`; tanpa internet, atur "
        "jam dengan `sudo timedatectl set-time 'YYYY-MM-DD HH:MM:SS'` (ganti baterai BIOS "
        "bila jam selalu kembali ke tahun lama)."
    )
    local = now()
    if local < CLOCK_EARLIEST:
        return Finding("Jam", False, f"menunjukkan {local:%d-%m-%Y}: jelas salah.", fix)
    source = f"NTP {settings.ntp_server}"
    offset = sntp_offset(settings.ntp_server, timeout=settings.ntp_timeout_seconds)
    if offset is None:
        return Finding("Jam", None, f"tidak dapat dibandingkan dengan {source} (luring?).")
    if abs(offset) > CLOCK_MAX_SKEW.total_seconds():
        direction = "terlambat" if offset > 0 else "terlalu cepat"
        return Finding(
            "Jam",
            False,
            f"{direction} {duration_words(abs(offset))} dibanding {source}; "
            "tanggal surat bisa salah.",
            fix,
        )
    return Finding("Jam", True, f"selisih {abs(offset):.0f} detik dengan {source}.")


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


def check_hub(settings: Settings, now: datetime) -> list[Finding]:
    """The hub link (a TCP connection to the NATS address in the credentials file) and
    the sync lag (how old the oldest change still waiting in the outbox is)."""
    assert settings.hub_credentials is not None
    try:
        creds = HubCredentials.load(settings.hub_credentials, url=settings.hub_url)
    except HubLinkError:
        return [
            Finding(
                "Hub kabupaten",
                False,
                f"berkas kredensial {settings.hub_credentials} tidak dapat dibaca.",
                "minta berkas baru dari petugas TI kabupaten (`loket hub add-village`) dan "
                "simpan di path LOKET_HUB_CREDENTIALS.",
            )
        ]
    address = urlsplit(creds.url)
    try:
        with socket.create_connection((address.hostname or "", address.port or 4222), 10):
            pass
        link = Finding("Hub kabupaten", True, f"{address.netloc} dapat dihubungi.")
    except OSError as exc:
        link = Finding(
            "Hub kabupaten",
            False,
            f"{address.netloc} tidak dapat dihubungi ({type(exc).__name__}).",
            "periksa internet kantor; surat tetap dapat dilayani tanpa hub, data dikirim nanti.",
        )
    findings = [link, _sync_lag(settings, now)]
    if link.ok and settings.hub_archive:
        findings.append(_archive(settings, now))
    return findings


def _archive(settings: Settings, now: datetime) -> Finding:
    """The off-site archive as the hub holds it: every letter's PDF, and Litestream's copy
    of a SQLite database."""
    from office_server import offsite_status

    fix = "pastikan `loket server` berjalan dan tersambung ke hub; lihat `loket sync status`."
    database = Database(settings)
    try:
        found = offsite_status.read(settings, database)
    except offsite_status.ArchiveUnreadable as exc:
        return Finding("Arsip di hub", False, f"tidak dapat diperiksa: {exc}.", fix)
    finally:
        database.dispose()
    pdfs = f"{found.pdfs_at_hub} dari {found.pdfs_here} PDF surat ada di hub"
    if found.replicates is None:
        db_words = "basis data PostgreSQL tidak disalin Litestream (pakai loket nightly-backup)"
    elif found.replicates:
        db_words = "salinan basis data (Litestream) terakhir ditulis " + offsite_status.age_words(
            found.last_db_write, now
        )
    else:
        db_words = "salinan basis data belum ada di hub"
    ok = found.pdfs_missing == 0 and found.replicates is not False
    return Finding("Arsip di hub", ok, f"{pdfs}; {db_words}.", "" if ok else fix)


def _sync_lag(settings: Settings, now: datetime) -> Finding:
    fix = "periksa log server: `journalctl -u loket-server -n 50`; `loket sync status`."
    database = Database(settings)
    try:
        with database.session() as session:
            state = outbox.status(session)
    finally:
        database.dispose()
    if state.depth == 0:
        return Finding("Sinkronisasi", True, "semua perubahan sudah diterima hub.")
    oldest = state.oldest_pending_at
    assert oldest is not None
    lag = now - (oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC))
    waiting = f"{state.depth} perubahan menunggu, tertua {hours_words(lag)} yang lalu"
    if state.sent == 0:
        return Finding(
            "Sinkronisasi", False, f"belum pernah berhasil mengirim data ke hub ({waiting}).", fix
        )
    if lag > SYNC_MAX_LAG:
        return Finding("Sinkronisasi", False, f"tertinggal: {waiting}.", fix)
    return Finding("Sinkronisasi", True, f"{waiting}.")
