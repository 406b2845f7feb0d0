"""Hearing back: the outbox against a real HTTP gateway that fails on demand.

The sender runs with an injected wall clock: an hour of a dead gateway is sixty steps
of a minute, not an hour of waiting.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from office_server import notifier
from office_server.clock import local_day_start
from office_server.database import Database
from office_server.letters import service as letters_service
from office_server.notifications import service as notifications
from office_server.notifications.gateway import HttpGateway
from office_server.notifications.models import OutboxMessage
from office_server.requests import service as requests_service
from office_server.requests.models import Channel
from tests.server.helpers import OPERATOR, operator
from tests.server.test_cli_and_settings import loket
from tests.support import factories
from tests.support.gateway import FakeGateway, fake_gateway
from tests.web.test_admin_pages import login

PHONE = "0812-3456-7890"
NAME = "Siti Rahmawati"
ADDRESS = "Kp. Sukamaju RT 002/RW 003"


class Clock:
    """The sender's wall clock; it starts a second ahead, so what was just queued is due."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _configure(db: Database, gateway: FakeGateway, *, cap: int = 200) -> None:
    with db.unit_of_work() as session:
        notifications.update_settings(
            session,
            changes={
                "channel": "whatsapp",
                "gateway_url": gateway.url,
                "token": "kunci-rahasia",
                "daily_cap": str(cap),
            },
        )


def _file(db: Database, serial: int, *, phone: str | None = PHONE) -> int:
    with db.unit_of_work() as session:
        request, _, _ = requests_service.create(
            session,
            letter_type_code="domisili",
            applicant_nik=factories.make_nik(serial=serial),
            applicant_name=NAME,
            form_data=factories.domisili_form(),
            phone=phone,
            channel=Channel.WEB,
            actor=OPERATOR,
        )
        return request.id


def _act(db: Database, request_id: int, action: str, reason: str | None = None) -> None:
    with db.unit_of_work() as session:
        request = requests_service.get(session, request_id=request_id)
        requests_service.transition(session, request, action, actor=OPERATOR, reason=reason)


