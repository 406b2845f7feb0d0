"""The UMKM register end to end: a business letter issued at a village whose register
policy sends it reaches the hub's `/umkm` over a real nats-server; the same letter at a
village with the default policy does not, and neither does the owner's name or NIK."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from loket_protocol import events
from office_server.config import Settings
from office_server.database import Database
from office_server.letters import service as letters
from office_server.requests import service as requests_service
from office_server.requests.models import Channel
from office_server.sync import outbox
from office_server.village import register_policy
from office_server.village import service as village_service
from regency_hub import villages
from regency_hub.database import HubDatabase
from tests.server.helpers import OPERATOR, operator
from tests.server.test_register_policy import usaha_form
from tests.support import factories
from tests.support.waiting import wait_until
from tests.sync.conftest import make_village
from tests.sync.harness import Hub, start_relay
from tests.sync.test_transport import drained
from tests.sync.village import outbox_counts

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "kabupaten-serang-1"
OWNER = "Siti Pemilikwati"


def _village(
    template: Path, folder: Path, *, kode: str, name: str, business: str, send: bool
) -> tuple[Settings, Database, int]:
    """A village with its profile told to the hub, a policy, and one usaha letter issued."""
    settings, db = make_village(template, folder)
    with db.unit_of_work() as session:
        profile = village_service.get_profile(session)
        profile.kode_desa, profile.name, profile.kecamatan = kode, name, "Cikande"
        outbox.record_public(
            session,
            events.Kind.PROFILE_CHANGED,
            {"name": name, "kode_desa": kode, "kecamatan": "Cikande",
             "kabupaten": profile.kabupaten, "provinsi": profile.provinsi},
        )  # fmt: skip
        if send:
            register_policy.update(
                session,
                send_umkm=True,
                fields={"business_name", "business_kind", "since", "dusun", "rt_rw"},
                actor=OPERATOR,
            )
        request, _, _ = requests_service.create(
            session,
            letter_type_code="usaha",
            applicant_nik=factories.make_nik(serial=5),
            applicant_name=OWNER,
            form_data=usaha_form(nama_usaha=business),
            phone=None,
            channel=Channel.WEB,
            actor=OPERATOR,
        )
        requests_service.transition(session, request, "approve", actor=OPERATOR)
        letters.sign(session, request, signer=operator(session, "kades"), settings=settings)
    return settings, db, outbox_counts(db)[0]


def _umkm_page(hub: Hub, query: str = "") -> str:
    with httpx.Client(base_url=f"http://127.0.0.1:{hub.http_port}") as client:
        form = client.get("/masuk")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token
        client.post(
            "/masuk", data={"username": "dinas", "password": PASSWORD, "csrf": token.group(1)}
        )
        page = client.get(f"/umkm{query}")
        assert page.status_code == 200
        return page.text


def test_a_usaha_letter_reaches_the_hub_only_under_the_policy(
    hub: Hub, sqlite_template: Path, tmp_path: Path
) -> None:
    on_kode, off_kode = "36.04.01.2021", "36.04.01.2022"
    hub_db = HubDatabase(hub.url)
    try:
        with hub_db.unit_of_work() as session:
            villages.create_user(
                session, username="dinas", full_name="Dinas PMD", password=PASSWORD
            )
    finally:
        hub_db.dispose()
    on_creds = hub.add_village(on_kode, "Desa Terbuka")
    off_creds = hub.add_village(off_kode, "Desa Tertutup")
    on: Any = _village(sqlite_template, tmp_path / "on", kode=on_kode, name="Terbuka",
                       business="Warung Terbuka", send=True)  # fmt: skip
    off: Any = _village(sqlite_template, tmp_path / "off", kode=off_kode, name="Tertutup",
                        business="Warung Tertutup", send=False)  # fmt: skip
    relays = [start_relay(on[0].data_dir, on_creds), start_relay(off[0].data_dir, off_creds)]
    wait_until(lambda: drained(on[1], hub, on_kode, on[2]), "the open village at the hub")
    wait_until(lambda: drained(off[1], hub, off_kode, off[2]), "the closed village at the hub")
    for relay in relays:
        relay.send_signal(signal.SIGTERM)
        relay.wait(timeout=60)

    page = _umkm_page(hub, "?kecamatan=Cikande")
    assert "Warung Terbuka" in page and "Terbuka" in page and "Cikande" in page
    assert "Warung sembako" in page and "Dusun II" in page and "2/3" in page
    assert "Warung Tertutup" not in page
    assert OWNER not in page and factories.make_nik(serial=5) not in page
    assert hub.scalar("SELECT count(*) FROM umkm_register") == 1
    # The closed village told the hub about its letter (letter.issued), not the register.
    assert (
        hub.scalar(
            "SELECT count(*) FROM events e JOIN villages v ON v.id = e.village_id "
            "WHERE v.kode_desa = :kode AND e.kind = 'letter.issued'",
            kode=off_kode,
        )
        == 1
    )
    assert hub.scalar("SELECT count(*) FROM events WHERE kind = 'register.umkm'") == 1
