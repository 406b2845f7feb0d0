"""What the dashboard shows, as a few aggregate queries on the ingest's projections.

Months are the village's calendar months (WIB, UTC+7: a letter filed at 23:30 on the 31st
belongs to that month). Counts come from `letter_months` (a row per village, month and
type); turnaround from `turnaround_regency` or, for one village, `turnaround_buckets`
(histograms per month and leg: percentiles within 4.4 %, see turnaround.py) and kiosk
share from `service_months`, all kept by triggers on `request_states`. No query scans
`request_states` or `events`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from regency_hub import turnaround
from regency_hub.models import (
    LetterMonth,
    SentAnnouncement,
    ServiceMonth,
    TurnaroundBucket,
    TurnaroundRegency,
    Village,
)

WIB = ZoneInfo("Asia/Jakarta")
SILENT_AFTER = timedelta(hours=24)
TREND_MONTHS = 12


@dataclass(frozen=True)
class VillageRow:
    id: int
    kode_desa: str
    name: str
    kecamatan: str
    last_contact: datetime | None
    lag: timedelta | None
    silent: bool


def villages(session: Session, *, kecamatan: str | None = None) -> list[VillageRow]:
    """Every village with its last contact (when the hub last stored one of its events)
    and its sync lag (how old the newest event was when it arrived)."""
    now = datetime.now(UTC)
    query = select(Village).order_by(Village.kecamatan, Village.name)
    if kecamatan:
        query = query.where(Village.kecamatan == kecamatan)
    rows = []
    for v in session.scalars(query):
        lag = None
        if v.last_received_at is not None and v.last_event_at is not None:
            lag = max(timedelta(0), v.last_received_at - v.last_event_at)
        rows.append(
            VillageRow(
                id=v.id,
                kode_desa=v.kode_desa,
                name=v.name,
                kecamatan=v.kecamatan,
                last_contact=v.last_received_at,
                lag=lag,
                silent=v.last_received_at is None or now - v.last_received_at > SILENT_AFTER,
            )
        )
    return rows


def kecamatan_names(session: Session) -> list[str]:
    return [
        k
        for k in session.scalars(select(Village.kecamatan).distinct().order_by(Village.kecamatan))
        if k
    ]


def village_choices(session: Session) -> list[tuple[int, str]]:
    return [
        (i, n) for i, n in session.execute(select(Village.id, Village.name).order_by(Village.name))
    ]


def month_start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=WIB)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def this_month() -> date:
    now = datetime.now(WIB)
    return date(now.year, now.month, 1)


@dataclass(frozen=True)
class Turnaround:
    """Hours: median and p90 of each leg, over the month's letters that made the leg
    (from the histogram: within 4.4 % of the exact figure)."""

    filed_ready: tuple[float, float] | None
    ready_picked: tuple[float, float] | None
    filed_picked: tuple[float, float] | None


@dataclass
class LetterReport:
    month: date
    village_id: int | None
    types: list[str] = field(default_factory=list)
    # (village name, {letter type: count}, total) for the month
    by_village: list[tuple[str, dict[str, int], int]] = field(default_factory=list)
    type_totals: dict[str, int] = field(default_factory=dict)
    trend: list[tuple[date, int]] = field(default_factory=list)
    turnaround: Turnaround | None = None
    picked_up: int = 0
    picked_up_kiosk: int = 0

    @property
    def total(self) -> int:
        return sum(self.type_totals.values())

    @property
    def kiosk_share(self) -> float | None:
        return self.picked_up_kiosk / self.picked_up if self.picked_up else None


def letters(session: Session, *, month: date, village_id: int | None = None) -> LetterReport:
    report = LetterReport(month=month, village_id=village_id)
    names = dict(session.execute(select(Village.id, Village.name)).tuples().all())
    grid: dict[int, dict[str, int]] = {}
    counted = select(LetterMonth.village_id, LetterMonth.letter_type, LetterMonth.filed).where(
        LetterMonth.month == month
    )
    if village_id is not None:
        counted = counted.where(LetterMonth.village_id == village_id)
    for vid, letter_type, count in session.execute(counted):
        kind = letter_type or "?"
        grid.setdefault(vid, {})[kind] = count
        report.type_totals[kind] = report.type_totals.get(kind, 0) + count
    report.types = sorted(report.type_totals, key=lambda t: (-report.type_totals[t], t))
    report.by_village = sorted(
        ((names.get(vid, "?"), counts, sum(counts.values())) for vid, counts in grid.items()),
        key=lambda row: (-row[2], row[0]),
    )
    report.trend = _trend(session, month=month, village_id=village_id)
    report.turnaround, report.picked_up, report.picked_up_kiosk = _service(
        session, month=month, village_id=village_id
    )
    return report


def _trend(session: Session, *, month: date, village_id: int | None) -> list[tuple[date, int]]:
    first = add_months(month, 1 - TREND_MONTHS)
    query = (
        select(LetterMonth.month, func.sum(LetterMonth.filed))
        .where(LetterMonth.month >= first, LetterMonth.month <= month)
        .group_by(LetterMonth.month)
    )
    if village_id is not None:
        query = query.where(LetterMonth.village_id == village_id)
    counts = {m: int(n) for m, n in session.execute(query)}
    months = [add_months(first, i) for i in range(TREND_MONTHS)]
    return [(m, counts.get(m, 0)) for m in months]


def _service(
    session: Session, *, month: date, village_id: int | None
) -> tuple[Turnaround, int, int]:
    """Turnaround, letters picked up and those at the kiosk, from the month's histogram
    (a few hundred rows, the regency's or the village's) and pickup counts (a row per
    village): the cost does not grow with the letters."""
    histogram: Select[tuple[int, int, int]]
    if village_id is None:
        histogram = select(
            TurnaroundRegency.leg, TurnaroundRegency.bucket, TurnaroundRegency.letters
        ).where(TurnaroundRegency.month == month)
    else:
        histogram = select(
            TurnaroundBucket.leg, TurnaroundBucket.bucket, TurnaroundBucket.letters
        ).where(TurnaroundBucket.month == month, TurnaroundBucket.village_id == village_id)
    pickups = select(
        func.coalesce(func.sum(ServiceMonth.picked_up), 0),
        func.coalesce(func.sum(ServiceMonth.picked_up_kiosk), 0),
    ).where(ServiceMonth.month == month)
    if village_id is not None:
        pickups = pickups.where(ServiceMonth.village_id == village_id)
    counts: dict[int, dict[int, int]] = {leg: {} for leg in turnaround.LEGS}
    for leg, bucket, letters in session.execute(histogram):
        counts[leg][bucket] = int(letters)
    found: dict[str, tuple[float, float] | None] = {}
    for leg, name in turnaround.LEGS.items():
        median, p90 = (turnaround.percentile(counts[leg], f) for f in (0.5, 0.9))
        found[name] = None if median is None or p90 is None else (median, p90)
    picked, kiosk = session.execute(pickups).one()
    return Turnaround(**found), int(picked), int(kiosk)


def announcements(session: Session, *, limit: int = 20) -> list[SentAnnouncement]:
    return list(
        session.scalars(
            select(SentAnnouncement).order_by(SentAnnouncement.sent_at.desc()).limit(limit)
        )
    )
