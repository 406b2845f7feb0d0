"""Entry point: ``loket-kiosk [--config PATH] [--fullscreen] [--smoke]`` calls ``run()``.

So do ``python -m kiosk_app`` and, on a full install, ``loket kiosk``. A kiosk PC needs only
``pip install .[kiosk]``: nothing here or in the App imports office_server.

This module sets Kivy's environment before Kivy is imported, so importing it has no side
effects; the App itself lives in kiosk_app.app.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from kiosk_app.config import ConfigError, KioskConfig, load_config

log = logging.getLogger("kiosk")


def prepare_kivy(config: KioskConfig, *, fullscreen: bool = False, size: str = "") -> None:
    """Kivy reads its environment at import time: set it first, then configure the window."""
    kivy_home = Path(os.environ.get("KIVY_HOME") or Path(config.state_dir) / "kivy-home")
    kivy_home.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_HOME"] = str(kivy_home)
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    # The kiosk has no use for xclip/xsel; SDL's clipboard is enough.
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")

    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    if fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "show_cursor", "0")
    else:
        width, _, height = (size or "1280x800").partition("x")
        Config.set("graphics", "width", width)
        Config.set("graphics", "height", height)
    Config.set("graphics", "resizable", "0" if fullscreen else "1")


def build_app(config: KioskConfig, **overrides: Any) -> Any:
    """The KioskApp (Kivy must already be prepared); overrides for tests and benchmarks."""
    from kiosk_app.app import KioskApp

    return KioskApp(config, **overrides)


def smoke(app: Any) -> int:
    """Run the App just long enough to draw every screen once, then stop it.

    Checks that an install can run the kiosk (Kivy, its window, the .kv files, the
    printer and scanner modules) without a resident at it. It needs a display like any
    run: a desktop, or Xvfb on a machine without one.
    """
    from kivy.clock import Clock

    from kiosk_app.app import SCREENS

    pending = list(SCREENS)

    def step(_dt: float) -> bool:
        # One screen per frame, so each is laid out and drawn before the next.
        if pending:
            app.show(pending.pop(0))
            return True
        app.go_home()
        app.stop()
        return False

    app.bind(on_start=lambda *_: Clock.schedule_interval(step, 0))
    app.run()
    drawn = len(SCREENS) - len(pending)
    print(f"smoke: {drawn} of {len(SCREENS)} screens drawn, {len(app.errors)} errors in the UI")
    for error in app.errors:
        print(f"  {error}")
    return 0 if drawn == len(SCREENS) and not app.errors else 1


def run(argv: list[str] | None = None, prog: str = "loket-kiosk") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Start the Loket Desa kiosk")
    parser.add_argument("--config", help="kiosk TOML config (default: $LOKET_KIOSK_CONFIG)")
    parser.add_argument("--fullscreen", action="store_true", help="fill the screen, hide cursor")
    parser.add_argument("--size", default="", help="window size WxH when not fullscreen")
    parser.add_argument("--camera", help="override camera.source (index, video, image folder)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="draw every screen once and exit (0 if all went well): checks an install",
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--"]:  # `loket kiosk -- --config x` passes the separator through
        argv = argv[1:]
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # httpx logs every request line: the health check every few seconds drowns the log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    if args.camera is not None:
        from dataclasses import replace

        config = replace(config, camera=replace(config.camera, source=args.camera))
    if args.fullscreen:
        config = config.with_overrides(fullscreen=True)
    if not config.api_key:
        log.warning("no kiosk API key (set api_key or LOKET_KIOSK_API_KEY): server calls will fail")
    Path(config.state_dir).mkdir(parents=True, exist_ok=True)
    prepare_kivy(config, fullscreen=config.fullscreen, size=args.size)
    app = build_app(config)
    if args.smoke:
        return smoke(app)
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(run(prog="python -m kiosk_app.main"))
