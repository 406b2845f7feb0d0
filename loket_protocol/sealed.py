"""A resident's request sealed to the village's key: the hub carries it and cannot read it.

The browser seals with WebCrypto only (no JS crypto library); the village opens with
`cryptography`. The construction is ECIES-like and every step is one WebCrypto call:

1. an ephemeral ECDH P-256 key pair in the browser (`generateKey`);
2. `shared` = ECDH(ephemeral private, village public), 32 bytes (`deriveBits`, 256);
3. `key` = HKDF-SHA256(ikm=shared, salt=epk_raw || village_pub_raw,
   info="loket-desa/sealed-request/v1/" + kode_desa), 256 bits (`deriveKey`, AES-GCM);
4. AES-256-GCM with a random 12-byte IV, additional data
   "loket-desa/sealed-request/v1|" + kode_desa + "|" + request_id: the box opens only for
   the village it was sealed to and only under the request id it was filed with, so the
   hub cannot move a box to another village or another request.

Public keys travel as the raw uncompressed point (65 bytes, WebCrypto's "raw" export),
base64url without padding. A key's id (`kid`) is the first 16 hex digits of its SHA-256,
so a village that changes its key can still open boxes sealed to the old one.

The plaintext is UTF-8 JSON (at most MAX_PLAINTEXT_BYTES):
`{"request_id", "letter_type", "applicant_nik", "applicant_name", "form_data", "phone",
"secret_hash"}`; `secret_hash` is the SHA-256 (hex) of the pickup secret the browser
made: the secret itself never leaves the phone except in the resident's QR.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from loket_protocol.events import SealedBox

_LABEL = "loket-desa/sealed-request/v1"
# The form of any letter type fits with room to spare (the offline QR's limit).
MAX_PLAINTEXT_BYTES = 8 * 1024


class SealError(ValueError):
    """A box that cannot be opened: wrong village, wrong key, altered, or not a box."""


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise SealError("the village key is not a P-256 key")
    return key


def public_raw(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def public_key_text(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> str:
    """The public key as the hub stores it and the browser imports it."""
    return b64url(public_raw(key))


def key_id(public_key_b64: str) -> str:
    return hashlib.sha256(unb64url(public_key_b64)).hexdigest()[:16]


def _load_public(public_key_b64: str) -> ec.EllipticCurvePublicKey:
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), unb64url(public_key_b64)
        )
    except ValueError as exc:
        raise SealError("not a P-256 public key") from exc


def _aes_key(shared: bytes, epk_raw: bytes, village_raw: bytes, kode_desa: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=epk_raw + village_raw,
        info=f"{_LABEL}/{kode_desa}".encode(),
    ).derive(shared)


def _aad(kode_desa: str, request_id: uuid.UUID) -> bytes:
    return f"{_LABEL}|{kode_desa}|{request_id}".encode()


def seal(
    plaintext: dict[str, Any], *, public_key_b64: str, kode_desa: str, request_id: uuid.UUID
) -> SealedBox:
    """What the browser does, in Python: for tests, benchmarks and the kiosk's own use."""
    raw = json.dumps(plaintext, separators=(",", ":"), ensure_ascii=False).encode()
    if len(raw) > MAX_PLAINTEXT_BYTES:
        raise SealError("the form is too large to seal")
    village = _load_public(public_key_b64)
    ephemeral = new_private_key()
    epk_raw = public_raw(ephemeral)
    village_raw = public_raw(village)
    shared = ephemeral.exchange(ec.ECDH(), village)
    iv = os.urandom(12)
    key = _aes_key(shared, epk_raw, village_raw, kode_desa)
    ct = AESGCM(key).encrypt(iv, raw, _aad(kode_desa, request_id))
    return SealedBox(kid=key_id(public_key_b64), epk=b64url(epk_raw), iv=b64url(iv), ct=b64url(ct))


def open_box(
    box: SealedBox,
    private_key: ec.EllipticCurvePrivateKey,
    *,
    kode_desa: str,
    request_id: uuid.UUID,
) -> dict[str, Any]:
    """The plaintext as a dict; SealError if it was not sealed to this key, village and id."""
    village_raw = public_raw(private_key)
    if box.kid != key_id(b64url(village_raw)):
        raise SealError("sealed to another key")
    epk_raw = unb64url(box.epk)
    ephemeral = _load_public(box.epk)
    shared = private_key.exchange(ec.ECDH(), ephemeral)
    key = _aes_key(shared, epk_raw, village_raw, kode_desa)
    try:
        raw = AESGCM(key).decrypt(unb64url(box.iv), unb64url(box.ct), _aad(kode_desa, request_id))
    except InvalidTag as exc:
        raise SealError("the box was altered, or sealed for another village or request") from exc
    if len(raw) > MAX_PLAINTEXT_BYTES:
        raise SealError("the form is too large")
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SealError("the sealed form is not JSON") from exc
    if not isinstance(value, dict):
        raise SealError("the sealed form is not an object")
    return value
