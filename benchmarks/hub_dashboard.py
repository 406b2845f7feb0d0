"""The regency dashboard's pages against many letter events in PostgreSQL.

Fills a fresh hub database (migrated by `loket hub migrate`) with N letter events and
the request states they make, generated in this process and loaded with COPY, then asks
every dashboard page through the real app (login, queries, templates, SVG) R times and
prints median and p95 per page.

    .venv/bin/python benchmarks/hub_dashboard.py --events 20000000 [--villages 326]
        [--months 24] [--umkm 100000] [--runs 30] [--json out.json]

Each request is four events (filed, awaiting signature, ready, picked up; 15 % never
picked up), so N events make N/4 rows in request_states, spread evenly over the months
and villages. Event ids are made from a counter (the real ones are random UUIDs) so the
load appends to the unique index instead of costing minutes of random inserts; no page
reads `events`, its size only competes for the cache. `--umkm` entries of the UMKM
register (every field sent, as under the most open policy) are loaded the same way, and
the register's page, its last page and both exports of one kecamatan are timed too.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from regency_hub import dashboard, villages
from regency_hub.database import HubDatabase
from regency_hub.ingest import IngestCounts
from regency_hub.models import Village
from regency_hub.web import create_app
from tests.support import databases
from tests.sync.harness import Hub, running_hub

TYPES = ["SKTM", "SKU", "SKD", "SKCK", "DOMISILI", "SKBM", "SKPOT", "SKKL", "SKAW", "SPN"]
# Most letters are of a few kinds (as in the field notes: SKTM and domicile lead).
TYPE_WEIGHTS = [30, 15, 20, 8, 12, 4, 4, 3, 2, 2]
KECAMATAN = 29  # Kabupaten Serang
PASSWORD = "benchmark-password"  # noqa: S105 (a throwaway database)
CHUNK_ROWS = 50_000


def _rows(villages_n: int, requests: int, months: int, seed: int) -> Iterator[tuple[str, str]]:
    """(events text, request_states text) COPY chunks, CHUNK_ROWS requests at a time."""
    rng = random.Random(seed)
    end = datetime.now(UTC)
    start = end - timedelta(days=30.44 * months)
    span = (end - start).total_seconds()
    types = rng.choices(TYPES, TYPE_WEIGHTS, k=4096)
    seq = 0
    ev: list[str] = []
    rs: list[str] = []

    def ts(t: float) -> str:
        return datetime.fromtimestamp(t, UTC).isoformat()

    base = start.timestamp()
    for n in range(requests):
        village = n % villages_n + 1
        code = f"B{n:09d}"
        letter = types[n % 4096]
        filed = base + rng.random() * span
        ready = filed + rng.lognormvariate(2.3, 1.0) * 3600  # median ~10 h
        picked = ready + rng.lognormvariate(3.0, 1.0) * 3600 if rng.random() < 0.85 else None
        via = "kiosk" if rng.random() < 0.6 else "counter"
        channel = ("web", "kiosk", "counter")[n % 3]
        times = [filed, (filed + ready) / 2, ready] + ([picked] if picked else [])
        kinds = [
            (
                "request.filed",
                f'{{"code":"{code}","letter_type":"{letter}","channel":"{channel}","status":"submitted"}}',
            ),
            (
                "request.status",
                f'{{"code":"{code}","from_status":"submitted","to_status":"awaiting_signature"}}',
            ),
            (
                "request.status",
                f'{{"code":"{code}","from_status":"awaiting_signature","to_status":"ready"}}',
            ),
            ("letter.picked_up", f'{{"code":"{code}","via":"{via}"}}'),
        ]
        for (kind, data), at in zip(kinds, times, strict=False):
            seq += 1
            row = (uuid.UUID(int=seq), village, kind, 1, "t", ts(at), ts(at + 2), seq, data)
            ev.append("\t".join(map(str, row)) + "\n")
        status, status_at = ("picked_up", picked) if picked else ("ready", ready)
        rs.append(
            f"{village}\t{code}\t{letter}\t{channel}\t{status}\t{ts(status_at)}\t{ts(filed)}\t"
            f"{ts(ready)}\t{ts(picked) if picked else chr(92) + 'N'}\t"
            f"{via if picked else chr(92) + 'N'}\n"
        )
        if len(rs) >= CHUNK_ROWS:
            yield "".join(ev), "".join(rs)
            ev, rs = [], []
    if rs:
        yield "".join(ev), "".join(rs)


UMKM_KINDS = ["Warung sembako", "Bengkel motor", "Jahit", "Katering", "Toko bangunan", "Tani"]


def _umkm_rows(villages_n: int, entries: int) -> str:
    """The register's COPY text: entries spread over the villages, every field sent."""
    at = datetime.now(UTC).isoformat()
    rows = []
    for n in range(entries):
        rows.append(
            f"{n % villages_n + 1}\tU{n:09d}\t{uuid.UUID(int=10**15 + n)}\t{at}\t"
            f"Usaha {n:06d}\t{UMKM_KINDS[n % len(UMKM_KINDS)]}\t{2000 + n % 26}\t"
            f"Dusun {n % 7 + 1}\t{n % 12 + 1}\t{n % 5 + 1}\tPemilik {n:06d}\n"
        )
    return "".join(rows)


