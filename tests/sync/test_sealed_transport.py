"""Sealed requests down a real nats-server into the village, filed once, their status up
to the hub's PostgreSQL; refusals up; a village away for three days gets them when back.

The hub's filing API is another part's work: here the test publishes as the hub does
(`loket.down.<village>.request.sealed`, Nats-Msg-Id = the event id), with a form sealed
by `loket_protocol.sealed.seal`, the browser's steps in Python.
"""

from __future__ import annotations

import signal
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from loket_protocol import events, subjects
from office_server.config import Settings
from office_server.database import Database
from office_server.requests import service as requests_service
from office_server.requests.hub_inbox import HubInbox, prepare
from office_server.requests.models import LetterRequest
from office_server.sync import relay as relay_module
from regency_hub import streams
from tests.server.helpers import OPERATOR
from tests.support.waiting import wait_until
from tests.sync.conftest import make_village
from tests.sync.harness import Hub, run_async, start_relay
from tests.sync.sealing import HomeRequest, village_public_key
from tests.sync.test_transport import hub_settings
from tests.sync.village import SimulatedClock, file_requests, outbox_counts, week_start

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def publish_down(hub: Hub, kode: str, *raws: tuple[str, bytes]) -> None:
    """As the hub's filing API does: into the village's inbox, each with its message id."""

    async def publish() -> None:
        nc = await streams.connect(hub_settings(hub))
        try:
            js = nc.jetstream()
            for msg_id, raw in raws:
                await js.publish(
                    subjects.down_subject(kode, str(events.Kind.SEALED_REQUEST)),
                    raw,
                    headers=streams.publish_headers(msg_id),
                )
        finally:
            await nc.close()

    run_async(publish)


def at_hub(hub: Hub, kode: str, sql_where: str, **params: object) -> int:
    sql = "SELECT count(*) FROM events e JOIN villages v ON v.id = e.village_id "
    sql += "WHERE v.kode_desa = :kode AND " + sql_where  # the tests' own conditions
    return int(hub.scalar(sql, kode=kode, **params))


def hub_state(hub: Hub, kode: str, code: str) -> tuple[str, str] | None:
    engine_sql = (
        "SELECT status || '/' || coalesce(channel, '') FROM request_states r "
        "JOIN villages v ON v.id = r.village_id WHERE v.kode_desa = :kode AND r.code = :code"
    )
    found = hub.scalar(engine_sql, kode=kode, code=code)
    return tuple(found.split("/")) if found else None  # type: ignore[return-value]


def filed(db: Database, code: str | None = None) -> int:
    with db.unit_of_work(write=False) as session:
        stmt = select(func.count()).select_from(LetterRequest).where(LetterRequest.channel == "hub")
        if code:
            stmt = stmt.where(LetterRequest.public_code == code)
        return int(session.scalar(stmt) or 0)


@pytest.fixture
def relay_thread() -> Iterator[list[threading.Event]]:
    """Stops the in-process relays a test started, even when it fails."""
    stops: list[threading.Event] = []
    yield stops
    for stop in stops:
        stop.set()
    wait_until(
        lambda: not any(t.name == "sync-relay" for t in threading.enumerate()),
        "the relay thread to end",
    )
    relay_module.RUNNING = None


def start_village_relay(
    settings: Settings, db: Database, credentials: Path, stops: list[threading.Event]
) -> relay_module.Relay:
    stops.append(
        relay_module.start_in_thread(
            db,
            Settings(
                data_dir=settings.data_dir,
                hub_credentials=credentials,
                sign_letters=False,
                sync_retry_max_seconds=0.5,
            ),
            inbox=HubInbox(data_dir=settings.data_dir),
        )
    )
    assert relay_module.RUNNING is not None
    return relay_module.RUNNING


def handled(relay: relay_module.Relay) -> int:
    return sum(v for k, v in relay.counts.inbox.items() if k != "announcement")


