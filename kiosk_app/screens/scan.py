"""Scan: live camera preview with a guide frame; the USB scanner and "type the code" work too.

Decoding runs in the App's ScanWorker thread; this screen only shows the latest frame
(a few times a second) and tells the worker when to run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import OptionProperty

from kiosk_app.screens import KioskScreen


def show_frame(image: Any, frame: np.ndarray, texture: Texture | None) -> Texture:
    """A camera frame on an Image widget; returns the texture to reuse for the next one."""
    if frame.ndim == 2:
        frame = np.repeat(frame[:, :, None], 3, axis=2)
    h, w = frame.shape[:2]
    if texture is None or texture.size != (w, h):
        texture = Texture.create(size=(w, h), colorfmt="bgr")
    # Kivy textures start at the bottom; mirror left-right like a selfie camera.
    buf = np.ascontiguousarray(frame[::-1, ::-1]).tobytes()
    texture.blit_buffer(buf, colorfmt="bgr", bufferfmt="ubyte")
    image.texture = texture
    image.canvas.ask_update()
    return texture


class ScanScreen(KioskScreen):
    mode = OptionProperty("pickup", options=["pickup", "status"])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._preview_ev: Any = None
        self._shown_seq = -1
        self._texture: Texture | None = None

    def start(self, mode: str) -> None:
        self.mode = mode

    def on_enter(self, *_args: Any) -> None:
        # A new scanning session: a code checked a moment ago (Cek Status, then Ambil Surat)
        # must be readable again, even if the resident never lowered the phone.
        self.app.deduper.forget()
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
        # Nothing from the camera stays on screen once the resident moved on.
        self.ids.preview.texture = None
        self._shown_seq = -1

    def _update_preview(self, _dt: float) -> None:
        scanner = self.app.scanner
        if scanner is None:
            return
        seq, frame = scanner.latest_frame()
        if frame is None or seq == self._shown_seq:
            return
        self._shown_seq = seq
        self._texture = show_frame(self.ids.preview, frame, self._texture)

    def type_code(self) -> None:
        self.app.show("entry").start(self.mode)

    def reset(self) -> None:
        super().reset()
        self.mode = "pickup"
