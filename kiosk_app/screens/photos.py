"""After filing at the kiosk: the camera takes photos of the required documents.

The resident holds a document up to the camera and touches its name; the frame the
camera shows then is sent as a JPEG (`api.put_document`) with the secret of the ticket
just printed. Each photo has its own key, so a photo re-sent after the LAN dropped is
stored once. The server re-encodes it and keeps it for the operators only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk_app.api_client import KioskError, ServerUnreachable, new_idempotency_key
from kiosk_app.i18n import tr
from kiosk_app.screens import KioskScreen
from kiosk_app.screens.scan import show_frame
from kiosk_app.widgets import BigButton

# The server keeps at most 1600 px a side; a webcam frame is usually far smaller.
LONG_SIDE = 1600
JPEG_QUALITY = 85
RETRY_SECONDS = 3


def frame_jpeg(frame: np.ndarray) -> bytes:
    """A camera frame (BGR or grey) as JPEG bytes, shrunk to LONG_SIDE."""
    import cv2

    h, w = frame.shape[:2]
    scale = LONG_SIDE / max(h, w)
    if scale < 1:
        frame = cv2.resize(
            frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA
        )
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("the frame could not be encoded")
    return bytes(data)


class PhotosScreen(KioskScreen):
    code = StringProperty("")
    kinds = ListProperty([])
    counts = ListProperty([])
    status = StringProperty("")
    sending = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._secret = ""
        self._preview_ev: Any = None
        self._shown_seq = -1
        self._texture: Any = None
        self._retry_ev: Any = None

    def start(self, code: str, pickup_secret: str) -> None:
        self.code, self._secret = code, pickup_secret
        self.kinds, self.counts = [], []
        self.status = tr("photos_loading", self.app.lang)
        api = self.app.api
        self.app.submit(
            lambda: api.document_kinds(code, pickup_secret), self._kinds_loaded, self._failed
        )

    def _kinds_loaded(self, kinds: list[str]) -> None:
        if not self.code:
            return
        self.kinds, self.counts = kinds, [0] * len(kinds)
        self.status = ""
        self._build_buttons()

    def _build_buttons(self) -> None:
        box = self.ids.kinds
        box.clear_widgets()
        for index, kind in enumerate(self.kinds):
            count = self.counts[index]
            button = BigButton(
                # The kiosk font has no check mark: the count in words.
                text=tr("photos_count", self.app.lang, kind=kind, n=count) if count else kind,
                tone="secondary",
                font_size="24sp",
                size_hint_y=None,
                height=dp(76),
                disabled=self.sending,
            )
            button.kind_index = index
            button.bind(on_release=lambda b: self.capture(b.kind_index))
            box.add_widget(button)

    def on_sending(self, *_args: Any) -> None:
        for button in self.ids.kinds.children:
            button.disabled = self.sending

    def on_enter(self, *_args: Any) -> None:
        scanner = self.app.scanner
        if scanner is not None and self.app.camera_available:
            scanner.resume()
            self._preview_ev = Clock.schedule_interval(self._update_preview, 1 / 10)

    def on_leave(self, *_args: Any) -> None:
        if self.app.scanner is not None:
            self.app.scanner.pause()
        if self._preview_ev is not None:
            self._preview_ev.cancel()
            self._preview_ev = None
        self.ids.preview.texture = None
        self._shown_seq = -1

    def _update_preview(self, _dt: float) -> None:
        seq, frame = self.app.scanner.latest_frame()
        if frame is None or seq == self._shown_seq:
            return
        self._shown_seq = seq
        self._texture = show_frame(self.ids.preview, frame, self._texture)

    def capture(self, index: int) -> None:
        scanner = self.app.scanner
        frame = scanner.latest_frame()[1] if scanner is not None else None
        if frame is None:
            self.status = tr("photos_no_frame", self.app.lang)
            return
        self._send(index, frame.copy(), new_idempotency_key())

    def _send(self, index: int, frame: np.ndarray, key: str) -> None:
        self._retry_ev = None
        self.sending = self.busy = True
        self.status = tr("photos_sending", self.app.lang)
        api, code, secret = self.app.api, self.code, self._secret

        def call() -> bool:
            return bool(api.put_document(code, secret, key=key, kind=index, jpeg=frame_jpeg(frame)))

        self.app.submit(
            call,
            lambda _created: self._sent(code, index),
            lambda exc: self._failed(exc, lambda: self._send(index, frame, key), code),
        )

    def _sent(self, code: str, index: int) -> None:
        if code != self.code:
            return
        self.sending = self.busy = False
        counts = list(self.counts)
        counts[index] += 1
        self.counts = counts
        self.status = tr("photos_sent", self.app.lang, kind=self.kinds[index])
        self.app.event("document_photo", kind=index)
        self._build_buttons()

    def _failed(self, exc: BaseException, again: Any = None, code: str | None = None) -> None:
        if code is not None and code != self.code:
            return
        lang = self.app.lang
        if isinstance(exc, ServerUnreachable) and again is not None:
            # The same photo under the same key: the server keeps it once.
            self.status = tr("server_offline", lang)
            self._retry_ev = Clock.schedule_once(lambda _dt: again(), RETRY_SECONDS)
            return
        self.sending = self.busy = False
        self.status = exc.localized(lang) if isinstance(exc, KioskError) else str(exc)

    def reset(self) -> None:
        super().reset()
        if self._retry_ev is not None:
            self._retry_ev.cancel()
            self._retry_ev = None
        self.code, self._secret, self.status = "", "", ""
        self.kinds, self.counts = [], []
        self.sending = False
        self.ids.kinds.clear_widgets()
