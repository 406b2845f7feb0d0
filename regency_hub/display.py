"""How the dashboard writes times, durations and months: Indonesian, WIB."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from loket_protocol.months import BULAN
from regency_hub import dashboard

MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


def when(value: Any) -> str:
    if value is None:
        return "belum pernah"
    local = value.astimezone(dashboard.WIB)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} {local:%H:%M} WIB"


def span(value: timedelta | None) -> str:
    if value is None:
        return "-"
    seconds = int(value.total_seconds())
    if seconds < 120:
        return f"{seconds} detik"
    if seconds < 2 * 3600:
        return f"{seconds // 60} menit"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} jam"
    return f"{seconds // 86400} hari"


def hours(value: float) -> str:
    if value < 1:
        return f"{round(value * 60)} menit"
    if value < 48:
        return f"{value:.1f} jam".replace(".", ",")
    return f"{value / 24:.1f} hari".replace(".", ",")


def month_label(month: date) -> str:
    return f"{BULAN[month.month - 1]} {month.year}"


def parse_month(text: str | None) -> date:
    if text and re.fullmatch(r"\d{4}-\d{2}", text):
        year, month = int(text[:4]), int(text[5:])
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    return dashboard.this_month()
