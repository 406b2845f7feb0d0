"""Sealed requests at the village: opening a box, and filing N of them (one transaction
each, as the relay does) into the demo village on SQLite, then the same N again (the
duplicates a redelivery brings).

.venv/bin/python benchmarks/sealed_intake.py [--requests 500] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loket_protocol import events, sealed
from office_server import (
    models,  # noqa: F401 - every table, for the audit's links
    seed,
)
from office_server.config import Settings
from office_server.database import Database
from office_server.migrate import upgrade
from office_server.requests import sealed_intake
from office_server.requests.hub_inbox import prepare
from office_server.sync import sealed_keys
from tests.sync.sealing import HomeRequest, village_public_key

KODE = "DS-2004"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    n = args.requests
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        db = Database(Settings(data_dir=data_dir))
        upgrade(db.engine)
        with db.unit_of_work() as session:
            seed.seed_demo(session)
            prepare(session, data_dir)
        public = village_public_key(data_dir)
        found = sealed_keys.current(data_dir)
        assert found is not None
        boxes: list[events.Event] = [
            HomeRequest(KODE, serial=i + 1).event(public) for i in range(n)
        ]
        opens = []
        for event in boxes[: min(n, 200)]:
            assert isinstance(event.data, events.SealedRequest)
            start = time.perf_counter()
            sealed.open_box(
                event.data.box, found[1], kode_desa=KODE, request_id=event.data.request_id
            )
            opens.append(time.perf_counter() - start)

        def run() -> tuple[float, dict[str, int]]:
            outcomes: dict[str, int] = {}
            start = time.perf_counter()
            for event in boxes:
                with db.unit_of_work() as session:
                    got = sealed_intake.receive(session, event, data_dir=data_dir, kode_desa=KODE)
                outcomes[got] = outcomes.get(got, 0) + 1
            return time.perf_counter() - start, outcomes

        first, outcomes = run()
        assert outcomes == {"filed": n}, outcomes
        again, outcomes = run()
        assert outcomes == {"duplicate": n}, outcomes
        db.dispose()
    figures = {
        "sealed box opened (ECDH + HKDF + AES-GCM), median": (
            statistics.median(opens) * 1000,
            "ms",
        ),
        f"sealed requests filed, {n}, one transaction each": (n / first, "requests/s"),
        f"sealed requests delivered again, {n} duplicates": (n / again, "requests/s"),
    }
    print(f"Sealed requests at the village: {n} into the demo village on SQLite")
    for name, (value, unit) in figures.items():
        print(f"{name:<62}{value:>10.2f}  {unit}")
    if args.json:
        Path(args.json).write_text(json.dumps({k: list(v) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
