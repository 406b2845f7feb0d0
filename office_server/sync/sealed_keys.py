"""The village's key pair for sealed requests (`loket_protocol.sealed`), in its data folder.

Residents at home seal their form to the village's public key; only this private key
opens it. It never leaves the village (docs/DESIGN.md, "Sealed requests"): the hub holds
the public half only, so nothing it stores, logs or backs up can be read without the
village's own disk. It travels in `loket backup` files (they already hold every NIK).

Files: `<data_dir>/keys/sealed-requests/<made>-<kid>.pem` (folder 700, file 600), where
`<made>` is a UTC timestamp: the newest file is the current key, and an older one still
opens the boxes sealed to it before a rotation (looked up by the box's `kid`).
"""

from __future__ import annotations

import contextlib
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.orm import Session

from loket_protocol import events, sealed
from office_server.sync import outbox
from office_server.sync.models import OutboxEvent

FOLDER = Path("keys") / "sealed-requests"
_lock = threading.Lock()


class SealedKeyMissing(LookupError):
    """No key of that id in this data folder (a box sealed to another village's key)."""


def key_folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def _private_dir(path: Path) -> None:
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)


def _files(data_dir: Path) -> list[Path]:
    folder = key_folder(data_dir)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*-*.pem"))


def _kid_of(path: Path) -> str:
    return path.stem.rsplit("-", 1)[1]


def _make(data_dir: Path) -> tuple[str, ec.EllipticCurvePrivateKey]:
    key = sealed.new_private_key()
    kid = sealed.key_id(sealed.public_key_text(key))
    folder = key_folder(data_dir)
    _private_dir(folder)
    made = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{made}-{kid}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(sealed.private_key_pem(key))
        fh.flush()
        os.fsync(fh.fileno())
    return kid, key


def current(data_dir: Path) -> tuple[str, ec.EllipticCurvePrivateKey] | None:
    files = _files(data_dir)
    if not files:
        return None
    return _kid_of(files[-1]), sealed.load_private_key(files[-1].read_bytes())


def private_key(data_dir: Path, kid: str) -> ec.EllipticCurvePrivateKey:
    """The key a box names; SealedKeyMissing if this village never had it."""
    for path in reversed(_files(data_dir)):
        if _kid_of(path) == kid:
            return sealed.load_private_key(path.read_bytes())
    raise SealedKeyMissing(kid)


def kids(data_dir: Path) -> list[str]:
    """Every key id held, oldest first (the last is current)."""
    return [_kid_of(p) for p in _files(data_dir)]


def _announce(session: Session, kid: str, key: ec.EllipticCurvePrivateKey) -> None:
    outbox.record(session, events.VillageKey(kid=kid, public_key=sealed.public_key_text(key)))


def ensure(session: Session, data_dir: Path) -> str:
    """The current key id, making the first key (and its `village.key` event) if none.

    Also records the current key again when no `village.key` event of it is in the outbox
    (a data folder restored without its database, or an outbox pruned): the hub must have
    it before a resident can seal anything."""
    with _lock:
        found = current(data_dir)
        if found is None:
            found = _make(data_dir)
        kid, key = found
    recorded = session.scalars(
        select(OutboxEvent.data).where(OutboxEvent.kind == str(events.Kind.VILLAGE_KEY))
    ).all()
    if not any(isinstance(d, dict) and d.get("kid") == kid for d in recorded):
        _announce(session, kid, key)
    return kid


def rotate(session: Session, data_dir: Path) -> str:
    """A new current key (the old ones stay, for boxes sealed before); its event goes up."""
    with _lock:
        kid, key = _make(data_dir)
    _announce(session, kid, key)
    return kid
