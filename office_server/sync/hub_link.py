"""The village's side of the link to its regency hub: the credentials file and the connection.

The credentials file is JSON written once by `loket hub add-village`: the village code the
hub knows, a NATS user and password that may publish only under `loket.up.<village>.>` and
pull only the village's own consumer, the hub's address, and the CA certificate that
signed the hub's TLS certificate (the link is TLS; the village trusts only that CA).
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loket_protocol import subjects


class HubLinkError(RuntimeError):
    """The credentials file is missing or not one `loket hub add-village` wrote."""


@dataclass(frozen=True)
class HubCredentials:
    kode_desa: str
    user: str
    password: str
    url: str
    ca_pem: str

    @classmethod
    def load(cls, path: Path, *, url: str | None = None) -> HubCredentials:
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            creds = cls(
                kode_desa=str(raw["kode_desa"]),
                user=str(raw["user"]),
                password=str(raw["password"]),
                url=url or str(raw["url"]),
                ca_pem=str(raw["ca_pem"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise HubLinkError(f"cannot read the hub credentials file {path}") from exc
        subjects.village_token(creds.kode_desa)  # a code the subjects can carry
        return creds

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cadata=self.ca_pem)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def connect_options(self) -> dict[str, Any]:
        """nats.connect() keywords. No automatic reconnect: the relay's own loop retries,
        so a dead link ends a round at once instead of queueing publishes in memory."""
        return {
            "servers": [self.url],
            "user": self.user,
            "password": self.password,
            "tls": self.tls_context(),
            "inbox_prefix": subjects.inbox_prefix(self.kode_desa),
            "allow_reconnect": False,
            # nats-py retries even the first connection (60 times, 2 s apart, by default):
            # a refused port would hold a round (and an operator's "pull now") for minutes.
            # Two tries, then the relay's own loop decides when to try again.
            "max_reconnect_attempts": 1,
            "connect_timeout": 10,
            "ping_interval": 20,
            "max_outstanding_pings": 3,
            "name": f"loket-village-{subjects.village_token(self.kode_desa)}",
        }

    @property
    def archive_user(self) -> str:
        """The user of the village's own archive account (the same password; a file
        written before the archive existed names no such user, and needs none)."""
        return subjects.archive_user(self.kode_desa)

    def archive_connect_options(self) -> dict[str, Any]:
        """nats.connect() keywords for the archive account: its own account, so the
        default reply inbox is private and none is set."""
        options = self.connect_options()
        options.pop("inbox_prefix")
        options["user"] = self.archive_user
        options["name"] = f"loket-archive-{subjects.village_token(self.kode_desa)}"
        return options
