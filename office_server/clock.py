"""The office's local date: letters, queue numbers and statistics follow the village's
calendar (WIB by default), not the server's time zone, which is often UTC."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from office_server.config import get_settings


@lru_cache
def local_tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def today_local() -> date:
    return datetime.now(local_tz()).date()
