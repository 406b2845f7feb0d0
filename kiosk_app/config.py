"""Kiosk configuration: one TOML file, a few environment overrides, demo-friendly defaults.

The file (``--config PATH`` or ``LOKET_KIOSK_CONFIG``) looks like::

    server_url = "http://192.168.1.10:8000"
    api_key = "..."                  # or LOKET_KIOSK_API_KEY
    api_key_file = "/etc/loket/kiosk.key"  # or a file holding it (`loket add-kiosk --key-file`)
    language = "id"                  # "id" or "en"
    idle_timeout = 60                # seconds without a touch before going home
    fullscreen = false

    [printers]
    a4 = "cups://Loket_A4"           # letters (PDF)
    receipt = "escpos+tcp://192.168.1.20:9100"   # tickets and receipts; "" for none
    media = "A4"                     # or "F4"

    [camera]
    source = "0"                     # camera index, a video file, a folder of images, or "none"
    decoder = "zxing"                # "zxing" or "pyzbar"
    fps = 8

Everything has a default that works for the demo on one machine.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

LANGUAGES = ("id", "en")
DECODERS = ("zxing", "pyzbar")


class ConfigError(ValueError):
    """The kiosk config file is missing, unreadable or has a bad value."""


def _default_data_dir() -> Path:
    return Path(os.environ.get("LOKET_DATA_DIR", "var/data")).resolve()


@dataclass(frozen=True)
class CameraConfig:
    # "none" disables the camera; manual entry and the USB scanner still work.
    source: str = "0"
    decoder: str = "zxing"
    fps: float = 8.0
    width: int = 640
    height: int = 480


@dataclass(frozen=True)
class KioskConfig:
    server_url: str = "http://127.0.0.1:8000"
    api_key: str = ""
    language: str = "id"
    idle_timeout: float = 60.0
    fullscreen: bool = False
    a4_printer: str = ""
    receipt_printer: str = ""
    # Paper in the letter printer: "A4" or "F4" (many village offices use F4).
    letter_media: str = "A4"
    camera: CameraConfig = field(default_factory=CameraConfig)
    # Where the kiosk keeps its small state (pending "printed" confirmations, logs).
    # Holds no personal data.
    state_dir: Path = field(default_factory=lambda: _default_data_dir() / "kiosk")
    # Seconds between server health checks (and outbox retries) in the background.
    health_interval: float = 5.0
    http_timeout: float = 10.0
    # Same code scanned again within this many seconds counts as one scan.
    duplicate_window: float = 4.0

    def with_overrides(self, **changes: Any) -> KioskConfig:
        return replace(self, **changes)


def _get(table: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any) -> Any:
    if key not in table:
        return default
    value = table[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ConfigError(f"config key {key!r} has the wrong type: {value!r}")
    return value


def parse_config(data: dict[str, Any], env: dict[str, str] | None = None) -> KioskConfig:
    """Build a KioskConfig from parsed TOML plus environment overrides."""
    env = dict(os.environ) if env is None else env
    data_dir = Path(env.get("LOKET_DATA_DIR", "var/data")).resolve()
    printers = _get(data, "printers", dict, {})
    camera = _get(data, "camera", dict, {})
    default_folder = f"folder://{data_dir / 'printed'}"

    cam = CameraConfig(
        source=str(_get(camera, "source", (str, int), "0")),
        decoder=_get(camera, "decoder", str, "zxing"),
        fps=_get(camera, "fps", float, 8.0),
        width=_get(camera, "width", int, 640),
        height=_get(camera, "height", int, 480),
    )
    if cam.decoder not in DECODERS:
        raise ConfigError(f"camera.decoder must be one of {DECODERS}, not {cam.decoder!r}")
    if not 0.5 <= cam.fps <= 60:
        raise ConfigError("camera.fps must be between 0.5 and 60")

    cfg = KioskConfig(
        server_url=_get(data, "server_url", str, "http://127.0.0.1:8000").rstrip("/"),
        api_key=_get(data, "api_key", str, ""),
        language=_get(data, "language", str, "id"),
        idle_timeout=_get(data, "idle_timeout", float, 60.0),
        fullscreen=_get(data, "fullscreen", bool, False),
        a4_printer=_get(printers, "a4", str, f"{default_folder}/a4"),
        receipt_printer=_get(printers, "receipt", str, f"{default_folder}/receipt"),
        letter_media=_get(printers, "media", str, "A4").upper(),
        camera=cam,
        state_dir=Path(_get(data, "state_dir", str, str(data_dir / "kiosk"))),
        health_interval=_get(data, "health_interval", float, 5.0),
        http_timeout=_get(data, "http_timeout", float, 10.0),
        duplicate_window=_get(data, "duplicate_window", float, 4.0),
    )
    if env.get("LOKET_KIOSK_API_KEY"):
        cfg = replace(cfg, api_key=env["LOKET_KIOSK_API_KEY"])
    if not cfg.api_key:
        # A key file: named in the config or the environment, else the demo's default
        # place (`loket add-kiosk --key-file <data dir>/kiosk/api_key`).
        named = env.get("LOKET_KIOSK_API_KEY_FILE") or _get(data, "api_key_file", str, "")
        key_file = Path(named) if named else Path(cfg.state_dir) / "api_key"
        try:
            cfg = replace(cfg, api_key=key_file.read_text(encoding="utf-8").strip())
        except FileNotFoundError:
            if named:
                raise ConfigError(f"kiosk API key file not found: {key_file}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read kiosk API key file {key_file}: {exc}") from exc
    if env.get("LOKET_KIOSK_SERVER_URL"):
        cfg = replace(cfg, server_url=env["LOKET_KIOSK_SERVER_URL"].rstrip("/"))
    if cfg.language not in LANGUAGES:
        raise ConfigError(f"language must be one of {LANGUAGES}, not {cfg.language!r}")
    if cfg.letter_media not in ("A4", "F4"):
        raise ConfigError("printers.media must be A4 or F4")
    if cfg.idle_timeout < 5:
        raise ConfigError("idle_timeout must be at least 5 seconds")
    if not cfg.server_url.startswith(("http://", "https://")):
        raise ConfigError("server_url must start with http:// or https://")
    return cfg


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> KioskConfig:
    """Read the config file (``path``, else $LOKET_KIOSK_CONFIG, else defaults only)."""
    env = dict(os.environ) if env is None else env
    chosen = path or env.get("LOKET_KIOSK_CONFIG")
    data: dict[str, Any] = {}
    if chosen:
        p = Path(chosen)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"kiosk config not found: {p}") from exc
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"kiosk config {p} is not valid TOML: {exc}") from exc
    return parse_config(data, env)
