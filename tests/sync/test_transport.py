"""Village -> hub over a real nats-server (TLS, JetStream encrypted at rest) into a real
PostgreSQL, with the faults the field has: a hub away for a week, a relay killed mid-batch,
a replay after the duplicate window, a village trying to act as another. Every test
states exact counts: sent (the village's outbox), stored (hub PostgreSQL), duplicated.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

import nats
import nats.errors
import pytest
from sqlalchemy import update

from loket_protocol import events, subjects
from office_server.config import Settings
from office_server.database import Database
from office_server.sync import outbox
from office_server.sync.hub_link import HubCredentials
from office_server.sync.models import OutboxEvent
from office_server.sync.relay import Relay, RelayCounts
from regency_hub import streams
from regency_hub.config import HubSettings
from tests.support.waiting import wait_until
from tests.sync.conftest import make_village
from tests.sync.harness import Hub, run_async, running_hub, start_relay
from tests.sync.village import SimulatedClock, file_requests, outbox_counts, week_start

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def stored(hub: Hub, kode: str) -> tuple[int, int]:
    """(events rows, distinct event ids) of one village at the hub."""
    sql = "SELECT {} FROM events e JOIN villages v ON v.id = e.village_id WHERE v.kode_desa = :kode"
    rows = hub.scalar(sql.format("count(*)"), kode=kode)
    distinct = hub.scalar(sql.format("count(DISTINCT e.event_id)"), kode=kode)
    return int(rows), int(distinct)


def stream_messages(hub: Hub, kode: str) -> int:
    """Messages JetStream holds on the village's subjects (after its own dedup)."""

    async def count() -> int:
        nc = await streams.connect(hub_settings(hub))
        try:
            info = await nc.jetstream().stream_info(
                subjects.UP_STREAM, subjects_filter=f"{subjects.up_prefix(kode)}.>"
            )
            return sum((info.state.subjects or {}).values())
        finally:
            await nc.close()

    return run_async(count)


def hub_settings(hub: Hub) -> HubSettings:
    return HubSettings(database_url=hub.url, data_dir=hub.folder, nats_port=hub.nats_port)


def drained(db: Database, hub: Hub, kode: str, total: int) -> bool:
    waiting, at_hub = outbox_counts(db)[1], stored(hub, kode)[0]
    if hub.proc is not None and hub.proc.poll() is not None:
        raise AssertionError("the hub exited")
    print(f"outbox waiting {waiting}, at the hub {at_hub} of {total}")
    return waiting == 0 and at_hub >= total


