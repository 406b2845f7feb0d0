"""The Kivy App: builds the collaborators once, routes scans, keeps the kiosk alive all day.

Import this only after kiosk_app.main set the Kivy environment (KIVY_HOME, KIVY_NO_ARGS).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk_app.api_client import (
    KioskApiClient,
    KioskError,
    RateLimited,
    ScanResult,
    ServerUnreachable,
    looks_like_garbage,
)
from kiosk_app.config import KioskConfig
from kiosk_app.flows import Outbox
from kiosk_app.i18n import tr
from kiosk_app.printing import KioskPrinter
from kiosk_app.scanning import (
    CameraUnavailable,
    Deduper,
    FrameSource,
    KeyboardWedge,
    ScanWorker,
    make_decoder,
    open_source,
)

log = logging.getLogger("kiosk")
HERE = Path(__file__).parent
# Screens whose state may hold personal data; go_home() resets all of them.
SCREENS = (
    "home",
    "scan",
    "entry",
    "result",
    "printing",
    "catalog",
    "form",
    "ticket",
    "queue",
    "photos",
)
# Where a USB scanner's payload is taken as a pickup scan.
WEDGE_SCREENS = {"home", "scan", "result"}


class _KeepRunning(ExceptionHandler):
    """An error inside a callback must not close a kiosk nobody is watching."""

    def __init__(self, app: KioskApp) -> None:
        super().__init__()
        self.app = app

    def handle_exception(self, inst: BaseException) -> int:
        if isinstance(inst, KeyboardInterrupt | SystemExit):
            return ExceptionManager.RAISE
        log.exception("unexpected error in the UI; going home", exc_info=inst)
        self.app.errors.append(repr(inst))
        Clock.schedule_once(lambda _dt: self.app.go_home(), 0)
        return ExceptionManager.PASS


class KioskApp(App):
    lang = StringProperty("id")
    village = StringProperty("")
    server_online = BooleanProperty(True)
    camera_available = BooleanProperty(False)
    printer_warning = StringProperty("")
    idle_left = NumericProperty(0)

    def __init__(
        self,
        kiosk_config: KioskConfig,
        *,
        api: KioskApiClient | None = None,
        a4: KioskPrinter | None = None,
        receipt: KioskPrinter | None = None,
        frame_source: FrameSource | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.title = "Loket Desa"
        self.kc = kiosk_config
        self.lang = kiosk_config.language
        self.errors: list[str] = []
        # Collaborators: built here once; screens reach them through the app.
        self.api = api or KioskApiClient(
            kiosk_config.server_url, kiosk_config.api_key, timeout=kiosk_config.http_timeout
        )
        self.a4 = a4 or self.make_printer(kiosk_config.a4_printer, "a4")
        self.receipt = receipt or self.make_printer(kiosk_config.receipt_printer, "receipt")
        self.outbox = Outbox(Path(kiosk_config.state_dir) / "outbox.json")
        self.deduper = Deduper(kiosk_config.duplicate_window)
        self.wedge = KeyboardWedge()
        self._frame_source = frame_source
        self.scanner: ScanWorker | None = None
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="kiosk")
        self._stopping = threading.Event()
        self._last_activity = time.monotonic()
        self.print_lock = threading.Lock()  # health checks never poll a printer mid-job
        self.events: list[dict[str, Any]] = []  # a short trail for tests and diagnostics

    @staticmethod
    def make_printer(url: str, role: str) -> KioskPrinter:
        return KioskPrinter(url, role)

    # ------------------------------------------------------------------ helpers for kv
    def tr(self, key: str, _lang: str | None = None, **kwargs: Any) -> str:
        return tr(key, self.lang, **kwargs)

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "id" else "id"

    # ------------------------------------------------------------------ lifecycle
    def build(self) -> Any:
        from kiosk_app.screens import load_screens

        Builder.load_file(str(HERE / "widgets.kv"))
        load_screens()
        root = Builder.load_file(str(HERE / "root.kv"))
        ExceptionManager.add_handler(_KeepRunning(self))
        Window.bind(on_touch_down=self._touched, on_key_down=self._key_down)
        Window.bind(on_textinput=self._text_input)
        self._start_scanner()
        Clock.schedule_interval(self._check_idle, 1.0)
        threading.Thread(target=self._health_loop, name="kiosk-health", daemon=True).start()
        return root

    def on_start(self) -> None:
        self.event("started")

    def on_stop(self) -> None:
        self._stopping.set()
        if self.scanner:
            self.scanner.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.api.close()

    @property
    def sm(self) -> Any:
        return self.root.ids.sm

    def screen(self, name: str) -> Any:
        return self.sm.get_screen(name)

    def show(self, name: str) -> Any:
        self.sm.current = name
        self.event("screen", name=name)
        return self.screen(name)

    def event(self, kind: str, /, **data: Any) -> None:
        self.events.append({"t": round(time.monotonic(), 3), "kind": kind, **data})
        del self.events[:-500]

    # ------------------------------------------------------------------ background work
    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Run ``fn`` off the UI thread; the callbacks run on the UI thread."""

        def job() -> None:
            try:
                result = fn()
            except BaseException as exc:
                log.info("background job failed: %r", exc)
                err = exc
                Clock.schedule_once(lambda _dt: on_error(err), 0)
            else:
                Clock.schedule_once(lambda _dt: on_done(result), 0)

        if not self._stopping.is_set():
            self._pool.submit(job)

    def _health_loop(self) -> None:
        last_printer_check = 0.0
        while not self._stopping.is_set():
            online = True
            try:
                health = self.api.health()
                if health.village:
                    Clock.schedule_once(lambda _dt, v=health.village: setattr(self, "village", v))
                self.outbox.flush(self.api)
            except ServerUnreachable:
                online = False
            except KioskError as exc:
                log.warning("health check: %s", exc)
            if online != self.server_online:
                Clock.schedule_once(lambda _dt, o=online: self._set_online(o))
            if time.monotonic() - last_printer_check > 30:
                last_printer_check = time.monotonic()
                self._check_printers()
            interval = self.kc.health_interval
            self._stopping.wait(interval if online else min(2.0, interval))

    def _set_online(self, online: bool) -> None:
        self.server_online = online
        self.event("server", online=online)

    def _check_printers(self) -> None:
        from kiosk_app.printing import PrintFailed

        if not self.print_lock.acquire(blocking=False):
            return
        try:
            problems = []
            for printer in (self.a4, self.receipt):
                if not printer.configured:
                    continue
                try:
                    printer.check_ready()
                except PrintFailed as exc:
                    problems.append(exc)
        finally:
            self.print_lock.release()

        def apply(_dt: float) -> None:
            self.printer_warning = problems[0].localized(self.lang) if problems else ""

        Clock.schedule_once(apply)

    # ------------------------------------------------------------------ scanning
    def _start_scanner(self) -> None:
        source = self._frame_source
        if source is None:
            try:
                cam = self.kc.camera
                source = open_source(cam.source, cam.width, cam.height)
            except CameraUnavailable as exc:
                log.warning("no camera: %s", exc)
                source = None
        if source is None:
            self.camera_available = False
            return
        self.scanner = ScanWorker(
            source,
            make_decoder(self.kc.camera.decoder),
            self._camera_payload,
            deduper=self.deduper,
            fps=self.kc.camera.fps,
            on_error=lambda exc: Clock.schedule_once(lambda _dt: self._camera_lost(exc)),
        )
        self.scanner.start()
        self.camera_available = True

    def _camera_lost(self, exc: BaseException) -> None:
        self.camera_available = False
        self.event("camera_lost", error=str(exc))

    def _camera_payload(self, payload: str, source: str) -> None:
        # Worker thread -> UI thread.
        Clock.schedule_once(lambda _dt: self._scanned(payload, source), 0)

    def _scanned(self, payload: str, source: str) -> None:
        self.event("scanned", source=source, length=len(payload))
        self._last_activity = time.monotonic()
        current = self.sm.current
        if current == "scan":
            self.handle_payload(payload, self.screen("scan").mode)
        elif current in WEDGE_SCREENS and source == "keyboard":
            self.handle_payload(payload, "pickup")

    # ------------------------------------------------------------------ USB scanner (keyboard)
    def _text_input(self, _window: Any, text: str) -> None:
        self.wedge.feed_text(text)

    def _key_down(self, _window: Any, key: int, *_args: Any) -> bool:
        self._last_activity = time.monotonic()
        if key in (13, 271):  # Enter, keypad Enter
            payload = self.wedge.feed_enter()
            if payload and self.sm.current in WEDGE_SCREENS:
                if not self.screen(self.sm.current).accepts_scan():
                    return True
                if self.deduper.is_new(payload):
                    self._scanned(payload, "keyboard")
                return True
        elif key == 27:  # Escape / Android back: never let it close the kiosk
            return True
        return False

    # ------------------------------------------------------------------ scan routing
    def handle_payload(self, payload: str, mode: str) -> None:
        """A code from the camera, the USB scanner or typed in: ask the server what it is."""
        result = self.show("result")
        if looks_like_garbage(payload):
            result.show_local("garbage")
            return
        token = result.show_checking(payload, mode)
        self._ask_server(payload, mode, token)

    def _ask_server(self, payload: str, mode: str, token: int, retried: bool = False) -> None:
        result = self.screen("result")

        def done(scan: ScanResult) -> None:
            if result.token != token:
                # The resident left meanwhile: release a claim nobody will print.
                if scan.claim:
                    self.release_claim(scan.claim.claim_id, "resident left before printing")
                return
            self.route_scan(scan, mode, retried=retried)

        def failed(exc: BaseException) -> None:
            if result.token != token:
                return
            if isinstance(exc, ServerUnreachable):
                result.show_waiting_for_server()
                Clock.schedule_once(lambda _dt: self._retry_scan(payload, mode, token), 3)
            elif isinstance(exc, RateLimited):
                result.show_local("rate_limited")
            elif isinstance(exc, KioskError):
                result.show_error(exc.localized(self.lang))
            else:
                result.show_error(tr("result_garbage", self.lang))

        self.submit(lambda: self.api.scan(payload), done, failed)

    def _retry_scan(self, payload: str, mode: str, token: int) -> None:
        if self.screen("result").token == token and self.sm.current == "result":
            self._ask_server(payload, mode, token, retried=True)

    def route_scan(self, scan: ScanResult, mode: str, *, retried: bool = False) -> None:
        self.event("scan_result", payload_kind=scan.kind, outcome=scan.outcome)
        if scan.outcome == "ready" and scan.claim:
            if mode == "pickup":
                self.show("printing").start(scan.claim, scan.request)
            else:
                self.screen("result").show_scan(scan, can_print=True)
            return
        if scan.outcome == "filed" and scan.pickup_qr:
            self.show("ticket").show_filed(
                code=scan.request.code if scan.request else "",
                title=scan.request.letter_type_title if scan.request else "",
                status_label=scan.request.status_label if scan.request else "",
                pickup_qr=scan.pickup_qr,
                pickup_secret=scan.pickup_secret or "",
                # Our own retry after a lost answer finding its first try filed: that
                # ticket was never shown, so this is the resident's first.
                again=scan.already_filed and not retried,
            )
            return
        self.screen("result").show_scan(scan, can_print=False)

    def release_claim(self, claim_id: str, reason: str) -> None:
        self.submit(lambda: self.outbox.send(self.api, "failed", claim_id, reason), _noop, _noop)

    # ------------------------------------------------------------------ idle and home
    def _touched(self, _window: Any, _touch: Any) -> bool:
        self._last_activity = time.monotonic()
        return False

    def _check_idle(self, _dt: float) -> None:
        if self.sm.current == "home":
            self.idle_left = 0
            return
        if self.sm.current_screen.busy:
            self._last_activity = time.monotonic()
            return
        left = self.kc.idle_timeout - (time.monotonic() - self._last_activity)
        self.idle_left = max(0, int(left))
        if left <= 0:
            self.event("idle_timeout", screen=self.sm.current)
            self.go_home()

    def go_home(self) -> None:
        """Back to the start with nothing personal left on any screen."""
        for name in SCREENS:
            self.screen(name).reset()
        self.wedge.reset()
        self.show("home")
        self._last_activity = time.monotonic()


def _noop(*_args: Any) -> None:
    return None
