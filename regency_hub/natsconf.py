"""The nats-server configuration the hub writes: TLS, encrypted JetStream, one user per village.

Per-user permissions in one generated config (not decentralised JWT accounts): a regency
has a few hundred villages, one JetStream account keeps every village's events in one
stream the hub reads with one consumer, and adding a village is a row, a config rewrite
and a reload (SIGHUP), with no operator/account tooling to run. A national tree (tens of
thousands of villages per server) would move to JWT accounts with a resolver.

A village's user may publish only under `loket.up.<village>.>`, pull only its own
consumer on LOKET_DOWN (and acknowledge its messages), and receive only on its own
inbox prefix, so it can neither write as another village nor read another's replies or
inbox. Passwords are stored as bcrypt hashes; the config is mode 600.

The off-site archive (the village's Litestream replica and its letter PDFs, in two
object-store buckets) is kept in one NATS account per village, `ARCHIVE_<village>`, with
one user `archive-<village>` that has the village's password. An account is the server's
own wall: another village's user, and the hub's user, see no subject, stream or inbox of
it. Per-user permissions could not do this: Litestream's client (nats.go) takes its
replies on the shared `_INBOX.>`, which a user may not be given without reading every
other such reply. The events stay in the shared REGENCY account, as before.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from loket_protocol import subjects
from regency_hub.certs import ensure_tls
from regency_hub.config import HubSettings

HUB_USER = "regency-hub"


@dataclass(frozen=True)
class VillageUser:
    kode_desa: str
    user: str
    password_bcrypt: str


def _secret_file(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()


def hub_password(settings: HubSettings) -> str:
    return _secret_file(settings.nats_dir / "hub-password")


def jetstream_key(settings: HubSettings) -> str:
    """The key of JetStream's encryption at rest (ChaCha20-Poly1305)."""
    return _secret_file(settings.nats_dir / "jetstream-key")


def village_permissions(kode_desa: str) -> dict[str, object]:
    consumer = subjects.village_consumer(kode_desa)
    return {
        "publish": {
            "allow": [
                f"{subjects.up_prefix(kode_desa)}.>",
                f"$JS.API.CONSUMER.MSG.NEXT.{subjects.DOWN_STREAM}.{consumer}",
                f"$JS.ACK.{subjects.DOWN_STREAM}.{consumer}.>",
            ]
        },
        "subscribe": {"allow": [f"{subjects.inbox_prefix(kode_desa)}.>"]},
    }


def render(settings: HubSettings, villages: list[VillageUser]) -> str:
    """The server config (JSON is valid nats-server config syntax)."""
    _ca, cert, key = ensure_tls(settings.nats_dir / "tls", settings.tls_names.split(","))
    hub_hash = bcrypt.hashpw(hub_password(settings).encode(), bcrypt.gensalt(10)).decode()
    users: list[dict[str, object]] = [{"user": HUB_USER, "password": hub_hash}]
    users += [
        {
            "user": v.user,
            "password": v.password_bcrypt,
            "permissions": village_permissions(v.kode_desa),
        }
        for v in villages
    ]
    accounts: dict[str, object] = {"REGENCY": {"jetstream": "enabled", "users": users}}
    for v in villages:
        accounts[subjects.archive_account(v.kode_desa)] = {
            "jetstream": "enabled",
            "users": [{"user": subjects.archive_user(v.kode_desa), "password": v.password_bcrypt}],
        }
    config = {
        "server_name": "loket-regency-hub",
        "host": settings.nats_host,
        "port": settings.nats_port,
        # The object store's chunks are 128 KiB (nats-py and nats.go alike); an event is
        # a few hundred bytes, and the hub's ingest checks its own size bound.
        "max_payload": 262144,
        "tls": {"cert_file": str(cert), "key_file": str(key), "timeout": 5},
        "jetstream": {
            "store_dir": str(settings.nats_dir / "jetstream"),
            "cipher": "chachapoly",
            "key": jetstream_key(settings),
        },
        "accounts": accounts,
    }
    return json.dumps(config, indent=2)


def write(settings: HubSettings, villages: list[VillageUser]) -> Path:
    path = settings.nats_dir / "nats-server.conf"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    draft = path.with_suffix(".tmp")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(render(settings, villages))
    draft.replace(path)
    return path
