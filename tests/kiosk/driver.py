"""Runs the real kiosk App in this process and drives it with a scripted scenario.

Started by the tests in a subprocess (under Xvfb, with a hard timeout) so a hung window can
never hang the suite:

    python tests/kiosk/driver.py --scenario NAME --config kiosk.toml --out DIR [--params JSON]

Scenarios (tests/kiosk/scenarios.py) are generators that yield what to wait for; the pilot
simulates touches and key presses, pushes camera frames, takes screenshots, and records
checks. Everything ends up in DIR/result.json, which the test asserts.

A scenario waits for states, never for time: the machine may be a loaded CI runner where
a frame takes half a second. Every ``Wait`` is bounded only by the hang guard of
tests/support/waiting.py. A touch is a ``Wait`` too (``yield p.tap(widget)``): it lands
once the widget is really there to be touched (its screen shown, enabled, laid out, in
view and no longer moving), as a person would wait to see the button before pressing it.
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

from tests.support.waiting import HANG_GUARD  # noqa: E402  (needs ROOT on the path)


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
    """A state the scenario needs before it goes on; ``action`` runs once it holds.

    ``pred`` returns something truthy when the state is there; ``why`` (optional) says
    what is still missing, for the message when the hang guard runs out.
    """

    def __init__(
        self,
        pred: Callable[[], Any],
        what: str = "",
        action: Callable[[], None] | None = None,
        why: Callable[[], str] | None = None,
    ) -> None:
        self.pred, self.what, self.action, self.why = pred, what, action, why


Step = Generator[Any, None, None]


class Camera:
    """The test camera: an ImageSequenceSource that counts what the scanner took from it,
    so a scenario can wait until every frame held up was read and decoded."""

    def __init__(self, source: Any) -> None:
        import threading

        self._source = source
        self._lock = threading.Lock()
        self.reads = 0
        self._emptied_at: int | None = 0  # the read that took the last queued frame

    def push(self, frame: Any, repeat: int | None = None) -> None:
        with self._lock:
            self._source.push(frame, repeat=repeat)
            self._emptied_at = None

    def read(self) -> Any:
        with self._lock:
            frame = self._source.read()
            self.reads += 1
            if self._emptied_at is None and not self._source._frames:
                self._emptied_at = self.reads
            return frame

    def close(self) -> None:
        with self._lock:
            self._source.close()
            if self._emptied_at is None:
                self._emptied_at = self.reads

    def caught_up(self) -> bool:
        """Every frame pushed was read, and decoded: the scanner reads its next frame only
        after it has decoded (and reported) the one before."""
        with self._lock:
            return self._emptied_at is not None and self.reads > self._emptied_at


class Pilot:
    def __init__(self, app: Any, out: Path, source: Camera | None, params: dict[str, Any]) -> None:
        self.app = app
        self.out = out
        self.source = source
        self.params = params
        self.checks: list[dict[str, Any]] = []
        self.shots: list[str] = []
        self.data: dict[str, Any] = {}
        self.proxy: Proxy | None = None
        self._unyielded: list[Wait] = []  # touches made but not (yet) yielded

    # -- finding and touching widgets
    @property
    def screen(self) -> Any:
        return self.app.sm.current_screen

    def ids(self, screen: str | None = None) -> Any:
        return self.app.screen(screen).ids if screen else self.screen.ids

    def tap(self, widget: Any) -> Wait:
        """``yield p.tap(widget)``: touch it once it can be touched."""
        label = repr(getattr(widget, "text", "") or widget)
        ready, why = self._settled(lambda: [widget])
        return self._act(Wait(ready, f"{label} ready to tap", lambda: _touch(widget), why))

    def tap_text(self, text: str, root: Any = None) -> Wait:
        """``yield p.tap_text(text)``: touch the enabled widget showing ``text``."""
        found: list[Any] = []

        def widgets() -> list[Any] | None:
            found[:] = [
                w
                for w in (root or self.screen).walk()
                if getattr(w, "text", None) == text and not getattr(w, "disabled", False)
            ][:1]
            return found or None

        ready, why = self._settled(widgets)
        return self._act(Wait(ready, f"{text!r} ready to tap", lambda: _touch(found[0]), why))

    def keyboard_type(self, keyboard: Any, text: str) -> Wait:
        """``yield p.keyboard_type(kb, text)``: type by tapping the on-screen keyboard's keys,
        once its keys (rebuilt when its layout changes) are laid out."""
        ready, why = self._settled(
            lambda: [btn for line in keyboard.children for btn in line.children]
        )

        def type_all() -> None:
            keys = {}
            for line in keyboard.children:
                for btn in line.children:
                    keys[btn.key] = btn
            for ch in text:
                key = {" ": "␣", "\b": "⌫"}.get(ch, ch.upper() if ch.isalpha() else ch)
                if ch.isalpha() and "⇧" in keys:
                    want = "upper" if ch.isupper() else "lower"
                    if keyboard.shift != want:
                        _touch(keys["⇧"])
                if key not in keys:
                    raise AssertionError(f"key {ch!r} not on the {keyboard.layout} keyboard")
                _touch(keys[key])

        return self._act(Wait(ready, f"keyboard to type {text!r}", type_all, why))

    def _act(self, wait: Wait) -> Wait:
        self._unyielded.append(wait)
        return wait

    def claim(self, item: Any) -> None:
        """Called by the driver with each yielded item: a touch never yielded never lands,
        so say so instead of letting the scenario go on without it."""
        if any(item is w for w in self._unyielded):
            self._unyielded = [w for w in self._unyielded if w is not item]
        if self._unyielded:
            raise AssertionError(
                f"not yielded (write `yield p.tap(...)`): {self._unyielded[0].what}"
            )

    def _settled(
        self, widgets: Callable[[], list[Any] | None]
    ) -> tuple[Callable[[], bool], Callable[[], str]]:
        """A predicate, and why it is false: the widgets can be touched, and have not moved
        since the last frame (a layout, a scroll or a screen transition may be on its way)."""
        from kivy.clock import Clock

        seen: dict[str, Any] = {"frame": -1, "where": None, "whys": ["not looked at yet"]}

        def note(why: str) -> None:
            if why != seen["whys"][-1]:
                seen["whys"] = [*seen["whys"][-2:], why]

        def ready() -> bool:
            ws = widgets()
            if not ws:
                note(f"nothing to tap on {self.app.sm.current}")
                return False
            why = next((w for w in map(self._untouchable, ws) if w), "")
            where = [(tuple(w.to_window(*w.pos)), tuple(w.size)) for w in ws]
            still = where == seen["where"] and Clock.frames > seen["frame"]
            if where != seen["where"]:
                seen["where"], seen["frame"] = where, Clock.frames
            note(why or ("" if still else "still moving"))
            return not why and still

        return ready, lambda: " <- ".join(reversed(seen["whys"]))

    def _untouchable(self, widget: Any) -> str:
        """Why a finger could not touch ``widget`` now, or "" if it could."""
        from kivy.core.window import Window
        from kivy.uix.screenmanager import Screen
        from kivy.uix.scrollview import ScrollView

        name = repr(getattr(widget, "text", "") or widget)
        if widget.get_root_window() is None:
            return f"{name} is not on the window"
        if getattr(widget, "disabled", False):
            return f"{name} is disabled"
        x, y = widget.to_window(*widget.center)
        node = widget
        while node is not None and node is not node.parent:
            pending = getattr(node, "_trigger_layout", None)
            if pending is not None and pending.is_triggered:
                return f"{name}: a layout is pending"
            if isinstance(node, ScrollView):
                if node._trigger_update_from_scroll.is_triggered:
                    return f"{name}: a scroll is pending"
                sx, sy = node.to_window(*node.pos)
                if not (sx <= x <= sx + node.width and sy <= y <= sy + node.height):
                    return (
                        f"{name} at {(x, y)} is scrolled out of view "
                        f"{(sx, sy, node.width, node.height)}, scroll_y={node.scroll_y}"
                    )
            if isinstance(node, Screen) and node.manager is not None:
                sm = node.manager
                if sm.current != node.name:
                    return f"{name} is on {node.name}, not on the screen shown ({sm.current})"
                # Touches are ignored while a transition runs.
                if sm.transition.is_active:
                    return f"{name}: the screen transition is still running"
            node = node.parent
        if not (0 <= x <= Window.width and 0 <= y <= Window.height):
            return f"{name} at {(x, y)} is off the window"
        return ""

    def hold_up(self, frame: Any, frames: int) -> None:
        """Hold something in front of the camera for ``frames`` frames (replaces the last)."""
        assert self.source is not None
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
    def screen_is(self, name: str) -> Wait:
        sm = self.app.sm
        # Touches are ignored while a transition runs, so wait for it to end too.
        return Wait(lambda: sm.current == name and not sm.transition.is_active, f"screen {name}")

    def until(self, pred: Callable[[], Any], what: str = "") -> Wait:
        return Wait(pred, what)

    def drawn(self) -> Wait:
        """Until what changed so far is on the screen: a new frame was drawn (Kivy updates
        label textures and layouts before it draws), e.g. before a screenshot."""
        from kivy.clock import Clock

        mark = Clock.frames_displayed
        return Wait(lambda: Clock.frames_displayed > mark + 1, "a frame drawn")

    def camera_caught_up(self) -> Wait:
        """Until every frame held up was read and decoded, and what it held handed to the
        app (the scanner reports through the Clock: one more frame)."""
        from kivy.clock import Clock

        assert self.source is not None
        source, mark = self.source, [-1]

        def done() -> bool:
            if mark[0] < 0 and source.caught_up():
                mark[0] = Clock.frames
            return mark[0] >= 0 and Clock.frames > mark[0] + 1

        return Wait(done, "the camera's frames decoded")

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


def _touch(widget: Any) -> None:
    """A finger down and up on the widget's centre (Kivy dispatches it at once)."""
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(*widget.to_window(*widget.center))
    touch.touch_down()
    touch.touch_up()


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
        source = Camera(ImageSequenceSource(idle_frame=empty_frame()))
    app = build_app(config, frame_source=source) if source else build_app(config)
    pilot = Pilot(app, out, source, params)
    pilot.proxy = proxy

    import scenarios
    from kivy.clock import Clock

    scenario: Step = getattr(scenarios, args.scenario)(pilot)
    result: dict[str, Any] = {"scenario": args.scenario, "ok": False}
    started = time.monotonic()
    state: dict[str, Any] = {"wait": None, "until": 0.0}

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

    def as_wait(item: Any) -> Wait:
        if isinstance(item, Wait):
            return item
        if item is None:
            return pilot.drawn()
        if isinstance(item, int | float):
            # A pause of the scenario's own (an outage that lasts a while), never a wait for
            # the app: for that, yield the state it should reach.
            end = time.monotonic() + float(item)
            return Wait(lambda: time.monotonic() >= end, f"a {item} s pause")
        raise TypeError(f"a scenario yields a Wait, a number or None, not {item!r}")

    def tick(_dt: float) -> bool:
        if source is not None and not state.get("bound"):
            # Once a code was read, the resident lowers the phone: the test camera's queue of
            # frames empties when the scan screen is left, as a real camera's view would.
            app.screen("scan").bind(on_leave=lambda *_: source.close())
            state["bound"] = True
        try:
            # Go on as far as the states are there: several steps may run in one frame.
            while True:
                wait = state["wait"]
                if wait is not None:
                    if not wait.pred():
                        if time.monotonic() > state["until"]:
                            why = f" ({wait.why()})" if wait.why else ""
                            raise TimeoutError(
                                f"waited {HANG_GUARD:.0f} s (the hang guard) for "
                                f"{wait.what or wait.pred}{why}; screen={app.sm.current} "
                                f"texts={pilot.texts(pilot.screen)[:12]}"
                            )
                        return True
                    state["wait"] = None
                    if wait.action is not None:
                        wait.action()
                item = next(scenario)
                pilot.claim(item)
                state["wait"] = as_wait(item)
                state["until"] = time.monotonic() + HANG_GUARD
        except StopIteration:
            try:
                pilot.claim(None)
            except AssertionError:
                finish(traceback.format_exc())
                return False
            finish(None)
            return False
        except Exception:
            with contextlib.suppress(Exception):  # best effort beside the real error
                pilot.shot("failure")
            finish(traceback.format_exc())
            return False

    Clock.schedule_interval(tick, 1 / 30)
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
