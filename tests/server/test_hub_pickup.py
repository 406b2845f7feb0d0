"""The kiosk and the pickup QR of a request filed from home through the regency hub:
`https://<hub>/<kode-desa>/S/<code>#<secret>`, its code beginning with HUB_CODE_PREFIX."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loket_protocol.qr import pickup_payload
from office_server.config import Settings
from office_server.database import Database
from office_server.kiosks import service as kiosks
from office_server.main import create_app
from office_server.requests import sealed_intake
from office_server.requests.hub_inbox import prepare
from tests.sync.sealing import HomeRequest, village_public_key

HUB = "https://kabupaten.test"
KODE = "DS-2004"  # the demo village


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", public_url="http://desa.test:8000", hub_public_url=HUB
    )


@pytest.fixture
def hub_client(sqlite_db: Database, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, sqlite_db)) as client:
        yield client


@pytest.fixture
def kiosk_headers(sqlite_db: Database) -> dict[str, str]:
    with sqlite_db.session() as session:
        _, key = kiosks.add(session, name="anjungan-1")
        session.commit()
    return {"Authorization": f"Bearer {key}"}


def scan(client: TestClient, headers: dict[str, str], payload: str) -> dict[str, object]:
    answer = client.post("/api/v1/kiosk/scans", json={"payload": payload}, headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def hub_qr(home: HomeRequest, kode: str = KODE) -> str:
    return pickup_payload(f"{HUB}/{kode}".upper(), home.code, home.secret)


def test_a_hub_request_not_here_yet_says_so_then_works_once_filed(
    hub_client: TestClient, kiosk_headers: dict[str, str], sqlite_db: Database, settings: Settings
) -> None:
    home = HomeRequest(KODE)
    waiting = scan(hub_client, kiosk_headers, hub_qr(home))
    assert waiting["outcome"] == "not_arrived"
    assert waiting["message"] == "Permohonan Anda belum sampai di kantor desa. Silakan ke loket."

    with sqlite_db.session() as session:
        prepare(session, settings.data_dir)
        event = home.event(village_public_key(settings.data_dir))
        assert (
            sealed_intake.receive(session, event, data_dir=settings.data_dir, kode_desa=KODE)
            == "filed"
        )
        session.commit()
    arrived = scan(hub_client, kiosk_headers, hub_qr(home))
    assert arrived["outcome"] == "in_progress"
    assert arrived["request"]["code"] == home.code  # type: ignore[index]
    # The right code with a wrong secret is a wrong QR, not "on its way".
    wrong = HomeRequest(KODE, code=home.code)
    assert scan(hub_client, kiosk_headers, hub_qr(wrong))["outcome"] == "not_found"


def test_a_hub_qr_of_another_village_is_refused(
    hub_client: TestClient, kiosk_headers: dict[str, str]
) -> None:
    answer = scan(hub_client, kiosk_headers, hub_qr(HomeRequest(KODE), kode="36.04.01.2001"))
    assert answer["outcome"] == "invalid"
    assert "desa lain" in str(answer["message"])


def test_a_village_code_not_found_stays_not_found(
    hub_client: TestClient, kiosk_headers: dict[str, str]
) -> None:
    lost = HomeRequest(KODE, code="K7M2QX9P")
    answer = scan(
        hub_client, kiosk_headers, pickup_payload("HTTP://DESA.TEST:8000", lost.code, lost.secret)
    )
    assert answer["outcome"] == "not_found"
