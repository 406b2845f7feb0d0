"""Issue 16: pickup tickets printed before the shorter secret still scan, end to end.

A ticket from before holds a 32-character (160-bit) secret in a level-M symbol; the server
holds only its hash. Held up to a kiosk camera (a hard frame from the project's own
generator), the kiosk's decoder reads it and the server hands out the letter.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kiosk_app.scanning import make_decoder
from loket_protocol import qr as qp
from office_server.config import Settings
from office_server.database import Database
from office_server.kiosks import service as kiosks
from office_server.requests.models import LetterRequest
from office_server.security import OLD_SECRET_BYTES, sha256_hex
from tests.server.test_api import client, file, kiosk_headers, make_ready, secret_of
from tests.server.test_hardening_input import offline_qr, scan
from tests.support import camera_frames as cf

# The API's own fixtures: the test client on both databases and a kiosk's key.
__all__ = ["client", "kiosk_headers"]

OLD_SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
OLD_SYMBOL = cf.SymbolStyle("M", qp.OLD_SECRET_CHARS)


@pytest.mark.parametrize("kind", ["thermal_faded", "phone_glare"])
def test_a_ticket_from_before_scans_through_the_camera_and_prints(
    client: TestClient, kiosk_headers: dict[str, str], db: Database, settings: Settings, kind: str
) -> None:
    created = file(client)
    with db.session() as session:
        row = session.scalars(select(LetterRequest)).one()
        row.secret_hash = sha256_hex(OLD_SECRET)  # as the server stored it then
        session.commit()
    make_ready(client, created)
    old = qp.pickup_payload(settings.public_url_upper, created["code"], OLD_SECRET)
    frame = cf.make_frame(kind, cf.TUNE_SEED, 0, OLD_SYMBOL, payload=old)

    [read] = make_decoder().decode(frame.image)

    assert read == old
    answer = scan(client, kiosk_headers, read)
    assert answer["outcome"] == "ready" and answer["claim"]["claim_id"], answer


def test_a_new_ticket_carries_the_short_secret(client: TestClient) -> None:
    created = file(client)
    assert len(secret_of(created)) == qp.SECRET_CHARS
    assert qp.parse(created["pickup_qr"]) == qp.PickupPayload(created["code"], secret_of(created))


def test_an_offline_qr_filed_before_keeps_its_160_bit_ticket(
    client: TestClient, kiosk_headers: dict[str, str], db: Database, settings: Settings
) -> None:
    payload = offline_qr(61)
    first = scan(client, kiosk_headers, payload)
    assert len(first["pickup_secret"]) == qp.SECRET_CHARS
    # Filed before issue 16, the request holds the hash of the 160-bit derivation.
    key = kiosks_key_of(db)
    older = kiosks.offline_pickup_secret(settings, key, size=OLD_SECRET_BYTES)
    assert len(older) == qp.OLD_SECRET_CHARS
    with db.session() as session:
        row = session.scalars(select(LetterRequest)).one()
        row.secret_hash = sha256_hex(older)
        session.commit()

    again = scan(client, kiosk_headers, payload)

    assert again["outcome"] == "filed" and again["pickup_secret"] == older
    assert again["request"]["code"] == first["request"]["code"]
    status = f"/api/v1/requests/{first['request']['code']}/status"
    assert client.get(status, headers={"X-Pickup-Secret": older}).status_code == 200


def kiosks_key_of(db: Database) -> str:
    with db.session() as session:
        key = session.scalars(select(LetterRequest.idempotency_key)).one()
    assert key is not None
    return key
