import base64
import json
import zlib

import base45
import pytest

from loket_protocol import qr as qp


def test_pickup_round_trip_is_alphanumeric_except_the_hash() -> None:
    payload = qp.pickup_payload("HTTP://10.0.0.5:8000", "K7M2QX9P", "A" * 32)
    assert payload == "HTTP://10.0.0.5:8000/S/K7M2QX9P#" + "A" * 32
    allowed = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:#")
    assert set(payload) <= allowed
    assert qp.parse(payload) == qp.PickupPayload("K7M2QX9P", "A" * 32)
    # A phone that lower-cased the URL still works.
    assert qp.parse(payload.lower()) == qp.PickupPayload("K7M2QX9P", "A" * 32)


def test_verification_and_offline_round_trip() -> None:
    token = base64.b32encode(b"x" * 20).decode().rstrip("=")
    assert qp.parse(qp.verification_payload("HTTP://D", token)) == qp.VerificationPayload(token)
    data = {"v": 1, "t": "domisili", "n": "3604121708900001", "m": "Nur'aini Ñoño", "f": {}}
    encoded = qp.encode_offline_request(data)
    assert encoded.startswith("LD1O:")
    assert qp.parse(encoded) == qp.OfflineRequestPayload(data)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "   ",
        "https://example.com/some/other/app",
        "WIFI:S:desa;T:WPA;P:rahasia;;",
        "HTTP://D/S/SHORT#ABC",
        "LD1O:" + "!" * 10,
        "LD1O:" + base45.b45encode(b"not zlib at all").decode(),
        "LD1O:" + base45.b45encode(zlib.compress(b"[1,2,3]")).decode(),
        "LD1O:" + base45.b45encode(zlib.compress(json.dumps({"v": 9}).encode())).decode(),
        "X" * 5000,
    ],
)
def test_garbage_is_refused_with_an_indonesian_message(payload: str) -> None:
    with pytest.raises(qp.PayloadError) as info:
        qp.parse(payload)
    assert "QR" in str(info.value)


def test_zip_bomb_is_refused_without_inflating_it() -> None:
    bomb = zlib.compress(b'{"v":1,"x":"' + b"A" * 400_000 + b'"}', 9)
    payload = "LD1O:" + base45.b45encode(bomb).decode()
    assert len(payload) < qp.MAX_OFFLINE_PAYLOAD_CHARS
    with pytest.raises(qp.PayloadError, match="terlalu besar"):
        qp.parse(payload)
