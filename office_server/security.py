"""Secrets, tokens and hashes.

Pickup secrets, verification tokens and kiosk API keys are random and long (>= 128 bits),
so a plain SHA-256 is the right stored form for them: no salt or slow hash is needed to
resist guessing. Operator passwords are chosen by people, so they get argon2.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from loket_protocol.qr import HUB_CODE_PREFIX

# Crockford-style alphabet without I, L, O, U: codes read aloud or typed stay unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC_CODE_LENGTH = 8
# 128 bits -> 26 base32 characters, all in QR alphanumeric mode: the pickup symbol stays
# at version 4 with error-correction level Q (loket_protocol.qr, issue 16). Secrets made
# before were 160 bits (32 characters); they keep working, being stored as hashes.
SECRET_BYTES = 16
OLD_SECRET_BYTES = 20

_password_hasher = PasswordHasher()


def new_public_code() -> str:
    """A village's own code; never one beginning with the hub's letter (HUB_CODE_PREFIX),
    so a request filed at the hub while the link is down cannot meet a code made here."""
    first = "".join(c for c in CODE_ALPHABET if c != HUB_CODE_PREFIX)
    rest = "".join(secrets.choice(CODE_ALPHABET) for _ in range(PUBLIC_CODE_LENGTH - 1))
    return secrets.choice(first) + rest


def new_secret() -> str:
    """An upper-case base32 secret of 128 bits (26 characters, no padding)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def new_api_key() -> str:
    return "lk_" + secrets.token_urlsafe(32)


def new_id() -> str:
    return secrets.token_hex(16)


def sha256_hex(value: str | bytes) -> str:
    data = value.encode("utf-8") if isinstance(value, str) else value
    return hashlib.sha256(data).hexdigest()


def matches_hash(value: str, stored_hash: str) -> bool:
    return hmac.compare_digest(sha256_hex(value), stored_hash)


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalize_secret(secret: str) -> str:
    """Base32 has no 0, 1 or 8: a person typing the secret from paper means O, I and B."""
    cleaned = "".join(secret.split()).upper().replace("-", "")
    return cleaned.translate(str.maketrans("018", "OIB"))


def normalize_code(code: str) -> str:
    """Accept what people type: lower case, spaces, dashes, and O/I/L for 0/1/1."""
    cleaned = code.strip().upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans("OIL", "011"))