def load(
    db: HubDatabase, *, villages_n: int, events_n: int, months: int, umkm_n: int = 0
) -> dict[str, float]:
    with db.unit_of_work() as session:
        # The NATS password hash is not used here: one shared dummy (bcrypt costs 50 ms).
        for i in range(villages_n):
            session.add(
                Village(
                    kode_desa=f"36.04.{i // 12 % KECAMATAN + 1:02d}.{2001 + i}",
                    name=f"Desa {i + 1:03d}",
                    kecamatan=f"Kecamatan {i // 12 % KECAMATAN + 1:02d}",
                    nats_user=f"village-b{i}",
                    password_bcrypt="x",  # noqa: S106 (no NATS here)
                    register_policy={},
                    last_received_at=datetime.now(UTC) - timedelta(hours=i % 40),
                    last_event_at=datetime.now(UTC) - timedelta(hours=i % 40, seconds=30),
                )
            )
        villages.create_user(session, username="bench", full_name="Bench", password=PASSWORD)
    requests = events_n // 4
    t0 = time.perf_counter()
    fairy = db.engine.raw_connection()
    raw = fairy.driver_connection  # psycopg's own connection: its COPY and autocommit
    assert raw is not None
    try:
        cur = raw.cursor()
        ev_cols = (
            "event_id, village_id, kind, version, understood, occurred_at, received_at, "
            "stream_seq, data"
        )
        rs_cols = (
            "village_id, code, letter_type, channel, status, status_at, filed_at, ready_at, "
            "picked_up_at, picked_up_via"
        )
        # The trigger that keeps the turnaround histogram would run per copied row: off
        # for the load, then everything counted at once as migration h0005 backfills.
        cur.execute("ALTER TABLE request_states DISABLE TRIGGER USER")
        raw.commit()
        done = 0
        for ev, rs in _rows(villages_n, requests, months, seed=12):
            with cur.copy(f"COPY events ({ev_cols}) FROM STDIN") as copy:
                copy.write(ev)
            with cur.copy(f"COPY request_states ({rs_cols}) FROM STDIN") as copy:
                copy.write(rs)
            raw.commit()
            done += CHUNK_ROWS
            if done % 1_000_000 == 0:
                print(f"  {done:,} requests loaded, {time.perf_counter() - t0:.0f} s", flush=True)
        # The monthly counts the ingest keeps row by row, made as migration h0002's
        # backfill makes them for a hub that already holds requests.
        cur.execute(
            "INSERT INTO letter_months (village_id, month, letter_type, filed) "
            "SELECT village_id, date_trunc('month', filed_at AT TIME ZONE 'Asia/Jakarta')::date,"
            " coalesce(letter_type, '?'), count(*) FROM request_states"
            " WHERE filed_at IS NOT NULL GROUP BY 1, 2, 3"
        )
        cur.execute("ALTER TABLE request_states ENABLE TRIGGER USER")
        if cur.execute("SELECT to_regproc('service_rebuild')").fetchone()[0]:
            cur.execute("SELECT service_rebuild()")
        raw.commit()
        if umkm_n:
            umkm_cols = (
                "village_id, code, event_id, occurred_at, business_name, kind, since, dusun, "
                "rt, rw, owner_name"
            )
            with cur.copy(f"COPY umkm_register ({umkm_cols}) FROM STDIN") as copy:
                copy.write(_umkm_rows(villages_n, umkm_n))
            raw.commit()
        load_s = time.perf_counter() - t0
        raw.autocommit = True
        cur.execute("VACUUM ANALYZE events")
        cur.execute("VACUUM ANALYZE request_states")
        for table in (
            "letter_months",
            "turnaround_buckets",
            "service_months",
            "umkm_register",
        ):
            if cur.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0]:
                cur.execute(f"VACUUM ANALYZE {table}")
        stored = cur.execute("SELECT count(*) FROM events").fetchone()[0]
        size = cur.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        # Back to the pool as it came: the export's server-side cursor needs a transaction.
        raw.autocommit = False
    finally:
        fairy.close()
    return {
        "events": stored,
        "requests": requests,
        "load_s": load_s,
        "db_mb": size / 1e6,
        "analyze_s": time.perf_counter() - t0 - load_s,
    }