def test_a_week_without_the_hub_loses_nothing_and_doubles_nothing(
    hub: Hub, sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kode = "36.04.01.2001"
    credentials = hub.add_village(kode, "Desa Sukamaju")
    settings, db = make_village(sqlite_template, tmp_path / "village")
    clock = SimulatedClock(week_start())
    clock.install(monkeypatch)
    hub.stop()

    # The relay runs all week against a hub that is not there.
    relay = start_relay(settings.data_dir, credentials)
    codes = file_requests(db, 1000, clock=clock, step=timedelta(minutes=10), approve_every=4)
    sent_total, waiting = outbox_counts(db)
    assert sent_total == waiting == 1000 + 250  # 1,000 filed, 250 of them approved
    with db.unit_of_work(write=False) as session:
        state = outbox.status(session)
    assert state.lag_seconds(clock()) >= timedelta(days=6.9).total_seconds()
    assert relay.poll() is None, "the relay gave up while the hub was away"

    hub.start()
    wait_until(lambda: drained(db, hub, kode, sent_total), "the week's outbox at the hub")
    relay.send_signal(signal.SIGTERM)
    relay.wait(timeout=60)

    rows, distinct = stored(hub, kode)
    assert (rows, distinct) == (1250, 1250)
    assert stream_messages(hub, kode) == 1250  # none doubled in JetStream either
    assert (
        hub.scalar(
            "SELECT count(*) FROM request_states r JOIN villages v ON v.id = r.village_id "
            "WHERE v.kode_desa = :kode",
            kode=kode,
        )
        == len(set(codes))
        == 1000
    )
    span = hub.scalar(
        "SELECT extract(epoch FROM max(occurred_at) - min(occurred_at)) FROM events e "
        "JOIN villages v ON v.id = e.village_id WHERE v.kode_desa = :kode",
        kode=kode,
    )
    assert float(span) == pytest.approx(timedelta(minutes=10 * 999).total_seconds())
    approved = hub.scalar(
        "SELECT count(*) FROM request_states WHERE status = 'awaiting_signature'"
        " AND village_id = (SELECT id FROM villages WHERE kode_desa = :kode)",
        kode=kode,
    )
    assert approved == 250


def test_a_relay_killed_mid_batch_ten_times_loses_nothing_and_doubles_nothing(
    hub: Hub, sqlite_template: Path, tmp_path: Path
) -> None:
    kode = "36.04.01.2002"
    credentials = hub.add_village(kode, "Desa Sukamakmur")
    settings, db = make_village(sqlite_template, tmp_path / "village")
    file_requests(db, 1500)
    total = outbox_counts(db)[0]
    assert total == 1500

    kills = 0
    for _ in range(10):
        before = outbox_counts(db)[1]
        relay = start_relay(settings.data_dir, credentials, batch=40)
        # Killed as soon as it has made progress: it is then publishing the next batch.
        wait_until(lambda b=before: outbox_counts(db)[1] < b, "the relay to make progress")
        relay.send_signal(signal.SIGKILL)
        relay.wait(timeout=60)
        kills += 1
    waiting_after_kills = outbox_counts(db)[1]
    assert kills == 10 and waiting_after_kills > 0, "the kills came after the outbox drained"

    relay = start_relay(settings.data_dir, credentials)
    wait_until(lambda: drained(db, hub, kode, total), "the rest of the outbox at the hub")
    relay.send_signal(signal.SIGTERM)
    relay.wait(timeout=60)

    assert stored(hub, kode) == (1500, 1500)
    assert stream_messages(hub, kode) == 1500


def test_a_replay_after_the_duplicate_window_changes_nothing(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """A village restored from an old backup sends everything again, long after JetStream
    forgot the ids: the hub's PostgreSQL keeps each event once and its projections stay."""
    kode = "36.04.01.2003"
    with running_hub(tmp_path / "hub", duplicate_window=1.0) as hub:
        hub.start()
        credentials = hub.add_village(kode, "Desa Ulangan")
        _, db = make_village(sqlite_template, tmp_path / "village")
        file_requests(db, 120, approve_every=2)
        total = outbox_counts(db)[0]
        relay = Relay(db, HubCredentials.load(credentials), batch=50)
        first = run_async(lambda: _drain(relay, db))
        wait_until(lambda: stored(hub, kode)[0] == total, "the first sending at the hub")
        states_before = hub.scalar(
            "SELECT md5(string_agg(code || status || status_at::text, ',' ORDER BY code))"
            " FROM request_states"
        )
        last_publish = time.monotonic()

        # Every row unsent again (the restored backup), then sent once the window is over.
        with db.unit_of_work() as session:
            session.execute(update(OutboxEvent).values(sent_at=None, hub_seq=None))
        wait_until(lambda: time.monotonic() > last_publish + 1.5, "the duplicate window to pass")
        replay = Relay(db, HubCredentials.load(credentials), batch=50)
        second = run_async(lambda: _drain(replay, db))
        wait_until(lambda: hub.health()["ingest"]["duplicates"] == total, "the replay at the hub")

        assert (first.published, first.duplicates) == (total, 0)
        # JetStream took every replayed message as new: only PostgreSQL stopped them.
        assert (second.published, second.duplicates) == (total, 0)
        assert stream_messages(hub, kode) == 2 * total
        assert stored(hub, kode) == (total, total)
        assert hub.health()["ingest"] == {"stored": total, "duplicates": total, "refused": 0}
        assert states_before == hub.scalar(
            "SELECT md5(string_agg(code || status || status_at::text, ',' ORDER BY code))"
            " FROM request_states"
        )


async def _drain(relay: Relay, db: Database) -> RelayCounts:
    """Runs the relay until the outbox is empty; returns its counts."""
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    while outbox_counts(db)[1]:
        await asyncio.sleep(0.05)
    stop.set()
    await task
    return relay.counts


def test_a_village_cannot_publish_as_another_nor_read_its_inbox(hub: Hub, tmp_path: Path) -> None:
    mine, theirs = "36.04.01.2004", "36.04.01.2005"
    creds_a = HubCredentials.load(hub.add_village(mine, "Desa A"))
    hub.add_village(theirs, "Desa B")
    hub.hub_cli("announce", "--title", "Untuk semua desa", "--body", "Rapat hari Senin")

    violations, outcome = run_async(lambda: _trespass(creds_a, theirs))

    assert outcome["publish_to_other_subject"] == "refused"
    assert outcome["pull_other_inbox"] == "refused"
    assert outcome["subscribe_all_down"] == "refused"
    assert outcome["read_other_replies"] == "refused"
    # Its own subject with another village's name in the envelope: stored nowhere.
    assert outcome["envelope_claims_other"] == "acked"
    assert outcome["pull_own_inbox"] == "Untuk semua desa"
    assert sum("permissions violation" in v.lower() for v in violations) >= 4, violations
    wait_until(lambda: hub.health()["ingest"]["refused"] >= 1, "the hub to refuse the claim")
    assert stored(hub, theirs) == (0, 0)
    assert stored(hub, mine) == (0, 0)
    assert stream_messages(hub, theirs) == 0


async def _trespass(creds: HubCredentials, other: str) -> tuple[list[str], dict[str, str]]:
    violations: list[str] = []

    async def on_error(error: Exception) -> None:
        violations.append(str(error))

    options = creds.connect_options()
    options["allow_reconnect"] = True
    nc = await nats.connect(error_cb=on_error, **options)
    js = nc.jetstream(timeout=2)
    outcome: dict[str, str] = {}
    event = events.encode(
        event_id=events.new_event_id(),
        village=other,
        at=week_start(),
        data=events.PickedUp(code="ABCD2345", via="kiosk"),
    )

    async def attempt(name: str, coro: object) -> None:
        try:
            await coro  # type: ignore[misc]
            outcome[name] = "acked"
        except (nats.errors.Error, TimeoutError):
            outcome[name] = "refused"

    await attempt(
        "publish_to_other_subject",
        js.publish(subjects.up_subject(other, "letter.picked_up"), event),
    )
    await attempt(
        "envelope_claims_other",
        js.publish(subjects.up_subject(creds.kode_desa, "letter.picked_up"), event),
    )
    other_sub = await js.pull_subscribe_bind(
        subjects.village_consumer(other), stream=subjects.DOWN_STREAM
    )
    await attempt("pull_other_inbox", other_sub.fetch(1, timeout=2))
    sub = await nc.subscribe("loket.down.>")
    await attempt("subscribe_all_down", sub.next_msg(timeout=2))
    spy = await nc.subscribe(f"{subjects.inbox_prefix(other)}.>")
    await attempt("read_other_replies", spy.next_msg(timeout=2))
    own = await js.pull_subscribe_bind(
        subjects.village_consumer(creds.kode_desa), stream=subjects.DOWN_STREAM
    )
    messages = await own.fetch(1, timeout=10)
    decoded = events.decode(messages[0].data)
    assert isinstance(decoded, events.Event) and isinstance(decoded.data, events.Announcement)
    outcome["pull_own_inbox"] = decoded.data.title
    await nc.close()
    return violations, outcome


def test_a_regency_announcement_reaches_the_public_page_once(
    hub: Hub, sqlite_template: Path, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from office_server.main import create_app

    kode = "36.04.01.2006"
    credentials = hub.add_village(kode, "Desa Pengumuman")
    settings, db = make_village(sqlite_template, tmp_path / "village")
    hub.hub_cli("announce", "--title", "Pelayanan KTP keliling", "--body", "Kamis di balai desa")
    relay = Relay(db, HubCredentials.load(credentials))

    async def receive() -> int:
        nc = await relay.connect()
        js = nc.jetstream()
        sub = await js.pull_subscribe_bind(
            subjects.village_consumer(kode), stream=subjects.DOWN_STREAM
        )
        got = 0
        while not got:
            got = await relay.pull(sub)
        again = await relay.pull(sub)  # acked: nothing comes twice
        await nc.close()
        return got + again

    received = run_async(receive)
    assert received >= 1
    with db.unit_of_work(write=False) as session:
        shown = [a.title for a in outbox.regency_announcements(session, limit=50)]
    assert shown.count("Pelayanan KTP keliling") == 1
    app = create_app(Settings(data_dir=settings.data_dir, sign_letters=False))
    with TestClient(app) as client:
        page = client.get("/")
    assert "Pengumuman kabupaten" in page.text and "Pelayanan KTP keliling" in page.text


def test_a_relay_stops_at_once_when_told_even_on_a_silent_link(
    hub: Hub, sqlite_template: Path, tmp_path: Path
) -> None:
    """A link that accepts and then says nothing (a captive portal, a dead modem): the
    relay waits on it, yet SIGTERM ends it and it reports what it did."""
    import socket

    credentials = hub.add_village("36.04.01.2007", "Desa Sunyi")
    settings, db = make_village(sqlite_template, tmp_path / "village")
    file_requests(db, 3)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        relay = start_relay(settings.data_dir, credentials, url=f"tls://127.0.0.1:{port}")
        log = settings.data_dir / "relay.log"
        connection, _ = wait_until(silent.accept, "the relay to connect to the silent link")
        with connection:
            relay.send_signal(signal.SIGTERM)
            assert relay.wait(timeout=60) == 0
    assert b"relay stopped: published 0" in log.read_bytes()
    assert outbox_counts(db) == (3, 3)


def test_hub_staff_accounts_keep_only_an_argon2_hash(hub: Hub) -> None:
    import os
    import subprocess

    env = {**hub.env(), "LOKET_REGENCY_NEW_PASSWORD": "rahasia-dinas-2026"}
    done = subprocess.run(
        [sys_loket(), "hub", "create-user", "--username", "dinas", "--full-name", "Dinas PMD"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "User dinas created." in done.stdout
    stored_hash = hub.scalar("SELECT password_hash FROM hub_users WHERE username = 'dinas'")
    assert stored_hash.startswith("$argon2id$") and "rahasia" not in stored_hash
    assert os.environ.get("LOKET_REGENCY_NEW_PASSWORD") is None


def sys_loket() -> str:
    from tests.sync.harness import BIN

    return str(BIN / "loket")


def test_the_server_thread_relay_sends_and_stops(
    hub: Hub, sqlite_template: Path, tmp_path: Path
) -> None:
    """`loket server` with LOKET_HUB_CREDENTIALS runs the relay in a thread of its own."""
    from office_server.sync.relay import start_in_thread

    kode = "36.04.01.2008"
    credentials = hub.add_village(kode, "Desa Utas")
    settings, db = make_village(sqlite_template, tmp_path / "village")
    file_requests(db, 5)
    stop = start_in_thread(
        db, Settings(data_dir=settings.data_dir, hub_credentials=credentials, sign_letters=False)
    )
    try:
        wait_until(lambda: drained(db, hub, kode, 5), "the thread's relay to send")
    finally:
        stop.set()
        wait_until(
            lambda: not any(t.name == "sync-relay" for t in threading.enumerate()),
            "the relay thread to end",
        )
    assert stored(hub, kode) == (5, 5)
