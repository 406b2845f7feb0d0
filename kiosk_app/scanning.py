"""Camera frames and keyboard-wedge scanners -> decoded QR payloads.

Three small parts, none of which touches Kivy (the scan screen wires them to the UI):

* ``Decoder`` — one interface over zxing-cpp (default: ``qr_reading``'s ladder of image
  treatments for hard camera frames, see benchmarks/qr_reading.py), a single plain
  zxing-cpp call (``zxing-raw``, for comparison) and pyzbar (kept working as the fallback).
* ``FrameSource`` — an OpenCV camera, a video file, or an image sequence (demo and tests).
* ``ScanWorker`` — a thread that reads frames at a fixed rate, keeps the latest frame for
  the preview, decodes, drops repeats (``Deduper``), and calls back with each new payload.

``KeyboardWedge`` turns the keystrokes of a USB 2D scanner in keyboard mode (a fast burst
of characters ended by Enter) into payloads, so it works beside the camera.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


# --------------------------------------------------------------------------- decoders
class Decoder(Protocol):
    name: str

    def decode(self, image: np.ndarray) -> list[str]:
        """All QR payloads found in a BGR or grayscale frame (empty list if none)."""
        ...


def _gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    import cv2

    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


class ZxingDecoder:
    """zxing-cpp with every treatment the kiosk applies to a still frame, cheap ones first."""

    name = "zxing"

    def __init__(self) -> None:
        from kiosk_app import qr_reading

        self._read = qr_reading.read_hard

    def decode(self, image: np.ndarray) -> list[str]:
        return self._read(np.ascontiguousarray(_gray(image)))


class ZxingRawDecoder:
    """One plain zxing-cpp call: the kiosk's decoder before issue 16, kept for comparison."""

    name = "zxing-raw"

    def __init__(self) -> None:
        import zxingcpp

        self._zx = zxingcpp
        self._formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

    def decode(self, image: np.ndarray) -> list[str]:
        gray = np.ascontiguousarray(_gray(image))
        results = self._zx.read_barcodes(gray, formats=self._formats)
        return [r.text for r in results if r.valid and r.text]


class PyzbarDecoder:
    name = "pyzbar"

    def __init__(self) -> None:
        from pyzbar import pyzbar

        self._decode = pyzbar.decode
        self._symbols = [pyzbar.ZBarSymbol.QRCODE]

    def decode(self, image: np.ndarray) -> list[str]:
        gray = np.ascontiguousarray(_gray(image))
        results = self._decode(gray, symbols=self._symbols)
        return [r.data.decode("utf-8", errors="replace") for r in results if r.data]


DECODERS: dict[str, Callable[[], Decoder]] = {
    "zxing": ZxingDecoder,
    "zxing-raw": ZxingRawDecoder,
    "pyzbar": PyzbarDecoder,
}


def make_decoder(name: str = "zxing") -> Decoder:
    """The named decoder; falls back to the other one if its library cannot load."""
    try:
        return DECODERS[name]()
    except KeyError:
        raise ValueError(f"unknown decoder {name!r}; choose from {sorted(DECODERS)}") from None
    except (ImportError, OSError) as exc:  # pyzbar without libzbar raises ImportError
        other = "zxing" if name == "pyzbar" else "pyzbar"
        log.warning("decoder %s unavailable (%s); using %s", name, exc, other)
        return DECODERS[other]()


# --------------------------------------------------------------------------- sources
class CameraUnavailable(RuntimeError):
    """No camera at that index, or it stopped delivering frames."""


class FrameSource(Protocol):
    def read(self) -> np.ndarray | None:
        """The next BGR frame, or None when the source has nothing right now."""
        ...

    def close(self) -> None: ...


class OpenCVCamera:
    """A V4L2/USB camera through OpenCV."""

    def __init__(self, index: int = 0, width: int = 640, height: int = 480) -> None:
        import cv2

        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            self._cap.release()
            raise CameraUnavailable(f"no camera at index {index}")
        self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)

    def read(self) -> np.ndarray | None:
        ok, frame = self._cap.read()
        if not ok:
            raise CameraUnavailable("camera stopped delivering frames")
        return frame

    def close(self) -> None:
        self._cap.release()


