"""N villages x M events through a real hub: nats-server (TLS, encrypted JetStream), the
ingest, PostgreSQL. Each village is its own NATS connection with its own credentials,
publishing its events with `Nats-Msg-Id` and waiting for the PubAcks, as the relay does.

    .venv/bin/python benchmarks/hub_scale.py --villages 326 --events 1000 [--json out.json]

Prints events/s (first publish to the last row in PostgreSQL), the hub's peak RSS
(nats-server and the hub process) and the publish-to-PostgreSQL delay (median, p95).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import ssl
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import nats

from loket_protocol import events, subjects
from regency_hub import natsconf, villages
from regency_hub.config import HubSettings
from regency_hub.database import HubDatabase
from tests.support import databases
from tests.sync.harness import running_hub

BATCH = 100


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _quiet(_error: Exception) -> None:
    return None


async def village(
    kode: str, user: str, password: str, url: str, ca: str, count: int, logins: asyncio.Semaphore
) -> None:
    context = ssl.create_default_context(cadata=ca)
    # Each login costs nats-server a bcrypt check (~50 ms of CPU): all villages at once
    # with nats-py's default 2 s connect timeout time out, retry and never get in (seen
    # with 326). Villages come online at different times; here a few log in at a time.
    async with logins:
        nc = await nats.connect(
            servers=[url],
            user=user,
            password=password,
            tls=context,
            inbox_prefix=subjects.inbox_prefix(kode),
            connect_timeout=30,
            max_reconnect_attempts=-1,
            error_cb=_quiet,
        )
    js = nc.jetstream(timeout=120)
    sent = 0
    while sent < count:
        publishes = []
        for i in range(sent, min(count, sent + BATCH)):
            data = events.RequestFiled(
                code=f"B{i:07d}", letter_type="domisili", channel="web", status="submitted"
            )
            event_id = uuid.uuid4()
            raw = events.encode(event_id=event_id, village=kode, at=datetime.now(UTC), data=data)
            publishes.append(
                js.publish(
                    subjects.up_subject(kode, "request.filed"),
                    raw,
                    headers={"Nats-Msg-Id": str(event_id)},
                )
            )
        await asyncio.gather(*publishes)
        sent += len(publishes)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(nc.close(), timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--villages", type=int, default=326)
    parser.add_argument("--events", type=int, default=1000, help="per village")
    parser.add_argument("--json")
    args = parser.parse_args()
    total = args.villages * args.events
    with tempfile.TemporaryDirectory() as tmp_name, running_hub(Path(tmp_name) / "hub") as hub:
        settings = HubSettings(
            database_url=hub.url,
            data_dir=hub.folder,
            nats_port=hub.nats_port,
            public_nats_url=f"tls://127.0.0.1:{hub.nats_port}",
        )
        db = HubDatabase(hub.url)
        creds = []
        with db.unit_of_work() as session:
            for n in range(args.villages):
                kode = f"36.04.{n // 100:02d}.{2001 + n % 100}"
                row, password = villages.add_village(session, kode_desa=kode, name=f"Desa {n}")
                creds.append((kode, row.nats_user, password))
            natsconf.write(settings, villages.village_users(session))
        ca = (hub.folder / "nats" / "tls" / "ca.pem").read_text()
        hub.start()
        assert hub.proc is not None
        nats_pid = int((hub.folder / "nats" / "nats-server.pid").read_text())

        async def everyone() -> None:
            logins = asyncio.Semaphore(4)
            await asyncio.gather(
                *(
                    village(k, u, p, settings.public_nats_url, ca, args.events, logins)
                    for k, u, p in creds
                )
            )

        started = time.monotonic()
        asyncio.run(everyone())
        published = time.monotonic() - started
        while (hub.scalar("SELECT count(*) FROM events") or 0) < total:
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        delays = hub.scalar(
            "SELECT json_build_array("
            " percentile_cont(0.5) WITHIN GROUP"
            " (ORDER BY extract(epoch FROM received_at - occurred_at)),"
            " percentile_cont(0.95) WITHIN GROUP"
            " (ORDER BY extract(epoch FROM received_at - occurred_at)))"
            " FROM events"
        )
        result = {
            "villages": args.villages,
            "events_per_village": args.events,
            "events": total,
            "stored": hub.scalar("SELECT count(DISTINCT event_id) FROM events"),
            "publish_seconds": round(published, 1),
            "seconds_to_postgresql": round(elapsed, 1),
            "events_per_s": round(total / elapsed),
            "nats_server_peak_rss_mb": round(peak_rss_mb(nats_pid), 1),
            "hub_process_peak_rss_mb": round(peak_rss_mb(hub.proc.pid), 1),
            "delay_median_s": round(delays[0], 3),
            "delay_p95_s": round(delays[1], 3),
        }
        db.dispose()
    for key, value in result.items():
        print(f"{key:<28}{value:>12}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0 if result["stored"] == total else 1


if __name__ == "__main__":
    assert databases.postgres_admin_url(), "PostgreSQL is not running (make services)"
    raise SystemExit(main())
