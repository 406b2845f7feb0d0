"""What a resident's browser and the hub do with a sealed request, in Python: seal the form
to the village's public key (`loket_protocol.sealed.seal`, the browser's WebCrypto steps)
and wrap it in the hub's `request.sealed` event."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loket_protocol import events, sealed
from office_server.sync import sealed_keys
from tests.support import factories


def village_public_key(data_dir: Path) -> str:
    found = sealed_keys.current(data_dir)
    assert found is not None, "the village has no sealing key yet"
    return sealed.public_key_text(found[1])


def hub_code() -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "H" + "".join(secrets.choice(alphabet) for _ in range(7))


@dataclass
class HomeRequest:
    """One request as the resident's phone made it: its id, code, secret and form."""

    kode_desa: str
    serial: int = 1
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)
    code: str = field(default_factory=hub_code)
    # The pickup secret as the browser makes it: 128 bits, base32, as the village's own.
    secret: str = field(
        default_factory=lambda: base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=")
    )
    body: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.body:
            self.body = factories.request_body(serial=self.serial)

    @property
    def secret_hash(self) -> str:
        return hashlib.sha256(self.secret.encode()).hexdigest()

    def plaintext(self, **overrides: Any) -> dict[str, Any]:
        return {
            "request_id": str(self.request_id),
            "letter_type": self.body["letter_type"],
            "applicant_nik": self.body["applicant_nik"],
            "applicant_name": self.body["applicant_name"],
            "form_data": self.body["form_data"],
            "phone": None,
            "secret_hash": self.secret_hash,
            **overrides,
        }

    def event(
        self,
        public_key: str,
        *,
        sealed_for: str | None = None,
        purpose: str = "new",
        event_id: uuid.UUID | None = None,
        **plaintext: Any,
    ) -> events.Event:
        box = sealed.seal(
            self.plaintext(**plaintext),
            public_key_b64=public_key,
            kode_desa=sealed_for or self.kode_desa,
            request_id=self.request_id,
        )
        data = events.SealedRequest(
            request_id=self.request_id,
            code=self.code,
            letter_type=self.body["letter_type"],
            secret_hash=self.secret_hash,
            purpose=purpose,  # type: ignore[arg-type]
            filed_at=datetime.now(UTC),
            box=box,
        )
        return events.Event(
            id=event_id or uuid.uuid4(), village=self.kode_desa, at=datetime.now(UTC), data=data
        )
