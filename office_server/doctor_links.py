"""`loket doctor`'s checks over the network: the clock (against the hub's HTTP Date, else
one SNTP exchange; offline is LEWAT, never a failure), the hub link and the sync lag."""

from __future__ import annotations

import json
import socket
import struct
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from office_server.config import Settings
from office_server.doctor_findings import Finding, duration_words, hours_words

# Letters carry dates: a clock off by more than this is a problem.
CLOCK_MAX_SKEW = timedelta(minutes=2)
# Before this the clock has surely been reset (a flat BIOS battery).
CLOCK_EARLIEST = datetime(2026, 1, 1, tzinfo=UTC)
# The hub has not heard from this office for longer than this: sync is stuck.
SYNC_MAX_LAG = timedelta(hours=24)
# The sync relay's last success (see _sync_last_success).
SYNC_STATUS_FILE = "sync-status.json"
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
    source, offset = _reference_offset(settings, now)
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
            f"terakhir berhasil {hours_words(now - last)} yang lalu.",
            "`systemctl status loket-sync`; `journalctl -u loket-sync -n 30`.",
        )
    else:
        lag = Finding(
            "Sinkronisasi", True, f"terakhir berhasil {hours_words(now - last)} yang lalu."
        )
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
