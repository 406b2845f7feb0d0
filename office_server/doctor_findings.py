"""What `loket doctor` says about one check, and the words its reports share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

_GIB = 2**30


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool | None  # None: not checked (LEWAT)
    message: str
    fix: str = ""


def size_words(n: int) -> str:
    return f"{n / _GIB:.1f} GB" if n >= _GIB else f"{n / 2**20:.0f} MB"


def hours_words(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.0f} hari" if hours >= 48 else f"{hours:.0f} jam"


def duration_words(seconds: float) -> str:
    # Whole minutes first: an hour measured as 3599.8 s over a slow link is "1.0 jam".
    minutes = round(seconds / 60)
    if minutes >= 60:
        return f"{minutes / 60:.1f} jam"
    return f"{minutes} menit"