def test_a_sealed_request_is_filed_once_and_its_status_reaches_the_hub(
    hub: Hub, sqlite_template: Path, tmp_path: Path, relay_thread: list[threading.Event]
) -> None:
    kode = "36.04.01.2101"
    credentials = hub.add_village(kode, "Desa Rumah")
    settings, db = make_village(sqlite_template, tmp_path / "village")
    with db.unit_of_work() as session:
        prepare(session, settings.data_dir)
    public = village_public_key(settings.data_dir)
    home = HomeRequest(kode)
    first = home.event(public)
    # The same message twice (a redelivery after the duplicate window: another message
    # id), and a double tap at the hub (another event, the same request id).
    publish_down(
        hub,
        kode,
        (str(first.id), first.encode()),
        (f"{first.id}-again", first.encode()),
        (str(uuid.uuid4()), home.event(public).encode()),
    )
    relay = start_village_relay(settings, db, credentials, relay_thread)
    wait_until(lambda: handled(relay) >= 3, "the three messages handled")
    assert relay.counts.inbox.get("filed") == 1 and relay.counts.inbox.get("duplicate") == 2
    assert filed(db) == filed(db, home.code) == 1
    wait_until(lambda: hub_state(hub, kode, home.code), "the request at the hub")
    assert hub_state(hub, kode, home.code) == ("submitted", "hub")
    # The key and the forms went up at the first connection, with the request's events.
    assert at_hub(hub, kode, "e.kind = 'village.key' AND e.data->>'public_key' = :pk", pk=public)
    assert at_hub(hub, kode, "e.kind = 'catalog.form' AND e.data->>'code' = 'domisili'") == 1

    with db.unit_of_work() as session:
        request = requests_service.get_for_resident(session, code=home.code, secret=home.secret)
        requests_service.transition(session, request, "approve", actor=OPERATOR)
    wait_until(
        lambda: hub_state(hub, kode, home.code) == ("awaiting_signature", "hub"),
        "the approval at the hub",
    )
    nik = str(home.body["applicant_nik"])
    assert not at_hub(hub, kode, "e.data::text LIKE :nik", nik=f"%{nik}%")


def test_refused_requests_go_back_up_and_a_malformed_one_does_not_block_the_inbox(
    hub: Hub, sqlite_template: Path, tmp_path: Path, relay_thread: list[threading.Event]
) -> None:
    kode = "36.04.01.2102"
    credentials = hub.add_village(kode, "Desa Tolak")
    settings, db = make_village(sqlite_template, tmp_path / "village")
    with db.unit_of_work() as session:
        prepare(session, settings.data_dir)
    public = village_public_key(settings.data_dir)
    for_other = HomeRequest(kode, serial=1)
    invalid = HomeRequest(kode, serial=2)
    broken = HomeRequest(kode, serial=3)
    good = HomeRequest(kode, serial=4)
    bad_form = dict(invalid.body["form_data"], tanggal_lahir="2999-01-01")
    publish_down(
        hub,
        kode,
        (str(uuid.uuid4()), for_other.event(public, sealed_for="36.04.01.2001").encode()),
        (str(uuid.uuid4()), invalid.event(public, form_data=bad_form).encode()),
        (str(uuid.uuid4()), broken.event(public).encode().replace(b'"box":', b'"bx":')),
        (str(uuid.uuid4()), good.event(public).encode()),
    )
    relay = start_village_relay(settings, db, credentials, relay_thread)
    wait_until(lambda: handled(relay) >= 3, "the three readable messages handled")
    wait_until(lambda: filed(db, good.code), "the good request after the broken one")
    assert filed(db) == 1
    wait_until(
        lambda: at_hub(hub, kode, "e.kind = 'request.refused'") == 3, "the refusals at the hub"
    )
    codes = {
        hub.scalar(
            "SELECT e.data->>'code' FROM events e JOIN villages v ON v.id = e.village_id "
            "WHERE v.kode_desa = :kode AND e.kind = 'request.refused' AND e.data->>'code' = :c",
            kode=kode,
            c=c,
        )
        for c in (for_other.code, invalid.code, broken.code)
    }
    assert codes == {for_other.code, invalid.code, broken.code}
    problems = hub.scalar(
        "SELECT e.data->'problems' FROM events e JOIN villages v ON v.id = e.village_id "
        "WHERE v.kode_desa = :kode AND e.data->>'code' = :c",
        kode=kode,
        c=invalid.code,
    )
    assert any(p["field"] == "form_data.tanggal_lahir" for p in problems)
    assert "2999" not in repr(problems)


