"""The off-site archive's recovery point while online: how many seconds of writes a
village loses when it burns down, with Litestream replicating to a real hub.

    .venv/bin/python benchmarks/archive_rpo.py [--trials 5] [--rate 20] [--seconds 6]
        [--json out.json]

Each trial: a fresh village (SQLite) with `loket sync run` (relay, PDF uploader,
Litestream) against a real hub (nats-server over TLS, JetStream encrypted at rest);
once its database is at the hub, a writer commits one row a time (`--rate` rows/s, each
its own transaction, stamped with the time) for `--seconds`, then the village is killed
at once (SIGKILL to Litestream and the relay, the writer stopped). `loket restore-from-hub`
rebuilds it in a new folder; the recovery point is the time between the last row written
and the last row restored. Needs PostgreSQL (make services).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

from loket_protocol import subjects
from office_server.sync.hub_link import HubCredentials
from tests.support import databases
from tests.support.waiting import wait_until
from tests.sync.conftest import make_village
from tests.sync.harness import BIN, Hub, run_async, running_hub, start_relay, village_env
from tests.sync.test_archive import bucket_names


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class Writer(threading.Thread):
    """One row per transaction into a probe table of the village database, at `rate`/s."""

    def __init__(self, path: Path, rate: float) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.rate = rate
        self.stop = threading.Event()
        self.last = (0, 0.0)  # (n, wall time) of the last committed row

    def run(self) -> None:
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            n = 0
            while not self.stop.wait(1 / self.rate):
                n += 1
                at = time.time()
                conn.execute("INSERT INTO rpo_probe (n, at) VALUES (?, ?)", (n, at))
                conn.commit()
                self.last = (n, at)


def trial(hub: Hub, template: Path, tmp: Path, index: int, args: argparse.Namespace) -> dict:
    kode = f"36.04.01.{2300 + index}"
    credentials = hub.add_village(kode, f"Desa RPO {index}")
    creds = HubCredentials.load(credentials)
    folder = tmp / f"village-{index}"
    _settings, db = make_village(template, folder)
    db.dispose()
    db_file = folder / "loket.sqlite3"
    with closing(sqlite3.connect(db_file)) as conn:
        conn.execute("CREATE TABLE rpo_probe (n INTEGER PRIMARY KEY, at REAL NOT NULL)")
        conn.commit()
    relay = start_relay(folder, credentials)
    wait_until(
        lambda: run_async(lambda: bucket_names(creds, subjects.ARCHIVE_DB_BUCKET)),
        "the database at the hub",
    )
    writer = Writer(db_file, args.rate)
    writer.start()
    time.sleep(args.seconds * random.uniform(0.8, 1.2))  # the workload, not a wait
    writer.stop.set()
    writer.join()
    for pid in children(relay.pid):
        os.kill(pid, signal.SIGKILL)  # Litestream, mid-whatever
    relay.kill()
    relay.wait()
    last_n, last_at = writer.last

    target = tmp / f"restored-{index}"
    started = time.monotonic()
    done = subprocess.run(
        [str(BIN / "loket"), "restore-from-hub"],
        env=village_env(target, credentials),
        capture_output=True,
        text=True,
        check=False,
    )
    restore_s = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"restore-from-hub failed: {done.stderr}")
    with closing(sqlite3.connect(target / "loket.sqlite3")) as conn:
        row = conn.execute("SELECT n, at FROM rpo_probe ORDER BY n DESC LIMIT 1").fetchone()
    got_n, got_at = row if row else (0, last_at - args.seconds)
    return {
        "written": last_n,
        "restored": got_n,
        "rows_lost": last_n - got_n,
        "seconds_lost": round(last_at - got_at, 3) if got_n < last_n else 0.0,
        "restore_s": round(restore_s, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--rate", type=float, default=20.0, help="rows written per second")
    parser.add_argument("--seconds", type=float, default=6.0, help="writing before the kill")
    parser.add_argument("--json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        template = databases.build_sqlite_template(tmp / "template")
        with running_hub(tmp / "hub") as hub:
            hub.start()
            trials = [trial(hub, template, tmp, i, args) for i in range(args.trials)]
    for t in trials:
        print(
            f"written {t['written']:>5}  restored {t['restored']:>5}  lost {t['rows_lost']:>3} "
            f"rows = {t['seconds_lost']:6.3f} s   restore {t['restore_s']:5.2f} s"
        )
    lost = [t["seconds_lost"] for t in trials]
    result = {
        "trials": args.trials,
        "rate_rows_per_s": args.rate,
        "rpo_median_s": statistics.median(lost),
        "rpo_max_s": max(lost),
        "rows_lost_max": max(t["rows_lost"] for t in trials),
        "restore_median_s": statistics.median(t["restore_s"] for t in trials),
        "trial_rows": trials,
    }
    for key in ("rpo_median_s", "rpo_max_s", "rows_lost_max", "restore_median_s"):
        print(f"{key:<22}{result[key]:>10}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