def _outbox(db: Database) -> list[OutboxMessage]:
    with db.session(write=False) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_gateway_down_for_an_hour_delivers_every_message_exactly_once(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with fake_gateway() as gateway:
        _configure(db, gateway)
        fix, refuse, ready = _file(db, 1), _file(db, 2), _file(db, 3)
        no_phone = _file(db, 4, phone=None)
        _act(db, fix, "ask_correction", "Foto KTP kurang jelas")
        _act(db, refuse, "reject", "Bukan warga desa ini")
        _act(db, no_phone, "reject", "Bukan warga desa ini")
        _act(db, ready, "approve")
        with db.unit_of_work() as session:
            request = requests_service.get(session, request_id=ready)
            letters_service.sign(
                session, request, signer=operator(session, "kades"), settings=db.settings
            )
        clock = Clock()
        queued = _outbox(db)
        assert [(m.request_id, m.event) for m in queued] == [
            (fix, "needs_correction"),
            (refuse, "rejected"),
            (ready, "ready"),
        ]

        gateway.mode = "down"
        for _ in range(60):
            notifier.run_once(db, db.settings, clock=clock)
            clock.advance(minutes=1)
        assert gateway.delivered == {}
        tries = [m.attempts for m in _outbox(db)]
        # Backoff: 1, 2, 4, ... minutes apart, not sixty tries each.
        assert all(4 <= n <= 8 for n in tries), tries
        assert {m.last_error for m in _outbox(db)} == {"http_503"}

        gateway.mode = "up"
        for _ in range(120):
            if all(m.status == "sent" for m in _outbox(db)):
                break
            notifier.run_once(db, db.settings, clock=clock)
            clock.advance(minutes=1)
        sent = _outbox(db)
        assert [m.status for m in sent] == ["sent"] * 3
        assert len(gateway.delivered) == 3
        accepted = [r for r in gateway.received if r.answered == 200]
        assert sorted(r.key for r in accepted) == sorted(m.idempotency_key for m in sent)
        # More rounds send nothing again.
        for _ in range(5):
            clock.advance(hours=1)
            assert notifier.run_once(db, db.settings, clock=clock).sent == 0
        assert len([r for r in gateway.received if r.answered == 200]) == 3

    texts = [body["message"] for body in gateway.delivered.values()]
    assert {body["target"] for body in gateway.delivered.values()} == {"6281234567890"}
    assert all(r.headers["Authorization"] == "kunci-rahasia" for r in gateway.received)
    by_code = {m.public_code: m for m in sent}
    for text in texts:
        code = next(c for c in by_code if c in text)
        assert f"http://desa.test:8000/s/{code}" in text
        assert f"/berhenti/{by_code[code].stop_token}" in text
        assert "Sukamaju" in text
    assert any("perlu perbaikan" in t for t in texts)
    assert any("siap diambil" in t for t in texts)
    assert any("ditolak" in t for t in texts)
    # No personal data in what went out or in the logs: name, NIK, address, the reasons.
    logged = caplog.text
    for secret in (NAME, factories.make_nik(serial=1), "Kp. Sukamaju", "Foto KTP", "Bukan warga"):
        assert all(secret not in t for t in texts)
        assert secret not in logged
    for number in ("6281234567890", "081234567890", "kunci-rahasia"):
        assert number not in logged
    assert "message" in logged and "http_503" in logged  # the log does say what happened


def test_a_gateway_that_hangs_times_out_and_the_retry_is_dropped_as_a_copy(
    sqlite_db: Database,
) -> None:
    with fake_gateway() as gateway:
        _configure(sqlite_db, gateway)
        request_id = _file(sqlite_db, 1)
        _act(sqlite_db, request_id, "reject", "Bukan warga desa ini")
        clock = Clock()
        hanging = HttpGateway(
            url=gateway.url, body_template='{"to": "{to}", "text": "{text}"}', timeout=0.5
        )

        gateway.mode = "hang"
        first = notifier.run_once(sqlite_db, sqlite_db.settings, gateway=hanging, clock=clock)
        assert (first.sent, first.errors) == (0, ["timeout"])
        (message,) = _outbox(sqlite_db)
        assert (message.status, message.last_error, message.attempts) == ("pending", "timeout", 1)
        # The gateway had it: only the answer was lost.
        assert list(gateway.delivered) == [message.idempotency_key]

        gateway.mode = "up"
        gateway.release.set()
        assert (
            notifier.run_once(sqlite_db, sqlite_db.settings, gateway=hanging, clock=clock).sent == 0
        )
        clock.advance(minutes=1)
        assert (
            notifier.run_once(sqlite_db, sqlite_db.settings, gateway=hanging, clock=clock).sent == 1
        )
    (message,) = _outbox(sqlite_db)
    assert message.status == "sent" and message.attempts == 2
    assert [r.key for r in gateway.received] == [message.idempotency_key] * 2
    assert len(gateway.delivered) == 1


def test_the_daily_cap_holds_the_rest_until_the_next_day(sqlite_db: Database) -> None:
    with fake_gateway() as gateway:
        _configure(sqlite_db, gateway, cap=2)
        for serial in range(1, 6):
            _act(sqlite_db, _file(sqlite_db, serial), "reject", "Bukan warga desa ini")
        clock = Clock()
        first = notifier.run_once(sqlite_db, sqlite_db.settings, clock=clock)
        assert (first.sent, first.capped) == (2, True)
        clock.advance(hours=2)
        if local_day_start(clock.now) == local_day_start(clock.now - timedelta(hours=2)):
            assert notifier.run_once(sqlite_db, sqlite_db.settings, clock=clock).sent == 0
        clock.advance(days=1)
        assert notifier.run_once(sqlite_db, sqlite_db.settings, clock=clock).sent == 2
        clock.advance(days=1)
        assert notifier.run_once(sqlite_db, sqlite_db.settings, clock=clock).sent == 1
    assert [m.status for m in _outbox(sqlite_db)] == ["sent"] * 5
    assert len(gateway.delivered) == 5


def test_a_resident_who_opts_out_gets_no_more_and_the_admin_sees_it(
    sqlite_db: Database, client: TestClient
) -> None:
    with fake_gateway() as gateway:
        _configure(sqlite_db, gateway)
        first, second = _file(sqlite_db, 1), _file(sqlite_db, 2, phone="+6281234567890")
        _act(sqlite_db, first, "ask_correction", "Foto KTP kurang jelas")
        clock = Clock()
        assert notifier.run_once(sqlite_db, sqlite_db.settings, clock=clock).sent == 1
        (message,) = _outbox(sqlite_db)
        assert (
            f"/berhenti/{message.stop_token}"
            in gateway.delivered[message.idempotency_key]["message"]
        )

        page = client.get(f"/berhenti/{message.stop_token}")
        assert page.status_code == 200 and "Ya, berhenti" in page.text
        stopped = client.post(f"/berhenti/{message.stop_token}")
        assert stopped.status_code == 200 and 'id="stopped"' in stopped.text
        assert client.post("/berhenti/tidakdikenal123").status_code == 404

        # The same number written another way, on another request: nothing is sent.
        _act(sqlite_db, second, "reject", "Bukan warga desa ini")
        clock.advance(minutes=5)
        assert notifier.run_once(sqlite_db, sqlite_db.settings, clock=clock).sent == 0
        assert [m.status for m in _outbox(sqlite_db)] == ["sent", "opted_out"]
        assert len(gateway.received) == 1

    login(client, "admin")
    admin = client.get("/admin/notifikasi")
    assert admin.status_code == 200
    assert "6281••••••890" in admin.text  # masked, in the opt-out list
    assert "6281234567890" not in admin.text
    assert "Tidak dikirim (pemohon berhenti berlangganan)" in admin.text


def test_no_channel_means_no_message_is_kept(sqlite_db: Database) -> None:
    request_id = _file(sqlite_db, 1)
    _act(sqlite_db, request_id, "reject", "Bukan warga desa ini")
    assert _outbox(sqlite_db) == []


def test_admin_sets_the_channel_and_sends_a_test_message(client: TestClient) -> None:
    csrf = login(client, "admin")
    with fake_gateway() as gateway:
        bad = client.post(
            "/admin/notifikasi",
            data={"csrf_token": csrf, "channel": "whatsapp", "gateway_url": "ftp://x",
                  "body_template": "{bukan json", "daily_cap": "0"},
        )  # fmt: skip
        assert bad.status_code == 422
        assert "harus diawali http" in bad.text and "Batas harian" in bad.text
        saved = client.post(
            "/admin/notifikasi",
            data={"csrf_token": csrf, "channel": "sms", "gateway_url": gateway.url,
                  "token": "kunci-sms", "token_header": "X-Api-Key", "body_format": "form",
                  "body_template": '{"nomor": "{to}", "pesan": "{text}", "ref": "{key}"}',
                  "daily_cap": "50"},
        )  # fmt: skip
        assert saved.status_code == 200 and "Tersimpan" in saved.text
        assert "kunci-sms" not in saved.text  # the token is never shown again
        sent = client.post(
            "/admin/notifikasi/uji", data={"csrf_token": csrf, "test_phone": "0812 3456 7890"}
        )
        assert "Pesan uji terkirim" in sent.text
        (got,) = gateway.received
        assert got.headers["X-Api-Key"] == "kunci-sms"
        assert got.body["nomor"] == "6281234567890" and got.body["ref"] == got.key
        assert "pesan uji" in got.body["pesan"]

        gateway.mode = "down"
        failed = client.post(
            "/admin/notifikasi/uji", data={"csrf_token": csrf, "test_phone": "081234567890"}
        )
        assert "Pesan uji gagal" in failed.text and "503" in failed.text


def test_the_operator_sees_the_messages_and_the_opt_out_on_the_request(
    sqlite_db: Database, client: TestClient
) -> None:
    with fake_gateway() as gateway:
        _configure(sqlite_db, gateway)
        request_id = _file(sqlite_db, 1)
        _act(sqlite_db, request_id, "ask_correction", "Foto KTP kurang jelas")
        login(client, "operator")
        page = client.get(f"/operator/permohonan/{request_id}")
        assert "perlu perbaikan: Menunggu dikirim" in page.text
        (message,) = _outbox(sqlite_db)
        client.post(f"/berhenti/{message.stop_token}")
        page = client.get(f"/operator/permohonan/{request_id}")
        assert "Pemohon memilih berhenti menerima pesan." in page.text
        assert "perlu perbaikan: Tidak dikirim" in page.text


def test_loket_notify_run_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert loket(data, "migrate").returncode == 0
    once = loket(data, "notify", "run", "--once")
    assert once.returncode == 0, once.stderr
    assert once.stdout.strip() == "0 sent, 0 to retry"
