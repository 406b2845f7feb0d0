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


# --- issue 16: a shorter pickup secret, old ones still read ---------------------------------


def test_new_pickup_secrets_are_26_base32_characters_of_128_bits() -> None:
    from office_server.security import SECRET_BYTES, new_secret

    secret = new_secret()
    assert len(secret) == qp.SECRET_CHARS == 26
    # 26 base32 characters carry 130 bits; the 128 random ones are all there.
    raw = base64.b32decode(secret + "=" * 6)
    assert len(raw) == SECRET_BYTES and SECRET_BYTES * 8 >= 128
    payload = qp.pickup_payload("HTTP://192.168.1.10:8000", "K7M2QX9P", secret)
    assert qp.parse(payload) == qp.PickupPayload("K7M2QX9P", secret)
    assert qp.typed_pickup_payload("http://192.168.1.10:8000", "k7m2-qx9p", secret) == payload


def test_old_32_character_pickup_payloads_still_parse_and_can_be_typed() -> None:
    old = "HTTP://192.168.1.10:8000/S/K7M2QX9P#ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    assert qp.parse(old) == qp.PickupPayload("K7M2QX9P", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    typed = qp.typed_pickup_payload(
        "http://192.168.1.10:8000", "K7M2QX9P", "abcd efgh ijkl mnop qrst uvwx yz23 4567"
    )
    assert typed == old


@pytest.mark.parametrize("length", [25, 27, 31, 33])
def test_a_secret_of_any_other_length_is_not_a_pickup_code(length: int) -> None:
    with pytest.raises(qp.PayloadError):
        qp.parse("HTTP://D/S/K7M2QX9P#" + "A" * length)
    assert qp.typed_pickup_payload("http://d", "K7M2QX9P", "A" * length) is None


def test_the_pickup_symbol_stays_at_version_4_at_level_q_on_a_short_lan_address() -> None:
    import qrcode

    from office_server.qr_images import qr_matrix

    payload = qp.pickup_payload("HTTP://192.168.1.10:8000", "K7M2QX9P", "A" * qp.SECRET_CHARS)
    modules = len(qr_matrix(payload)) - 2 * qp.QR_QUIET_ZONE
    assert modules == 33  # version 4
    old = qrcode.QRCode(error_correction=qp.QRCODE_ERROR_CORRECTION)
    old.add_data(payload.split("#")[0] + "#" + "A" * qp.OLD_SECRET_CHARS)
    old.make(fit=True)
    assert old.modules_count > modules  # the 160-bit secret would need version 5 at Q
