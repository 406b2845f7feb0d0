"""Exactly once over a bad link: the village in its own network namespace, 30 % of packets
dropped each way (nftables), 64 kbit/s (tc tbf) and 800 ms each way (a delaying proxy).
CI sends a few hundred events; benchmarks/sync_bad_link.py runs the full 5,000."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.waiting import wait_until
from tests.sync.badlink import DelayProxy, NoNamespaces, bad_link
from tests.sync.conftest import make_village
from tests.sync.harness import BIN, RELAYS, running_hub, village_env
from tests.sync.test_transport import stored, stream_messages
from tests.sync.village import file_requests, outbox_counts

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EVENTS = int(os.environ.get("LOKET_BAD_LINK_EVENTS", "150"))


def wait_while_progressing(measure: object, done: object, what: str) -> None:
    """Waits for `done()`, as long as `measure()` keeps changing within the hang guard: a
    slow link may take long, a stuck one fails."""
    while not done():  # type: ignore[operator]
        last = measure()  # type: ignore[operator]
        wait_until(lambda last=last: done() or measure() != last, what)  # type: ignore[operator, misc]


def test_every_event_arrives_once_over_a_lossy_slow_delayed_link(
    sqlite_template: Path, tmp_path: Path
) -> None:
    try:
        link_context = bad_link(loss_in_10=3, rate_kbit=64)
        link = link_context.__enter__()
    except NoNamespaces as exc:
        print(f"\n!!! SKIPPING the bad-link test: {exc}", file=sys.stderr)
        pytest.skip(f"network namespaces unavailable: {exc}")
    try:
        kode = "36.04.01.2020"
        with (
            running_hub(tmp_path / "hub", tls_names=f"localhost,127.0.0.1,{link.host_ip}") as hub,
            DelayProxy(link.host_ip, ("127.0.0.1", hub.nats_port), delay=0.8) as proxy,
        ):
            hub.start()
            credentials = hub.add_village(kode, "Desa Sinyal Lemah")
            settings, db = make_village(sqlite_template, tmp_path / "village")
            file_requests(db, EVENTS)
            assert outbox_counts(db) == (EVENTS, EVENTS)
            env = village_env(
                settings.data_dir, credentials, url=f"tls://{link.host_ip}:{proxy.port}"
            )
            env["LOKET_SYNC_BATCH"] = "50"
            with open(settings.data_dir / "relay.log", "ab") as log:
                relay = subprocess.Popen(
                    ["ip", "netns", "exec", link.namespace, str(BIN / "loket"), "sync", "run"],
                    env=env,
                    stdout=log,
                    stderr=log,
                )
            RELAYS.append(relay)
            try:
                wait_while_progressing(
                    lambda: (outbox_counts(db)[1], stored(hub, kode)[0]),
                    lambda: outbox_counts(db)[1] == 0 and stored(hub, kode)[0] == EVENTS,
                    "the outbox to cross the bad link",
                )
            finally:
                relay.send_signal(signal.SIGTERM)
                relay.wait(timeout=60)
            assert stored(hub, kode) == (EVENTS, EVENTS)
            assert stream_messages(hub, kode) == EVENTS
            assert hub.health()["ingest"]["duplicates"] == 0
    finally:
        link_context.__exit__(None, None, None)