def test_a_request_filed_while_the_village_was_away_three_days_arrives_once(
    hub: Hub, sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kode = "36.04.01.2103"
    credentials = hub.add_village(kode, "Desa Jauh")
    settings, db = make_village(sqlite_template, tmp_path / "village")
    with db.unit_of_work() as session:
        prepare(session, settings.data_dir)
    clock = SimulatedClock(week_start())
    clock.install(monkeypatch)
    public = village_public_key(settings.data_dir)
    home = HomeRequest(kode)
    event = home.event(public)
    # Filed at the hub, and again by the resident's retry, while no relay runs.
    publish_down(hub, kode, (str(event.id), event.encode()))
    file_requests(db, 36, clock=clock, step=timedelta(hours=2))  # the office works on
    assert clock() - week_start() >= timedelta(days=3)
    publish_down(hub, kode, (str(uuid.uuid4()), home.event(public).encode()))
    assert filed(db) == 0

    relay = start_relay(settings.data_dir, credentials)
    wait_until(lambda: filed(db, home.code), "the request once the village is back")
    wait_until(lambda: outbox_counts(db)[1] == 0, "the outbox drained")
    wait_until(lambda: hub_state(hub, kode, home.code), "its status at the hub")
    relay.send_signal(signal.SIGTERM)
    relay.wait(timeout=60)
    assert filed(db) == 1
    log = (settings.data_dir / "relay.log").read_text()
    assert "received 2" in log, log[-500:]


def _operator(client: object) -> str:
    from tests.web.test_admin_pages import login

    return login(client, "operator")  # type: ignore[arg-type]


def _pull(client: object, csrf: str, code: str) -> object:
    return client.post(  # type: ignore[attr-defined]
        "/operator/tarik", data={"code": code, "csrf_token": csrf}, follow_redirects=False
    )


def test_the_operator_pulls_a_request_by_its_code(
    hub: Hub, sqlite_template: Path, tmp_path: Path, relay_thread: list[threading.Event]
) -> None:
    from fastapi.testclient import TestClient

    from office_server.main import create_app

    kode = "36.04.01.2104"
    credentials = hub.add_village(kode, "Desa Tarik")
    settings, db = make_village(sqlite_template, tmp_path / "village")
    with db.unit_of_work() as session:
        prepare(session, settings.data_dir)
    public = village_public_key(settings.data_dir)
    home = HomeRequest(kode)
    app_settings = Settings(
        data_dir=settings.data_dir, hub_credentials=credentials, sign_letters=False
    )
    start_village_relay(settings, db, credentials, relay_thread)
    # Linked: its first rounds went through (just after add-village the hub's account
    # reload may still refuse one; the operator would then read "terputus").
    wait_until(lambda: outbox_counts(db) == (outbox_counts(db)[0], 0), "the outbox sent")
    with TestClient(create_app(app_settings, db)) as client:
        csrf = _operator(client)
        assert "Tarik dari kabupaten" in client.get("/operator").text
        # Nothing at the hub under that code (yet): said so, after a round that went through.
        # On a loaded machine a round can time out ("terputus"/"belum menjawab"); the
        # operator presses again, and so does the test, until a round went through.
        answers: list[str] = []

        def says_nothing_there() -> bool:
            answer = _pull(client, csrf, home.code.lower())
            assert answer.status_code == 200  # type: ignore[attr-defined]
            answers.append(answer.text)  # type: ignore[attr-defined]
            return "tidak menyimpan permohonan dengan kode" in answers[-1]

        wait_until(says_nothing_there, "a round that went through says: nothing there")
        assert all(
            "tidak menyimpan" in text or "terputus" in text or "belum menjawab" in text
            for text in answers
        )
        publish_down(hub, kode, (str(uuid.uuid4()), home.event(public).encode()))
        answer = _pull(client, csrf, home.code)
        wait_until(lambda: filed(db, home.code), "the request")
        with db.unit_of_work(write=False) as session:
            rid = session.scalar(
                select(LetterRequest.id).where(LetterRequest.public_code == home.code)
            )
        if answer.status_code == 200:  # type: ignore[attr-defined]
            # The relay's own round took it between the publish and the ask: ask again.
            answer = _pull(client, csrf, home.code)
        assert answer.status_code == 303  # type: ignore[attr-defined]
        assert answer.headers["location"] == f"/operator/permohonan/{rid}"  # type: ignore[attr-defined]
        # A village code is not the hub's.
        assert "diawali huruf H" in _pull(client, csrf, "K7M2QX9P").text  # type: ignore[attr-defined]


def test_the_operator_pull_says_when_the_link_is_down(
    hub: Hub, sqlite_template: Path, tmp_path: Path, relay_thread: list[threading.Event]
) -> None:
    import socket

    from fastapi.testclient import TestClient

    from office_server.main import create_app

    kode = "36.04.01.2105"
    credentials = hub.add_village(kode, "Desa Putus")
    settings, db = make_village(sqlite_template, tmp_path / "village")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"tls://127.0.0.1:{closed.getsockname()[1]}"  # nobody listens there
    app_settings = Settings(
        data_dir=settings.data_dir,
        hub_credentials=credentials,
        hub_url=dead,
        sign_letters=False,
        # A long pause between tries: the operator's ask must not wait for it.
        sync_retry_max_seconds=600,
    )
    stops = relay_thread
    stops.append(
        relay_module.start_in_thread(db, app_settings, inbox=HubInbox(data_dir=settings.data_dir))
    )
    running = relay_module.RUNNING
    assert running is not None
    wait_until(lambda: running.counts.rounds_failed >= 3, "the relay to fail a few rounds")
    with TestClient(create_app(app_settings, db)) as client:
        csrf = _operator(client)
        answer = _pull(client, csrf, HomeRequest(kode).code)
        assert "Sambungan ke kabupaten sedang terputus" in answer.text  # type: ignore[attr-defined]


class _FailsOnce(HubInbox):
    """A village whose first attempt to store fails (a locked disk, say)."""

    def __init__(self, *, data_dir: Path) -> None:
        super().__init__(data_dir=data_dir)
        self.failed = 0

    def receive(self, session: object, event: events.Event, *, kode_desa: str) -> str | None:
        if not self.failed:
            self.failed += 1
            raise RuntimeError("disk I/O error")
        return super().receive(session, event, kode_desa=kode_desa)  # type: ignore[arg-type]


def test_a_message_the_village_fails_to_store_comes_again_and_the_relay_lives_on(
    hub: Hub,
    sqlite_template: Path,
    tmp_path: Path,
    relay_thread: list[threading.Event],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(relay_module, "REDELIVER_AFTER_SECONDS", 1.0)
    kode = "36.04.01.2106"
    credentials = hub.add_village(kode, "Desa Gagal Sekali")
    settings, db = make_village(sqlite_template, tmp_path / "village")
    with db.unit_of_work() as session:
        prepare(session, settings.data_dir)
    home = HomeRequest(kode)
    event = home.event(village_public_key(settings.data_dir))
    publish_down(hub, kode, (str(event.id), event.encode()))
    inbox = _FailsOnce(data_dir=settings.data_dir)
    relay_thread.append(
        relay_module.start_in_thread(
            db,
            Settings(data_dir=settings.data_dir, hub_credentials=credentials, sign_letters=False),
            inbox=inbox,
        )
    )
    relay = relay_module.RUNNING
    assert relay is not None
    # Nak'd with a delay (a minute; a second here): redelivered then, not lost, and the
    # relay keeps running meanwhile.
    wait_until(lambda: inbox.failed == 1, "the failed attempt")
    wait_until(lambda: outbox_counts(db)[1] == 0, "the relay still sending")
    assert any(t.name == "sync-relay" for t in threading.enumerate())
    wait_until(lambda: filed(db, home.code), "the request, redelivered")
    assert relay.counts.inbox.get("filed") == 1
