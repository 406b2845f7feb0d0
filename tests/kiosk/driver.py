"""Runs the real kiosk App in this process and drives it with a scripted scenario.

Started by the tests in a subprocess (under Xvfb, with a hard timeout) so a hung window can
never hang the suite:

    python tests/kiosk/driver.py --scenario NAME --config kiosk.toml --out DIR [--params JSON]

Scenarios (tests/kiosk/scenarios.py) are generators that yield what to wait for; the pilot
simulates touches and key presses, pushes camera frames, takes screenshots, and records
checks. Everything ends up in DIR/result.json, which the test asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


class Proxy:
    """A TCP forwarder between the kiosk and the server; ``enabled = False`` cuts the LAN.

    Not a fake server: every byte still goes to the real one while enabled.
    """

    def __init__(self, target_port: int) -> None:
        import socket
        import threading

        self.target_port = target_port
        self.enabled = True
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import socket
        import threading

        while True:
            client, _ = self._sock.accept()
            if not self.enabled:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: Any, dst: Any) -> None:
        try:
            while self.enabled and (data := src.recv(65536)):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()


class Wait:
    def __init__(self, pred: Callable[[], Any], timeout: float = 15.0, what: str = "") -> None:
        self.pred, self.timeout, self.what = pred, timeout, what


Step = Generator[Any, None, None]


class Pilot:
    def __init__(self, app: Any, out: Path, source: Any, params: dict[str, Any]) -> None:
        self.app = app
        self.out = out
        self.source = source
        self.params = params
        self.checks: list[dict[str, Any]] = []
        self.shots: list[str] = []
        self.data: dict[str, Any] = {}
        self.proxy: Proxy | None = None

    # -- finding and touching widgets
    @property
    def screen(self) -> Any:
        return self.app.sm.current_screen

    def ids(self, screen: str | None = None) -> Any:
        return self.app.screen(screen).ids if screen else self.screen.ids

    def tap(self, widget: Any) -> None:
        from kivy.tests.common import UnitTestTouch

        if getattr(widget, "disabled", False):
            raise AssertionError(
                f"tapped a disabled widget: {widget!r} {getattr(widget, 'text', '')}"
            )
        x, y = widget.to_window(*widget.center)
        from kivy.uix.scrollview import ScrollView

        parent = widget.parent
        while parent is not None and parent is not parent.parent:
            if isinstance(parent, ScrollView):
                sx, sy = parent.parent.to_window(*parent.pos)
                if not (sx <= x <= sx + parent.width and sy <= y <= sy + parent.height):
                    raise AssertionError(
                        f"{getattr(widget, 'text', widget)!r} at {(x, y)} is scrolled out of "
                        f"view {(sx, sy, parent.width, parent.height)}, scroll_y={parent.scroll_y}"
                    )
                break
            parent = parent.parent
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()

    def tap_text(self, text: str, root: Any = None) -> None:
        for w in (root or self.screen).walk():
            if getattr(w, "text", None) == text and not getattr(w, "disabled", False):
                self.tap(w)
                return
        raise AssertionError(f"no widget with text {text!r} on {self.app.sm.current}")

    def keyboard_type(self, keyboard: Any, text: str) -> None:
        """Type by tapping the on-screen keyboard keys."""
        keys = {}
        for line in keyboard.children:
            for btn in line.children:
                keys[btn.key] = btn
        for ch in text:
            key = {" ": "␣", "\b": "⌫"}.get(ch, ch.upper() if ch.isalpha() else ch)
            if ch.isalpha() and "⇧" in keys:
                want = "upper" if ch.isupper() else "lower"
                if keyboard.shift != want:
                    self.tap(keys["⇧"])
            if key not in keys:
                raise AssertionError(f"key {ch!r} not on the {keyboard.layout} keyboard")
            self.tap(keys[key])

    def hold_up(self, frame: Any, frames: int) -> None:
        """Hold something in front of the camera for ``frames`` frames (replaces the last)."""
        self.source.close()  # a real camera has no backlog of old frames
        self.source.push(frame, repeat=frames)

    def usb_scan(self, text: str) -> None:
        """What a USB 2D scanner in keyboard mode sends: fast keystrokes, then Enter."""
        from kivy.core.window import Window

        for ch in text:
            Window.dispatch("on_textinput", ch)
        Window.dispatch("on_key_down", 13, 40, "\r", [])
        Window.dispatch("on_key_up", 13, 40)

    # -- waiting
    def screen_is(self, name: str, timeout: float = 15.0) -> Wait:
        sm = self.app.sm
        # Touches are ignored while a transition runs, so wait for it to end too.
        return Wait(
            lambda: sm.current == name and not sm.transition.is_active, timeout, f"screen {name}"
        )

    def until(self, pred: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Wait:
        return Wait(pred, timeout, what)

    # -- recording
    def shot(self, name: str) -> None:
        path = self.out / f"{len(self.shots):02d}-{name}.png"
        self.app.root.export_to_png(str(path))
        self.shots.append(path.name)

    def check(self, name: str, ok: Any, detail: Any = "") -> None:
        self.checks.append({"name": name, "ok": bool(ok), "detail": str(detail)[:500]})

    def texts(self, root: Any = None) -> list[str]:
        """Every visible text on the current screen (and the banners)."""
        widgets = list((root or self.app.root).walk())
        return [
            w.text
            for w in widgets
            if isinstance(getattr(w, "text", None), str) and w.text and w.opacity > 0
        ]


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_HOME", str(out / "kivy-home"))
    params = json.loads(args.params or "{}")

    from kiosk_app.config import load_config
    from kiosk_app.main import build_app, prepare_kivy
    from kiosk_app.qr_images import empty_frame
    from kiosk_app.scanning import ImageSequenceSource

    config = load_config(args.config)
    proxy = None
    if params.get("proxy"):
        proxy = Proxy(int(config.server_url.rsplit(":", 1)[1]))
        config = config.with_overrides(server_url=f"http://127.0.0.1:{proxy.port}")
    prepare_kivy(config, size=params.get("size", "1280x800"))
    source = None
    if config.camera.source == "test":
        source = ImageSequenceSource(idle_frame=empty_frame())
    app = build_app(config, frame_source=source) if source else build_app(config)
    pilot = Pilot(app, out, source, params)
    pilot.proxy = proxy

    import scenarios
    from kivy.clock import Clock

    scenario: Step = getattr(scenarios, args.scenario)(pilot)
    result: dict[str, Any] = {"scenario": args.scenario, "ok": False}
    started = time.monotonic()
    state: dict[str, Any] = {"wait": None, "until": 0.0, "frames": 0}

    def finish(error: str | None) -> None:
        result.update(
            ok=error is None and all(c["ok"] for c in pilot.checks),
            error=error,
            checks=pilot.checks,
            shots=pilot.shots,
            events=app.events,
            app_errors=app.errors,
            data=pilot.data,
            seconds=round(time.monotonic() - started, 2),
        )
        (out / "result.json").write_text(json.dumps(result, indent=2, default=str))
        app.stop()

    def tick(_dt: float) -> bool:
        now = time.monotonic()
        if source is not None and not state.get("bound"):
            # Once a code was read, the resident lowers the phone: the test camera's queue of
            # frames empties when the scan screen is left, as a real camera's view would.
            app.screen("scan").bind(on_leave=lambda *_: source.close())
            state["bound"] = True
        try:
            wait = state["wait"]
            if isinstance(wait, Wait):
                if not wait.pred():
                    if now > state["until"]:
                        raise TimeoutError(
                            f"waited {wait.timeout}s for {wait.what or wait.pred}; "
                            f"screen={app.sm.current} texts={pilot.texts(pilot.screen)[:12]}"
                        )
                    return True
            elif now < state["until"]:
                return True
            state["wait"] = None
            item = next(scenario)
            if isinstance(item, Wait):
                state["wait"], state["until"] = item, now + item.timeout
            elif isinstance(item, int | float):
                state["until"] = now + float(item)
            else:
                state["until"] = now + 0.05  # let a frame render
        except StopIteration:
            finish(None)
            return False
        except Exception:
            with contextlib.suppress(Exception):  # best effort beside the real error
                pilot.shot("failure")
            finish(traceback.format_exc())
            return False
        return True

    Clock.schedule_once(lambda _dt: Clock.schedule_interval(tick, 1 / 30), 0.5)
    app.run()
    return 0 if result.get("ok") else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--params", default="")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
