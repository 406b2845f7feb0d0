"""Guessing, oversized input and the strength of every secret."""

from __future__ import annotations

import logging
import math

import pytest
from fastapi.testclient import TestClient

from office_server import security
from office_server.letters.service import new_verification_token
from tests.support import factories


def bits(alphabet_size: int, length: int) -> float:
    return length * math.log2(alphabet_size)


def test_every_secret_has_at_least_128_bits() -> None:
    secret = security.new_secret()
    assert set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert bits(32, len(secret)) >= 128
    token = new_verification_token()
    assert bits(32, len(token)) >= 128
    key = security.new_api_key().removeprefix("lk_")
    assert bits(64, len(key)) >= 128
    assert len({security.new_secret() for _ in range(1000)}) == 1000


def test_guessing_codes_is_limited_and_logged_without_the_guess(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    created = client.post("/api/v1/requests", json=factories.request_body()).json()
    statuses = []
    for i in range(35):
        guess = f"{i:032d}".replace("0", "A").replace("1", "B")[:32]
        r = client.get(
            f"/api/v1/requests/{created['code']}/status", headers={"X-Pickup-Secret": guess}
        )
        statuses.append(r.status_code)
    assert statuses[:30] == [404] * 30 and set(statuses[30:]) == {429}
    refusal = [r for r in caplog.records if r.name == "loket.security"]
    assert refusal and "status" in refusal[0].getMessage()
    # What the server logs (the test client's own log of its URLs is not the server's).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("loket"))
    assert created["code"] not in logged and "AAAA" not in logged
    assert factories.make_nik() not in logged


def test_verification_guessing_is_limited(client: TestClient) -> None:
    codes = [
        client.get(f"/v/{'A' * 31}{c}").status_code for c in "BCDEFGHJKLMNPQRSTVWXYZ234567ABCDEF"
    ]
    assert codes[0] == 404 and codes[-1] == 429


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/api/v1/requests", {"content": b"{" * 2_000_000}),
        ("/api/v1/kiosk/scans", {"content": b"x" * 1_500_000}),
        ("/v/" + "A" * 32, {"files": {"pdf": ("x.pdf", b"%PDF" + b"0" * 6_000_000)}}),
    ],
)
def test_oversized_bodies_are_refused_before_reading(
    client: TestClient, path: str, kwargs: dict[str, object]
) -> None:
    r = client.post(path, **kwargs)  # type: ignore[arg-type]
    assert r.status_code == 413


def test_personal_data_never_in_urls_the_server_makes(client: TestClient) -> None:
    body = factories.request_body(name="Nur'aini Ñoño")
    created = client.post("/api/v1/requests", json=body).json()
    for url in (created["status_url"], created["pickup_qr"]):
        assert body["applicant_nik"] not in url and "Nur" not in url
