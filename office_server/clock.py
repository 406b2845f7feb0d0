"""The office's local date: letters, queue numbers and statistics follow the village's
calendar (WIB by default), not the server's time zone, which is often UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from office_server.config import get_settings


@lru_cache
def local_tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def today_local() -> date:
    return datetime.now(local_tz()).date()


# The wall clock as something to pass in: the notification sender's backoff and daily cap
# take it as an argument, so a test moves time by an hour instead of waiting for it.
WallClock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_day_start(moment: datetime) -> datetime:
    """The start (in UTC) of the office's local day that holds `moment`."""
    local = moment.astimezone(local_tz())
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
