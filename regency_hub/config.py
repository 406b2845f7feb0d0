"""Hub settings from the environment (prefix LOKET_REGENCY_)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class HubSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOKET_REGENCY_", env_file=None, extra="ignore")

    # PostgreSQL only: the hub's queries (ON CONFLICT, JSONB) are PostgreSQL's.
    database_url: str = "postgresql+psycopg://loket@127.0.0.1:5432/loket_regency"
    # NATS config, TLS keys, the JetStream store (encrypted) and the hub's own secrets.
    data_dir: Path = Path("var/hub")
    nats_host: str = "0.0.0.0"
    nats_port: int = 4222
    # The address written into each village's credentials file (how villages reach us).
    public_nats_url: str = "tls://127.0.0.1:4222"
    # Names the TLS certificate is made for (comma-separated DNS names or IPs).
    tls_names: str = "localhost,127.0.0.1"
    http_host: str = "127.0.0.1"
    http_port: int = 8100
    # JetStream's duplicate window on the village stream (seconds); after it, the
    # PostgreSQL unique event id keeps replays out.
    duplicate_window_seconds: float = 120.0

    @property
    def nats_dir(self) -> Path:
        return self.data_dir / "nats"

    @property
    def local_nats_url(self) -> str:
        return f"tls://127.0.0.1:{self.nats_port}"
