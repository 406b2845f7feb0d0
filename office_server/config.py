"""Settings from the environment (prefix LOKET_), one cached instance per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "dev-secret-change-me"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOKET_", env_file=None, extra="ignore")

    environment: str = Field(default="development", description="development or production")
    data_dir: Path = Path("var/data")
    database_url: str | None = None
    secret_key: str = DEVELOPMENT_SECRET
    # What residents' phones and QR codes use to reach this server on the office LAN.
    public_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    # Requests left in draft or needs_correction longer than this expire.
    request_expiry_days: int = 30
    # Failed operator logins before the account is locked, and for how long.
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    # Wrong pickup secrets per client address per minute before 429.
    lookup_rate_per_minute: int = 30
    max_body_bytes: int = 1_000_000
    # PDF uploads to a letter's verification page per client address per minute (each
    # one costs a signature check); over it, 429.
    verify_uploads_per_minute: int = 10
    # Sign every issued letter (PAdES) with the village's own key under data_dir/keys.
    sign_letters: bool = True
    # The village's time zone: WIB (Asia/Jakarta), WITA (Asia/Makassar) or WIT (Asia/Jayapura).
    timezone: str = "Asia/Jakarta"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError(
                "LOKET_SECRET_KEY must be set outside development "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        if len(self.secret_key) < 16:
            raise ValueError("LOKET_SECRET_KEY must be at least 16 characters")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'loket.sqlite3').resolve()}"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def public_url_upper(self) -> str:
        """The public URL in upper case, so QR codes stay in the compact alphanumeric mode.

        Scheme and host are case-insensitive; our short routes (/S/, /V/) accept both cases.
        """
        return self.public_url.rstrip("/").upper()


@lru_cache
def get_settings() -> Settings:
    return Settings()