def measure(db: HubDatabase, *, runs: int) -> dict[str, dict[str, float]]:
    app = create_app(db, IngestCounts())
    month = dashboard.this_month()
    last = dashboard.add_months(month, -1)
    pages = {
        "/desa": "/desa",
        "/desa?kecamatan=...": "/desa?kecamatan=Kecamatan%2007",
        "/surat (last month, all villages)": f"/surat?bulan={last:%Y-%m}",
        "/surat (this month, all villages)": "/surat",
        "/surat (last month, one village)": f"/surat?bulan={last:%Y-%m}&desa=17",
        "/pengumuman": "/pengumuman",
        "/umkm": "/umkm",
        "/umkm?kecamatan=...": "/umkm?kecamatan=Kecamatan%2007",
        "/umkm (page 100)": "/umkm?halaman=100",
        "/umkm.csv?kecamatan=...": "/umkm.csv?kecamatan=Kecamatan%2007",
        "/umkm.xlsx?kecamatan=...": "/umkm.xlsx?kecamatan=Kecamatan%2007",
    }
    out = {}
    with TestClient(app, follow_redirects=False) as client:
        form = client.get("/masuk").text
        csrf = form.split('name="csrf" value="')[1].split('"')[0]
        login = client.post(
            "/masuk", data={"username": "bench", "password": PASSWORD, "csrf": csrf}
        )
        assert login.status_code == 303, login.text
        for label, path in pages.items():
            assert client.get(path).status_code == 200  # warm: the first plans, the cache
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                answer = client.get(path)
                times.append((time.perf_counter() - t) * 1000)
                assert answer.status_code == 200
            times.sort()
            out[label] = {
                "median_ms": statistics.median(times),
                "p95_ms": times[min(len(times) - 1, int(0.95 * len(times)))],
            }
    return out


@contextmanager
def _hub(admin: str, folder: Path, name: str | None) -> Iterator[Hub]:
    """A throwaway hub database, or a named one that outlives the run (a 20 M load takes
    long enough to be worth keeping between runs; drop it by hand afterwards)."""
    if name is None:
        with running_hub(folder) as hub:
            yield hub
        return
    hub = Hub(admin_url=admin, folder=folder, name=name)
    folder.mkdir(parents=True)
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.scalar() is None:
            conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    t0 = time.perf_counter()
    hub.hub_cli("migrate")
    print(f"loket hub migrate on {name}: {time.perf_counter() - t0:.1f} s", flush=True)
    yield hub


def _existing(db: HubDatabase) -> dict[str, float] | None:
    """What a kept database already holds, or None if it is empty."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        stored = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
        if not stored:
            return None
        # What a migration just filled, with its statistics (autovacuum would, later).
        for table in ("turnaround_buckets", "turnaround_regency", "service_months"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
        requests = conn.execute(text("SELECT count(*) FROM request_states")).scalar_one()
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    return {
        "events": stored,
        "requests": requests,
        "load_s": 0.0,
        "db_mb": size / 1e6,
        "analyze_s": 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--villages", type=int, default=326)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--umkm", type=int, default=100_000, help="UMKM register entries")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json")
    parser.add_argument(
        "--database",
        help="a named database, kept afterwards; if it already holds events it is migrated "
        "to head (its backfill timed) and measured without loading again",
    )
    parser.add_argument("--load-only", action="store_true", help="fill --database, measure later")
    args = parser.parse_args()
    admin = databases.postgres_admin_url()
    if not admin:
        print("PostgreSQL is not running (make services)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp, _hub(admin, Path(tmp) / "hub", args.database) as hub:
        db = HubDatabase(hub.url)
        try:
            loaded = _existing(db)
            if loaded is None:
                loaded = load(
                    db,
                    villages_n=args.villages,
                    events_n=args.events,
                    months=args.months,
                    umkm_n=args.umkm,
                )
            if args.load_only:
                print(f"{loaded['events']:,} events in {hub.name}")
                return 0
            print(
                f"{loaded['events']:,} events, {loaded['requests']:,} requests loaded with COPY "
                f"in {loaded['load_s']:.0f} s (vacuum/analyze {loaded['analyze_s']:.0f} s), "
                f"database {loaded['db_mb']:.0f} MB"
            )
            pages = measure(db, runs=args.runs)
        finally:
            db.dispose()
    print(f"\n{'page':<40}{'median ms':>12}{'p95 ms':>10}")
    for label, row in pages.items():
        print(f"{label:<40}{row['median_ms']:>12.1f}{row['p95_ms']:>10.1f}")
    result = {
        **loaded,
        "villages": args.villages,
        "months": args.months,
        "umkm": args.umkm,
        "pages": pages,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
