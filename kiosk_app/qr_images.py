"""Synthetic camera frames holding a QR code: on a phone screen, on paper, tilted, blurred.

Used by the demo's image-sequence camera, by the tests and by the decoder benchmark, so
all three judge the decoders on the same kinds of pictures.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def qr_gray(payload: str, box_size: int = 6, border: int = 4) -> np.ndarray:
    """A clean QR code as a grayscale array (0 = black)."""
    import qrcode

    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border
    )
    qr.add_data(payload)
    qr.make(fit=True)
    img = qr.make_image(fill_color="black", back_color="white").convert("L")
    return np.array(img, dtype=np.uint8)


def _canvas(width: int, height: int, shade: int, rng: np.random.Generator) -> np.ndarray:
    base = np.full((height, width, 3), shade, dtype=np.uint8)
    noise = rng.normal(0, 6, base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def _place(frame: np.ndarray, patch: np.ndarray, cx: int, cy: int) -> np.ndarray:
    h, w = patch.shape[:2]
    y0, x0 = max(0, cy - h // 2), max(0, cx - w // 2)
    y1, x1 = min(frame.shape[0], y0 + h), min(frame.shape[1], x0 + w)
    frame[y0:y1, x0:x1] = patch[: y1 - y0, : x1 - x0]
    return frame


def _bgr(gray: np.ndarray) -> np.ndarray:
    return np.repeat(gray[:, :, None], 3, axis=2)


def on_paper(payload: str, size: tuple[int, int] = (640, 480), seed: int = 0) -> np.ndarray:
    """Printed on a receipt held flat under office light: slightly grey, soft, noisy."""
    import cv2

    rng = np.random.default_rng(seed)
    frame = _canvas(*size, shade=90, rng=rng)
    qr = qr_gray(payload, box_size=4)
    qr = cv2.resize(qr, None, fx=1.1, fy=1.1, interpolation=cv2.INTER_LINEAR)
    paper = np.where(qr > 128, 225, 40).astype(np.uint8)
    patch = _bgr(paper)
    frame = _place(frame, patch, size[0] // 2, size[1] // 2)
    frame = cv2.GaussianBlur(frame, (3, 3), 0.8)
    return np.clip(frame + rng.normal(0, 5, frame.shape), 0, 255).astype(np.uint8)


def on_phone(payload: str, size: tuple[int, int] = (640, 480), seed: int = 1) -> np.ndarray:
    """Shown on a phone held up to the camera: bright screen, dark bezel, glare gradient."""
    import cv2

    rng = np.random.default_rng(seed)
    frame = _canvas(*size, shade=120, rng=rng)
    qr = qr_gray(payload, box_size=4)
    screen = np.where(qr > 128, 250, 20).astype(np.uint8)
    h, w = screen.shape
    phone = np.full((int(h * 1.7), w + 30), 15, dtype=np.uint8)
    oy, ox = (phone.shape[0] - h) // 2, 15
    phone[oy : oy + h, ox : ox + w] = screen
    glare = np.linspace(0, 45, phone.shape[1], dtype=np.float32)[None, :]
    phone = np.clip(phone.astype(np.float32) + glare, 0, 255).astype(np.uint8)
    scale = min(1.0, (size[1] - 10) / phone.shape[0])
    phone = cv2.resize(phone, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    frame = _place(frame, _bgr(phone), size[0] // 2, size[1] // 2)
    return np.clip(frame + rng.normal(0, 4, frame.shape), 0, 255).astype(np.uint8)


def tilted(
    payload: str, angle: float = 25.0, size: tuple[int, int] = (640, 480), seed: int = 2
) -> np.ndarray:
    """A receipt held at an angle, with some perspective."""
    import cv2

    frame = on_paper(payload, size, seed)
    h, w = frame.shape[:2]
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 0.9)
    frame = cv2.warpAffine(frame, rot, (w, h), borderValue=(90, 90, 90))
    d = 0.06
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    dst = np.array(
        [[w * d, h * d], [w * (1 - d / 2), 0], [w, h], [0, h * (1 - d)]], dtype=np.float32
    )
    return cv2.warpPerspective(frame, cv2.getPerspectiveTransform(src, dst), (w, h))


def blurred(
    payload: str, sigma: float = 1.6, size: tuple[int, int] = (640, 480), seed: int = 3
) -> np.ndarray:
    """Out of focus (the resident held it too close)."""
    import cv2

    return cv2.GaussianBlur(on_phone(payload, size, seed), (0, 0), sigma)


def dim(payload: str, size: tuple[int, int] = (640, 480), seed: int = 4) -> np.ndarray:
    """Low light and low contrast, with sensor noise."""
    rng = np.random.default_rng(seed)
    frame = on_paper(payload, size, seed).astype(np.float32) * 0.45 + 20
    return np.clip(frame + rng.normal(0, 8, frame.shape), 0, 255).astype(np.uint8)


def empty_frame(size: tuple[int, int] = (640, 480), seed: int = 5) -> np.ndarray:
    """The hall with nothing in front of the camera."""
    return _canvas(*size, shade=110, rng=np.random.default_rng(seed))


VARIANTS: dict[str, Callable[[str], np.ndarray]] = {
    "phone": on_phone,
    "paper": on_paper,
    "tilted": tilted,
    "blurred": blurred,
    "dim": dim,
}


def dark_mode(payload: str, seed: int = 6) -> np.ndarray:
    """A phone in dark mode: light modules on a dark screen."""
    return (255 - on_phone(payload, seed=seed)).astype(np.uint8)


def glare(payload: str, seed: int = 7) -> np.ndarray:
    """A ceiling lamp reflected on the phone screen, over part of the code."""
    frame = on_phone(payload, seed=seed).astype(np.float32)
    h, w = frame.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    spot = np.exp(-((xx - w * 0.52) ** 2 + (yy - h * 0.48) ** 2) / (2 * 40.0**2)) * 200
    return np.clip(frame + spot[..., None], 0, 255).astype(np.uint8)


def noisy(payload: str, sigma: float = 40.0, seed: int = 8) -> np.ndarray:
    """A cheap webcam's sensor noise in a dim hall."""
    frame = on_paper(payload).astype(np.float32)
    rng = np.random.default_rng(seed)
    return np.clip(frame + rng.normal(0, sigma, frame.shape), 0, 255).astype(np.uint8)