class VideoFileSource:
    """Frames from a video file, looped (the demo's "camera")."""

    def __init__(self, path: str | Path, loop: bool = True) -> None:
        import cv2

        self._cv2 = cv2
        self._path = str(path)
        self._loop = loop
        self._cap = cv2.VideoCapture(self._path)
        if not self._cap.isOpened():
            raise CameraUnavailable(f"cannot open video {path}")

    def read(self) -> np.ndarray | None:
        ok, frame = self._cap.read()
        if not ok and self._loop:
            self._cap.set(self._cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
        return frame if ok else None

    def close(self) -> None:
        self._cap.release()


class ImageSequenceSource:
    """Frames from image files (or arrays), each shown ``repeat`` times, optionally looped.

    ``push()`` adds frames while running: tests hold a QR "in front of the camera" with it.
    """

    def __init__(
        self,
        frames: Iterable[str | Path | np.ndarray] = (),
        *,
        repeat: int = 1,
        loop: bool = False,
        idle_frame: np.ndarray | None = None,
    ) -> None:
        self._frames: list[np.ndarray] = [self._load(f) for f in frames]
        self._repeat = max(1, repeat)
        self._loop = loop
        self._pos = 0
        self._lock = threading.Lock()
        self._idle = idle_frame

    @staticmethod
    def _load(item: str | Path | np.ndarray) -> np.ndarray:
        if isinstance(item, np.ndarray):
            return item
        import cv2

        frame = cv2.imread(str(item), cv2.IMREAD_COLOR)
        if frame is None:
            raise CameraUnavailable(f"cannot read image {item}")
        return frame

    @classmethod
    def from_folder(cls, folder: str | Path, **kw: object) -> ImageSequenceSource:
        files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        return cls(files, **kw)  # type: ignore[arg-type]

    def push(self, frame: str | Path | np.ndarray, repeat: int | None = None) -> None:
        loaded = self._load(frame)
        with self._lock:
            self._frames.extend([loaded] * (repeat or self._repeat))

    def read(self) -> np.ndarray | None:
        with self._lock:
            if not self._frames:
                return self._idle
            if self._loop:
                frame = self._frames[(self._pos // self._repeat) % len(self._frames)]
                self._pos += 1
                return frame
            if self._repeat > 1 and self._pos < self._repeat - 1:
                self._pos += 1
                return self._frames[0]
            self._pos = 0
            return self._frames.pop(0)

    def close(self) -> None:
        with self._lock:
            self._frames.clear()


def open_source(spec: str, width: int = 640, height: int = 480) -> FrameSource | None:
    """A frame source from the config's ``camera.source``; None for "none"/""."""
    spec = spec.strip()
    if spec.lower() in ("", "none", "off"):
        return None
    if spec.isdigit():
        return OpenCVCamera(int(spec), width, height)
    path = Path(spec)
    if path.is_dir():
        return ImageSequenceSource.from_folder(path, repeat=3, loop=True)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSequenceSource([path], loop=True)
    if path.exists():
        return VideoFileSource(path)
    raise CameraUnavailable(f"camera source not found: {spec}")


# --------------------------------------------------------------------------- dedupe
class Deduper:
    """The same payload seen again within ``window`` seconds is the same scan."""

    def __init__(self, window: float = 4.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_new(self, payload: str) -> bool:
        now = self._clock()
        with self._lock:
            # Forget old entries so the dict stays small over days of running.
            for key in [k for k, t in self._seen.items() if now - t > self.window]:
                del self._seen[key]
            last = self._seen.get(payload)
            self._seen[payload] = now  # a code held in front of the camera keeps extending
            return last is None

    def forget(self) -> None:
        with self._lock:
            self._seen.clear()


# --------------------------------------------------------------------------- worker
PayloadCallback = Callable[[str, str], None]  # (payload, source: "camera" | "keyboard")


class ScanWorker:
    """Reads a frame source at ``fps`` in a thread; decodes; reports new payloads.

    Callbacks run on the worker thread: the UI side hands them to the main thread.
    """

    def __init__(
        self,
        source: FrameSource,
        decoder: Decoder,
        on_payload: PayloadCallback,
        *,
        deduper: Deduper | None = None,
        fps: float = 8.0,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self.source = source
        self.decoder = decoder
        self.on_payload = on_payload
        self.on_error = on_error
        self.deduper = deduper or Deduper()
        self.interval = 1.0 / fps
        self._latest: np.ndarray | None = None
        self._frame_seq = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._active = threading.Event()
        self._thread: threading.Thread | None = None
        self.decode_times: list[float] = []  # last few, for the benchmark and diagnostics
        self.failed: Exception | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="scan-worker", daemon=True)
            self._thread.start()

    def resume(self) -> None:
        """Start decoding (the scan screen is showing)."""
        self._active.set()

    def pause(self) -> None:
        """Stop decoding and reading frames (another screen is showing)."""
        self._active.clear()

    @property
    def active(self) -> bool:
        return self._active.is_set()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._active.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.source.close()

    def latest_frame(self) -> tuple[int, np.ndarray | None]:
        with self._lock:
            return self._frame_seq, self._latest

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._active.wait(0.5):
                continue
            started = time.monotonic()
            try:
                self.step()
            except Exception as exc:  # a camera unplugged must not kill the kiosk
                self.failed = exc
                log.warning("scan worker stopped: %s", exc)
                self._active.clear()
                if self.on_error:
                    self.on_error(exc)
                continue
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def step(self) -> list[str]:
        """Read and decode one frame; return the new payloads it held."""
        frame = self.source.read()
        if frame is None:
            return []
        with self._lock:
            self._latest = frame
            self._frame_seq += 1
        t0 = time.perf_counter()
        payloads = self.decoder.decode(frame)
        self.decode_times.append(time.perf_counter() - t0)
        del self.decode_times[:-50]
        fresh = [p for p in payloads if self.deduper.is_new(p)]
        for payload in fresh:
            if self._active.is_set():
                self.on_payload(payload, "camera")
        return fresh


# --------------------------------------------------------------------------- wedge
class KeyboardWedge:
    """Collects a USB scanner's keystroke burst; returns the payload on Enter.

    Scanners type far faster than people; a pause longer than ``max_gap`` starts a new
    burst, so stray key presses are not glued onto a later scan.
    """

    def __init__(
        self,
        *,
        max_gap: float = 0.25,
        min_length: int = 6,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_gap = max_gap
        self.min_length = min_length
        self._clock = clock
        self._buf: list[str] = []
        self._last = 0.0

    def feed_text(self, text: str) -> None:
        now = self._clock()
        if self._buf and now - self._last > self.max_gap:
            self._buf.clear()
        self._buf.append(text)
        self._last = now

    def feed_enter(self) -> str | None:
        now = self._clock()
        text = "".join(self._buf)
        fresh = bool(self._buf) and now - self._last <= self.max_gap
        self._buf.clear()
        if fresh and len(text.strip()) >= self.min_length:
            return text.strip()
        return None

    def reset(self) -> None:
        self._buf.clear()


def decode_all(decoder: Decoder, frames: Sequence[np.ndarray]) -> list[list[str]]:
    return [decoder.decode(f) for f in frames]
