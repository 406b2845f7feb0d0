"""The three QR payload kinds (docs/DESIGN.md), with their versioned upper-case formats.

All three use only QR alphanumeric characters (0-9 A-Z space $%*+-./:) except the one
`#` of the pickup URL, so the symbols stay small enough for a cheap camera and a 58 mm
receipt.

1. Pickup:        <PUBLIC URL>/S/<CODE>#<SECRET>
   or, filed from home through the regency hub: <HUB URL>/<KODE-DESA>/S/<CODE>#<SECRET>
   (the code then begins with HUB_CODE_PREFIX).
   A phone camera opens the status page; the secret sits in the URL fragment, which a
   browser never sends to the server, so it does not reach any access log. The kiosk
   posts the whole payload in a request body. Holds no personal data.
2. Offline request: LD1O:<base45(zlib(JSON))>
   The filled form itself, made on the resident's phone when there is no signal.
   Bounded in size, in decompressed size and in nesting, and refused if it holds a lone
   surrogate; the server validates it like any other request.
3. Verification:  <PUBLIC URL>/V/<TOKEN>
   Printed on every letter; the token is random (160 bits), never an id.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

import base45

OFFLINE_PREFIX = "LD1O:"
# A version-25 QR at level M holds ~1,200 alphanumeric characters: the largest a
# phone screen shows crisply and a 640x480 webcam still reads.
MAX_OFFLINE_PAYLOAD_CHARS = 1200
MAX_OFFLINE_JSON_BYTES = 8 * 1024
# Version 1 nests two levels (the request, its form); the bound leaves room and keeps
# json.loads far from Python's recursion limit (3,000 "[" fit in 8 KB).
MAX_OFFLINE_JSON_DEPTH = 8
MAX_PAYLOAD_CHARS = 4000

# A request's public code (8 characters) and a base32 secret or token of 160 bits.
CODE_PATTERN = "[0-9A-Z]{8}"
# Codes of requests filed from home through the regency hub begin with this letter, and a
# village never makes one that does: the hub and the village allocate codes apart, so a
# request filed at the hub while the link is down can never meet a village's own code.
HUB_CODE_PREFIX = "H"
TOKEN_PATTERN = "[A-Z2-7]{32}"  # noqa: S105 (a pattern, not a secret)
# Pickup secrets: 26 base32 characters (130 bits) since issue 16, which keeps the symbol
# a size smaller at a stronger error-correction level (benchmarks/qr_reading.py); the
# 32-character (160-bit) secrets of QR codes already handed out keep working.
SECRET_CHARS = 26
OLD_SECRET_CHARS = 32
SECRET_PATTERN = "(?:[A-Z2-7]{32}|[A-Z2-7]{26})"  # noqa: S105 (a pattern, not a secret)
_PICKUP_RE = re.compile(rf"/S/({CODE_PATTERN})#({SECRET_PATTERN})$", re.IGNORECASE)
_VERIFY_RE = re.compile(rf"/V/({TOKEN_PATTERN})$", re.IGNORECASE)

# How every part draws these symbols, chosen by measurement on camera-like frames
# (benchmarks/qr_reading.py, issue 16): level Q survives a thumb, a crack or a faded
# stretch that level M does not, and with the shorter secret the pickup symbol stays
# at version 4 (33 modules), so its modules are no smaller than before. A quiet zone
# of 4 modules, as the standard asks: a camera finds the finder patterns against it.
QR_ERROR_CORRECTION = "Q"
QR_QUIET_ZONE = 4
# The level as the `qrcode` package numbers it (its constants.ERROR_CORRECT_L/M/Q/H).
QRCODE_ERROR_CORRECTION = {"L": 1, "M": 0, "Q": 3, "H": 2}[QR_ERROR_CORRECTION]


class PayloadError(ValueError):
    """A QR payload that is not one of ours or is damaged. Message in Indonesian."""


@dataclass(frozen=True)
class PickupPayload:
    code: str
    secret: str
    # What came before "/S/": the office's public URL, or for a request filed from home
    # the hub's `https://<hub>/<kode-desa>` (upper-case as printed). Not part of equality:
    # the code and the secret are what the request is found by.
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class VerificationPayload:
    token: str


@dataclass(frozen=True)
class OfflineRequestPayload:
    data: dict[str, Any]


Payload = PickupPayload | VerificationPayload | OfflineRequestPayload


def pickup_payload(public_url_upper: str, code: str, secret: str) -> str:
    return f"{public_url_upper}/S/{code}#{secret}"


def typed_pickup_payload(server_url: str, code: str, secret: str) -> str | None:
    """The pickup payload from a code and secret typed off paper, or None if they cannot be."""
    code = re.sub(r"[\s-]", "", code).upper()
    secret = re.sub(r"[\s-]", "", secret).upper()
    if not re.fullmatch(CODE_PATTERN, code) or not re.fullmatch(SECRET_PATTERN, secret):
        return None
    return pickup_payload(server_url.rstrip("/").upper(), code, secret)


def verification_payload(public_url_upper: str, token: str) -> str:
    return f"{public_url_upper}/V/{token}"


def encode_offline_request(data: dict[str, Any]) -> str:
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return OFFLINE_PREFIX + base45.b45encode(zlib.compress(raw, 9)).decode("ascii")


def parse(payload: str) -> Payload:
    """Classify a scanned payload; raises PayloadError for anything else."""
    text = payload.strip()
    if not text:
        raise PayloadError("Kode QR kosong.")
    if len(text) > MAX_PAYLOAD_CHARS:
        raise PayloadError("Kode QR terlalu panjang dan bukan dari Loket Desa.")
    if text.upper().startswith(OFFLINE_PREFIX):
        return OfflineRequestPayload(_decode_offline(text[len(OFFLINE_PREFIX) :]))
    if m := _PICKUP_RE.search(text):
        return PickupPayload(
            code=m.group(1).upper(), secret=m.group(2).upper(), origin=text[: m.start()].upper()
        )
    if m := _VERIFY_RE.search(text):
        return VerificationPayload(token=m.group(1).upper())
    raise PayloadError("Kode QR ini bukan kode Loket Desa.")


def _decode_offline(body: str) -> dict[str, Any]:
    if len(body) > MAX_OFFLINE_PAYLOAD_CHARS:
        raise PayloadError("Kode QR permohonan terlalu besar.")
    try:
        compressed = base45.b45decode(body)
    except (ValueError, KeyError) as exc:
        raise PayloadError("Kode QR permohonan rusak (tidak dapat dibaca).") from exc
    # Bounded decompression: a tiny payload must not expand into megabytes.
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed, MAX_OFFLINE_JSON_BYTES + 1)
    except zlib.error as exc:
        raise PayloadError("Kode QR permohonan rusak (tidak dapat dibuka).") from exc
    if len(raw) > MAX_OFFLINE_JSON_BYTES or inflater.unconsumed_tail:
        raise PayloadError("Isi kode QR permohonan terlalu besar.")
    if _nesting_depth(raw) > MAX_OFFLINE_JSON_DEPTH:
        raise PayloadError("Isi kode QR permohonan rusak (susunannya tidak dikenal).")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError("Isi kode QR permohonan rusak.") from exc
    if not isinstance(data, dict) or data.get("v") != 1:
        raise PayloadError("Versi kode QR permohonan tidak dikenal.")
    if _has_lone_surrogate(data):
        # JSON may spell one as "\udfff"; it is no text and cannot even be written as UTF-8.
        raise PayloadError("Isi kode QR permohonan rusak (berisi karakter yang tidak sah).")
    return data


def _nesting_depth(raw: bytes) -> int:
    """How deep the JSON's arrays and objects nest, counted before json.loads recurses."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    return deepest


def _has_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False