def motion(payload: str, length: int = 9) -> np.ndarray:
    """The hand moved while the frame was taken."""
    import cv2

    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1 / length
    return cv2.filter2D(on_phone(payload), -1, kernel)


def jpeg(payload: str, quality: int = 5) -> np.ndarray:
    """A camera that compresses hard (MJPEG over a slow USB hub)."""
    import cv2

    _, enc = cv2.imencode(".jpg", on_phone(payload), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return np.asarray(cv2.imdecode(enc, cv2.IMREAD_COLOR), dtype=np.uint8)


# Harder frames for choosing the decoder (benchmarks/kiosk.py): some defeat both decoders.
HARD_VARIANTS: dict[str, Callable[[str], np.ndarray]] = {
    "dark_mode": dark_mode,
    "glare": glare,
    "noise40": noisy,
    "noise50": lambda p: noisy(p, 50.0),
    "tilt60": lambda p: tilted(p, 60.0),
    "jpeg5": jpeg,
    "blur2.0": lambda p: blurred(p, 2.0),
    "motion9": motion,
}


def write_demo_frames(folder: str, payloads: list[str], hold: int = 6, gap: int = 12) -> int:
    """An image-sequence "camera" for the demo: each code held up for a moment, then nothing.

    ``loket kiosk --camera FOLDER`` plays it in a loop.
    """
    from pathlib import Path

    import cv2

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for payload in payloads:
        out_of_focus = blurred(payload, sigma=3.5)
        for frame in [out_of_focus] * (hold // 2) + [on_phone(payload)] * (hold - hold // 2):
            cv2.imwrite(str(out / f"{n:05d}.png"), frame)
            n += 1
        for _ in range(gap):
            cv2.imwrite(str(out / f"{n:05d}.png"), empty_frame(seed=n))
            n += 1
    return n


if __name__ == "__main__":
    import sys

    if len(sys.argv) < 3:
        print("usage: python -m kiosk_app.qr_images FOLDER PAYLOAD [PAYLOAD ...]")
        raise SystemExit(2)
    print(f"wrote {write_demo_frames(sys.argv[1], sys.argv[2:])} frames to {sys.argv[1]}")
