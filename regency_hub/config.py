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
    # The residents' pages are on the internet: HTTPS with this certificate and key (PEM;
    # the chain first). Without them the web app speaks plain HTTP (behind a TLS proxy).
    web_tls_cert: Path | None = None
    web_tls_key: Path | None = None
    # How residents reach the hub (in their pickup QR): https://<hub name>.
    public_web_url: str = "https://127.0.0.1:8100"
    # Rate limits of the residents' side (per minute on average, with a burst).
    filing_per_ip_per_minute: float = 6.0
    filing_per_ip_burst: int = 10
    filing_per_village_per_minute: float = 120.0
    filing_per_village_burst: int = 200
    status_per_ip_per_minute: float = 60.0
    status_per_ip_burst: int = 30
    status_per_village_per_minute: float = 3000.0
    status_per_village_burst: int = 1000
    # JetStream's duplicate window on the village stream (seconds); after it, the
    # PostgreSQL unique event id keeps replays out.
    duplicate_window_seconds: float = 120.0

    @property
    def nats_dir(self) -> Path:
        return self.data_dir / "nats"

    @property
    def local_nats_url(self) -> str:
        return f"tls://127.0.0.1:{self.nats_port}"
