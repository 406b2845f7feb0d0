"""After a full scenario (filed, approved, signed with its letter, printed at the kiosk,
rejected with a reason), none of the residents' NIKs, birth dates, names, phone numbers or
addresses is anywhere at the hub: its PostgreSQL dump, the JetStream store (on disk, and
read back through NATS, since on disk it is encrypted), or the hub's and relay's logs."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from loket_protocol import subjects
from loket_protocol.qr import pickup_payload
from office_server.kiosks import service as kiosks
from office_server.letters import service as letters
from office_server.requests import service as requests_service
from regency_hub import streams
from tests.server.helpers import OPERATOR, file_request, operator
from tests.support import factories
from tests.support.waiting import wait_until
from tests.sync.conftest import make_village
from tests.sync.harness import Hub, run_async, start_relay
from tests.sync.test_transport import drained, hub_settings
from tests.sync.village import outbox_counts

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

NAMES = [
    "Siti Rahasiawati",
    "Ahmad Rahasiadi",
    "Dewi Rahasiani",
    "Budi Rahasiono",
    "Rina Rahasiati",
]
ADDRESS = "Kp. Rahasia Jaya RT 009/RW 011"


def _scenario(db: object, settings: object) -> list[str]:
    """Five residents through every hook; returns what must never reach the hub."""
    secrets: list[str] = [ADDRESS, "Kp. Rahasia Jaya"]
    form = {**factories.domisili_form(), "alamat": ADDRESS}
    with db.unit_of_work() as session:  # type: ignore[attr-defined]
        kiosk, _key = kiosks.add(session, name="Anjungan depan")
        signer = operator(session, "kades")
        for serial in range(1, 6):
            name = NAMES[serial - 1]
            request, secret, _ = requests_service.create(
                session,
                letter_type_code="domisili",
                applicant_nik=factories.make_nik(serial=serial),
                applicant_name=name,
                form_data=form,
                phone="081234567890",
                channel=requests_service.Channel.WEB,
                actor=OPERATOR,
            )
            secrets += [factories.make_nik(serial=serial), name, secret]
            if serial == 5:
                requests_service.transition(
                    session, request, "reject", actor=OPERATOR, reason=f"Alamat {ADDRESS} keliru"
                )
                continue
            requests_service.transition(session, request, "approve", actor=OPERATOR)
            if serial <= 3:
                letters.sign(session, request, signer=signer, settings=settings)  # type: ignore[arg-type]
            if serial <= 2:
                scan = kiosks.scan(
                    session,
                    kiosk=kiosk,
                    payload=pickup_payload("HTTP://LOKET", request.public_code, secret),
                    settings=settings,  # type: ignore[arg-type]
                )
                assert scan.claim is not None, scan
                kiosks.confirm_printed(session, kiosk=kiosk, claim_id=scan.claim.id)
        file_request(session, serial=9)
    birth = factories.domisili_form()["tanggal_lahir"]  # 1990-08-17
    return [*secrets, birth, "17-08-1990", "17 Agustus 1990", "081234567890"]


def test_no_personal_data_reaches_the_hub(hub: Hub, sqlite_template: Path, tmp_path: Path) -> None:
    kode = "36.04.01.2010"
    credentials = hub.add_village(kode, "Desa Privasi")
    settings, db = make_village(sqlite_template, tmp_path / "village")
    secrets = _scenario(db, settings)
    total = outbox_counts(db)[0]
    # 6 filed; 10 status changes (4 approved, 1 rejected, 3 signed, 2 picked up); 3 letters
    # issued; 2 picked up at the kiosk.
    assert total == 6 + 10 + 3 + 2

    relay = start_relay(settings.data_dir, credentials)
    wait_until(lambda: drained(db, hub, kode, total), "the scenario at the hub")
    relay.send_signal(signal.SIGTERM)
    relay.wait(timeout=60)

    dump = subprocess.run(
        [shutil.which("pg_dump") or "pg_dump", "--data-only", hub.url.replace("+psycopg", "")],
        capture_output=True,
        check=True,
    ).stdout
    assert b"letter.picked_up" in dump and b"domisili" in dump  # the dump has the events
    stream = run_async(lambda: _stream_bytes(hub, kode))
    assert stream.count(b'"kind"') == total
    store = b"".join(
        p.read_bytes() for p in (hub.folder / "nats" / "jetstream").rglob("*") if p.is_file()
    )
    assert len(store) > 0
    logs = hub.logs() + (settings.data_dir / "relay.log").read_bytes()
    for place, blob in (("PostgreSQL", dump), ("stream", stream), ("store", store), ("logs", logs)):
        for value in secrets:
            assert value.encode() not in blob, f"{value!r} found in the hub's {place}"
    # The store on disk is encrypted: not even the public event text is readable there.
    assert b"request.filed" not in store


async def _stream_bytes(hub: Hub, kode: str) -> bytes:
    nc = await streams.connect(hub_settings(hub))
    try:
        js = nc.jetstream()
        info = await js.stream_info(subjects.UP_STREAM)
        found = b""
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            message = await js.get_msg(subjects.UP_STREAM, seq)
            if message.subject.startswith(subjects.up_prefix(kode)):
                found += (message.data or b"") + b"\n"
        return found
    finally:
        await nc.close()
