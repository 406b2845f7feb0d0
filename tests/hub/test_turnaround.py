"""The turnaround projection: the trigger's histogram against the requests it counts,
whatever order or how many times the events come, and its percentiles against exact ones."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from regency_hub import dashboard, migrate, turnaround, villages
from regency_hub.database import HubDatabase
from regency_hub.models import ServiceMonth, TurnaroundBucket, TurnaroundRegency, Village
from tests.hub.events import ingest, request_life
from tests.support import databases
from tests.sync.harness import Hub


def _exact(values: list[float], fraction: float) -> float:
    """PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def test_percentiles_from_buckets_stay_within_the_stated_error() -> None:
    rng = random.Random(12)
    for size in (1, 2, 3, 10, 101, 5000):
        hours = [rng.lognormvariate(2.3, 1.2) for _ in range(size)]
        counts: dict[int, int] = {}
        for h in hours:
            counts[turnaround.bucket_of(h)] = counts.get(turnaround.bucket_of(h), 0) + 1
        for fraction in (0.5, 0.9):
            exact = _exact(hours, fraction)
            found = turnaround.percentile(counts, fraction)
            assert found is not None
            assert abs(found - exact) <= exact * turnaround.RELATIVE_ERROR + 1e-9, (size, fraction)
    assert turnaround.percentile({}, 0.5) is None
    assert turnaround.percentile({0: 3}, 0.9) == 0.0  # under a minute reads as 0
    assert math.isclose(turnaround.RELATIVE_ERROR, 0.0443, abs_tol=1e-4)


@pytest.mark.postgres
def test_database_buckets_match_the_python_bounds(hub_db: HubDatabase) -> None:
    spans = [0.0, 0.5, 59.0, 61.0, 90.0, 3599.0, 7300.0, 36_000.0, 1e6, 9e6, -30.0]
    with hub_db.engine.connect() as conn:
        for seconds in spans:
            found = conn.execute(
                text("SELECT turnaround_bucket(make_interval(secs => :s))"), {"s": seconds}
            ).scalar_one()
            assert found == turnaround.bucket_of(seconds / 3600), seconds


def _projection(db: HubDatabase) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    with db.unit_of_work() as session:
        buckets = {
            (r.month, r.village_id, r.leg, r.bucket, r.letters)
            for r in session.scalars(select(TurnaroundBucket))
            if r.letters
        }
        months = {
            (r.month, r.village_id, r.picked_up, r.picked_up_kiosk)
            for r in session.scalars(select(ServiceMonth))
            if r.picked_up
        }
        regency = {
            (r.month, r.leg, r.bucket, r.letters)
            for r in session.scalars(select(TurnaroundRegency))
            if r.letters
        }
    summed: dict[tuple[object, ...], int] = {}
    for month, _village, leg, bucket, letters in buckets:
        summed[(month, leg, bucket)] = summed.get((month, leg, bucket), 0) + letters
    assert regency == {(*key, n) for key, n in summed.items()}
    return buckets, months


@pytest.mark.postgres
def test_late_and_repeated_events_leave_the_histogram_as_a_recount(hub_db: HubDatabase) -> None:
    """Events shuffled across batches (a pickup before its filing), every batch sent
    twice: the trigger's counts equal a recount from request_states, and the page's
    figures equal the exact percentiles within the stated error."""
    kode = "36.04.09.2009"
    with hub_db.unit_of_work() as session:
        villages.add_village(session, kode_desa=kode, name="Acak")
        village_id = session.scalar(select(Village.id).where(Village.kode_desa == kode))
    rng = random.Random(7)
    start = datetime(2024, 3, 1, tzinfo=UTC)
    messages, filed_ready = [], []
    for i in range(120):
        ready = timedelta(hours=rng.lognormvariate(2.0, 1.0))
        picked = timedelta(hours=rng.lognormvariate(2.5, 1.0)) if i % 4 else None
        filed_ready.append(ready.total_seconds() / 3600)
        messages += request_life(
            kode,
            f"AC{i:05d}",
            letter_type="SKTM",
            filed=start + timedelta(hours=i),
            ready_after=ready,
            picked_after=picked,
            via="kiosk" if i % 3 else "counter",
        )
    rng.shuffle(messages)
    for first in range(0, len(messages), 37):
        batch = messages[first : first + 37]
        assert ingest(hub_db, batch).stored == len(batch)
        assert ingest(hub_db, batch).duplicates == len(batch)
    kept = _projection(hub_db)
    with hub_db.unit_of_work() as session:
        session.execute(text("SELECT service_rebuild()"))
    assert _projection(hub_db) == kept
    assert any(row[1] == village_id for row in kept[0])
    with hub_db.unit_of_work() as session:
        report = dashboard.letters(session, month=start.date(), village_id=village_id)
    assert report.picked_up == 90 and report.picked_up_kiosk == 60
    assert report.turnaround is not None and report.turnaround.filed_ready is not None
    for found, fraction in zip(report.turnaround.filed_ready, (0.5, 0.9), strict=True):
        exact = _exact(filed_ready, fraction)
        assert abs(found - exact) <= exact * turnaround.RELATIVE_ERROR


@pytest.mark.postgres
def test_the_migration_counts_the_requests_a_hub_already_holds(tmp_path: Path) -> None:
    admin = databases.postgres_admin_url()
    if not admin:
        pytest.skip("PostgreSQL is not running (make services)")
    hub = Hub(admin_url=admin, folder=tmp_path / "hub")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {hub.name}"))
    engine.dispose()
    db = HubDatabase(hub.url)
    try:
        migrate.upgrade(db.engine, "h0004")  # the hub as it was before h0005
        kode = "36.04.01.2001"
        with db.unit_of_work() as session:
            villages.add_village(session, kode_desa=kode, name="Lama")
        filed = datetime(2026, 5, 31, 18, tzinfo=UTC)  # 1 June, 01:00 WIB
        ingest(
            db,
            request_life(
                kode,
                "OLD00001",
                letter_type="SKU",
                filed=filed,
                ready_after=timedelta(hours=5),
                picked_after=timedelta(hours=2),
                via="kiosk",
            ),
        )
        migrate.upgrade(db.engine)
        buckets, months = _projection(db)
        june = datetime(2026, 6, 1).date()
        assert {(m, leg, b) for m, _, leg, b, _ in buckets} == {
            (june, 1, turnaround.bucket_of(5)),
            (june, 2, turnaround.bucket_of(2)),
            (june, 3, turnaround.bucket_of(7)),
        }
        assert {(m, n, k) for m, _, n, k in months} == {(june, 1, 1)}
    finally:
        db.dispose()
        hub.drop()
