"""Settings from the environment (prefix LOKET_), one cached instance per process."""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, PrivateAttr, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where the session key is kept when LOKET_SECRET_KEY is not set (under data_dir).
SECRET_KEY_FILE = "session-secret.key"  # noqa: S105 - a file name
MIN_SECRET_LENGTH = 16


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOKET_", env_file=None, extra="ignore")

    environment: str = Field(default="development", description="development or production")
    data_dir: Path = Path("var/data")
    database_url: str | None = None
    # Signs the operators' session cookies. Unset: a random key made at first start and
    # kept in data_dir (mode 600), so there is no default key anybody could know.
    secret_key: SecretStr | None = None
    # What residents' phones and QR codes use to reach this server on the office LAN.
    public_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    # Requests left in draft or needs_correction longer than this expire.
    request_expiry_days: int = 30
    # Client addresses of reverse proxies whose X-Forwarded-For / -Proto are believed
    # (comma-separated IPs or networks, e.g. "127.0.0.1" behind nginx on this machine).
    # Empty: no proxy, every limit counts the address the connection comes from.
    trusted_proxies: str = ""
    # An operator's session lasts at most this long; logging out ends it at once.
    session_hours: int = 12
    # Failed logins are free up to this many; after that each one doubles the wait (from
    # 2 s up to login_max_delay_seconds) for that address and that user name, except from
    # a browser that has logged in to the account before. Nobody is locked out.
    login_free_failures: int = 5
    login_max_delay_seconds: float = 300.0
    # Failed logins from all but known browsers, per minute, before logins wait.
    login_total_failures_per_minute: int = 30
    # Wrong pickup secrets or tokens per client address per minute, and from all
    # addresses together, before 429.
    lookup_rate_per_minute: int = 30
    lookup_total_per_minute: int = 300
    # Requests filed anonymously (phone form, JSON API) per client address and in all, per
    # hour. The kiosk files with its key and is not counted.
    filing_per_address_per_hour: int = 20
    filing_per_hour: int = 200
    # Wrong pickup QRs a kiosk may scan before each further scan waits a little (1 s,
    # doubling, at most scan_max_delay_seconds): a guesser is slowed, residents are not.
    scan_free_failures: int = 10
    scan_max_delay_seconds: float = 5.0
    max_body_bytes: int = 1_000_000
    # PDF uploads to a letter's verification page per client address per minute (each
    # one costs a signature check); over it, 429.
    verify_uploads_per_minute: int = 10
    # Sign every issued letter (PAdES) with the village's own key under data_dir/keys.
    sign_letters: bool = True
    # The village's time zone: WIB (Asia/Jakarta), WITA (Asia/Makassar) or WIT (Asia/Jayapura).
    timezone: str = "Asia/Jakarta"
    # The nightly backup (`loket nightly-backup`, the loket-backup timer): where, how many
    # copies, and the label of a USB disk that gets a copy too (empty: none).
    backup_dir: Path | None = None
    backup_keep: int = 7
    backup_usb_label: str = ""
    # `loket doctor` compares the clock with this NTP server ("host" or "host:port") when
    # there is no hub; offline, the comparison is skipped, never failed.
    ntp_server: str = "pool.ntp.org"
    ntp_timeout_seconds: float = 3.0
    # The regency hub (docs/DESIGN.md, "The regency"). Unset: no relay runs and the village
    # works alone; the outbox still fills. The credentials file is what
    # `loket hub add-village` printed; LOKET_HUB_URL overrides the address written in it.
    hub_url: str | None = None
    hub_credentials: Path | None = None
    # The hub's public HTTPS address residents file from home at (https://<hub>): the
    # pickup QR of such a request is <it>/<kode-desa>/S/<code>#<secret>, and the kiosk
    # refuses one of the hub made for another village.
    hub_public_url: str | None = None
    # Events per publish round, and the longest wait between tries while the hub is away.
    sync_batch: int = 200
    sync_retry_max_seconds: float = 30.0
    # The off-site archive at the hub (the letter PDFs; the database too, via Litestream,
    # for a SQLite village). On whenever a hub is configured; 0 turns it off.
    hub_archive: bool = True

    _secret: str | None = PrivateAttr(default=None)

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"LOKET_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters "
                "(or leave it unset: the server then makes its own)"
            )
        return value

    def session_secret(self) -> str:
        """LOKET_SECRET_KEY, else the key in data_dir, made there at first use."""
        if self._secret is None:
            if self.secret_key is not None:
                self._secret = self.secret_key.get_secret_value()
            else:
                self._secret = _stored_secret(self.data_dir / SECRET_KEY_FILE)
        return self._secret

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'loket.sqlite3').resolve()}"

    @property
    def resolved_backup_dir(self) -> Path:
        return self.backup_dir or self.data_dir.parent / "backups"

    @property
    def hub_configured(self) -> bool:
        return self.hub_credentials is not None

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def public_url_upper(self) -> str:
        """The public URL in upper case, so QR codes stay in the compact alphanumeric mode.

        Scheme and host are case-insensitive; our short routes (/S/, /V/) accept both cases.
        """
        return self.public_url.rstrip("/").upper()


def _stored_secret(path: Path) -> str:
    """The key in `path`; the first caller makes it (mode 600, whole or not at all)."""
    with contextlib.suppress(FileNotFoundError):
        return _read_secret(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
            out.flush()
            os.fsync(out.fileno())
        # A hard link never replaces: when two processes start at once, one key wins.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # a copy made with a loose umask: nobody else may read it
    value = path.read_text(encoding="ascii").strip()
    if len(value) < MIN_SECRET_LENGTH:
        raise RuntimeError(
            f"{path} is damaged (too short). Delete it and start again: operators will "
            "have to log in again."
        )
    return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
