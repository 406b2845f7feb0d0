"""The full bad-link run: N events from a village in a network namespace to a real hub,
through nftables loss, tc tbf rate and a delaying proxy (tests/sync/badlink.py).

    .venv/bin/python benchmarks/sync_bad_link.py --events 5000 [--loss 3] [--rate 64]
        [--delay 0.8] [--batch 200] [--json out.json]

Prints events sent, stored, duplicated (at JetStream's PubAck and at PostgreSQL) and the
wall time. Needs root (namespaces), PostgreSQL (make services), nftables and iproute2.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support import databases
from tests.support.waiting import wait_until
from tests.sync.badlink import DelayProxy, bad_link
from tests.sync.conftest import make_village
from tests.sync.harness import BIN, running_hub, village_env
from tests.sync.test_transport import stored, stream_messages
from tests.sync.village import file_requests, outbox_counts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--loss", type=int, default=3, help="packets dropped, in 10")
    parser.add_argument("--rate", type=int, default=64, help="kbit/s each way")
    parser.add_argument("--delay", type=float, default=0.8, help="seconds each way")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        template = databases.build_sqlite_template(tmp / "template")
        kode = "36.04.01.2099"
        with (
            bad_link(loss_in_10=args.loss, rate_kbit=args.rate) as link,
            running_hub(tmp / "hub", tls_names=f"localhost,127.0.0.1,{link.host_ip}") as hub,
            DelayProxy(link.host_ip, ("127.0.0.1", hub.nats_port), delay=args.delay) as proxy,
        ):
            hub.start()
            credentials = hub.add_village(kode, "Desa Benchmark")
            settings, db = make_village(template, tmp / "village")
            file_requests(db, args.events)
            env = village_env(
                settings.data_dir, credentials, url=f"tls://{link.host_ip}:{proxy.port}"
            )
            env["LOKET_SYNC_BATCH"] = str(args.batch)
            log_path = settings.data_dir / "relay.log"
            started = time.monotonic()
            with open(log_path, "ab") as log:
                relay = subprocess.Popen(
                    ["ip", "netns", "exec", link.namespace, str(BIN / "loket"), "sync", "run"],
                    env=env,
                    stdout=log,
                    stderr=log,
                )
            progress = time.monotonic()
            while outbox_counts(db)[1] or stored(hub, kode)[0] < args.events:
                time.sleep(2)
                waiting, at_hub = outbox_counts(db)[1], stored(hub, kode)[0]
                if time.monotonic() - progress > 30:
                    print(f"  {time.monotonic() - started:6.0f} s: waiting {waiting}, hub {at_hub}")
                    progress = time.monotonic()
            elapsed = time.monotonic() - started
            relay.send_signal(signal.SIGTERM)
            relay.wait(timeout=120)
            wait_until(lambda: b"relay stopped" in log_path.read_bytes(), "the relay's counts")
            counts = re.search(
                rb"published (\d+), duplicates (\d+), received \d+, failed rounds (\d+), "
                rb"connections (\d+)",
                log_path.read_bytes(),
            )
            assert counts is not None
            rows, distinct = stored(hub, kode)
            result = {
                "events": args.events,
                "loss_in_10": args.loss,
                "rate_kbit": args.rate,
                "delay_s": args.delay,
                "batch": args.batch,
                "sent_acked": int(counts[1]),
                "pubacks_duplicate": int(counts[2]),
                "failed_rounds": int(counts[3]),
                "connections": int(counts[4]),
                "jetstream_messages": stream_messages(hub, kode),
                "stored": rows,
                "stored_distinct": distinct,
                "hub_duplicates_dropped": hub.health()["ingest"]["duplicates"],
                "seconds": round(elapsed, 1),
                "events_per_s": round(args.events / elapsed, 2),
            }
    for key, value in result.items():
        print(f"{key:<26}{value:>12}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    exactly_once = result["stored"] == result["stored_distinct"] == args.events
    return 0 if exactly_once and result["jetstream_messages"] == args.events else 1


if __name__ == "__main__":
    raise SystemExit(main())
