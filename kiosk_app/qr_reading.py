"""Reading a QR code out of a hard camera frame: cheap attempts first, costly ones after.

A kiosk webcam sees codes on glaring phone screens, faded thermal receipts, held too far,
moving, in a dim hall, half under a thumb or out of focus. zxing-cpp alone reads the easy
ones in well under a millisecond; for the rest, ``read_hard`` tries a fixed ladder of
image treatments, each run only when everything before it failed. The ladder and its
order were chosen on a seeded set of generated frames (tests/support/camera_frames.py,
``benchmarks/qr_reading.py``) and checked on a held-out set made with another seed.

The costly rungs work on crops: ``candidate_regions`` finds where a code may be (a
symbol zxing located but could not decode, OpenCV's finder-pattern detector, dense edges
in a half-size picture), and each crop is scaled so its modules are a few pixels wide
before it is sharpened or thresholded. The likeliest crop is also deblurred, by what its
blur looks like: a one-way smear (a moving hand) has its direction and length measured
and undone with a Wiener filter, then with the neighbouring kernels if that misses; an
even blur (out of focus) is undone for two radii.

Every rung is a plain function of the frame: the worker thread that calls ``read_hard``
is the only user of the module's one OpenCV detector.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

_QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
_B = zxingcpp.Binarizer
# A crop is scaled to this many pixels across before its treatments: modules of the
# pickup symbol (41 modules with the quiet zone) then come out 5 to 8 pixels wide.
_CROP_SIDE = 300
_MAX_REGIONS = 2
_NATIVE_MAX = 256  # most pixels across a crop that is deblurred (an FFT's cost)


def _zx(image: np.ndarray, binarizer: zxingcpp.Binarizer = _B.LocalAverage) -> list[str]:
    results = zxingcpp.read_barcodes(
        np.ascontiguousarray(image),
        formats=_QR,
        try_rotate=False,  # QR finder patterns work at any angle; rotation is for 1-D codes
        try_invert=False,  # one rung of its own, so the common case pays nothing for it
        binarizer=binarizer,
    )
    return [r.text for r in results if r.valid and r.text]


def _unsharp(gray: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    blurred = cv2.GaussianBlur(gray, (0, 0), sigma)
    return cv2.addWeighted(gray, 1 + amount, blurred, -amount, 0)


_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))


# --------------------------------------------------------------------------- regions
@dataclass(frozen=True)
class Region:
    x0: int
    y0: int
    x1: int
    y1: int


def _errored_regions(gray: np.ndarray) -> list[Region]:
    """Symbols zxing located but could not decode: the best place to look harder."""
    found = zxingcpp.read_barcodes(
        gray, formats=_QR, try_rotate=False, try_invert=False, return_errors=True
    )
    out = []
    for r in found:
        p = r.position
        xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
        ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
        out.append(Region(min(xs), min(ys), max(xs), max(ys)))
    return out


def _textured_regions(gray: np.ndarray) -> list[Region]:
    """Blobs of dense edges in a half-size picture, most edges first.

    A code is edges in every direction packed tightly; a phone's bezel or a line of
    print is edges along one line. Gradient energy averaged over a module-sized window,
    kept where it is well above the frame's own, marks the code and little else.
    """
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    # Both directions at once: the smaller of the two smoothed energies.
    ex = cv2.blur(np.abs(gx), (9, 9))
    ey = cv2.blur(np.abs(gy), (9, 9))
    energy = np.minimum(ex, ey)
    level = max(float(energy.mean() + 1.0 * energy.std()), 3.0)
    dense = (energy > level).astype(np.uint8)
    closed = cv2.morphologyEx(dense, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed)
    boxes = []
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        if area < 60 or max(w, h) > 3 * min(w, h):
            continue
        weight = float(energy[y : y + h, x : x + w].sum())
        boxes.append((weight, Region(x * 2, y * 2, (x + w) * 2, (y + h) * 2)))
    boxes.sort(key=lambda b: -b[0])
    return [b for _, b in boxes]


_FINDER = cv2.QRCodeDetectorAruco()


def _finder_regions(gray: np.ndarray) -> list[Region]:
    """Where OpenCV's finder-pattern detector puts a code: it finds small, far ones."""
    ok, points = _FINDER.detect(gray)
    if not ok or points is None:
        return []
    pts = points.reshape(-1, 2)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return [Region(int(x0), int(y0), int(x1), int(y1))]


def candidate_regions(gray: np.ndarray) -> list[Region]:
    """Where a code may be, likeliest first, at most _MAX_REGIONS that do not overlap."""
    regions = _errored_regions(gray) + _finder_regions(gray) + _textured_regions(gray)
    picked: list[Region] = []
    for r in regions:
        if all(_overlap(r, p) < 0.5 for p in picked):
            picked.append(r)
        if len(picked) == _MAX_REGIONS:
            break
    return picked


def _overlap(a: Region, b: Region) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0))
    return w * h / max(smaller, 1)


@dataclass(frozen=True)
class Crop:
    native: np.ndarray  # the frame's own pixels (deblurring needs the blur as it was)
    scaled: np.ndarray  # about _CROP_SIDE across (thresholds need modules a few px wide)


def crop(gray: np.ndarray, region: Region, side: int = _CROP_SIDE) -> Crop:
    """The region with a margin for the quiet zone, as it is and scaled to ``side``."""
    w, h = region.x1 - region.x0, region.y1 - region.y0
    size = max(w, h) * 1.35 + 16
    cx, cy = (region.x0 + region.x1) / 2, (region.y0 + region.y1) / 2
    x0, y0 = int(max(0, cx - size / 2)), int(max(0, cy - size / 2))
    x1, y1 = int(min(gray.shape[1], cx + size / 2)), int(min(gray.shape[0], cy + size / 2))
    part = np.ascontiguousarray(gray[y0:y1, x0:x1])
    scale = side / max(1, max(part.shape))
    interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    scaled = cv2.resize(part, None, fx=scale, fy=scale, interpolation=interp)
    if max(part.shape) > _NATIVE_MAX:
        # A big code has big modules: halving it keeps them wide and the FFTs cheap.
        shrink = _NATIVE_MAX / max(part.shape)
        part = cv2.resize(part, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    return Crop(part, scaled)


# --------------------------------------------------------------------------- ladder
Rung = tuple[str, Callable[[np.ndarray], list[str]]]
CropRung = tuple[str, Callable[[Crop], list[str]]]


def _adaptive(image: np.ndarray, block: int, c: int = 4) -> np.ndarray:
    return cv2.adaptiveThreshold(
        image, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, c
    )


def whole_frame_rungs() -> list[Rung]:
    """Attempts on the whole frame, cheapest first."""
    return [
        ("plain", lambda g: _zx(g)),
        ("sharpened", lambda g: _zx(_unsharp(g, 2.0, 1.5))),
        ("smoothed", lambda g: _zx(cv2.GaussianBlur(g, (0, 0), 1.2))),
        ("global threshold", lambda g: _zx(g, _B.GlobalHistogram)),
        ("inverted", lambda g: _zx(255 - g)),  # dark-mode screens
    ]


@dataclass(frozen=True)
class Blurred:
    """A crop's spectrum, taken once for every blur kernel tried on it."""

    spectrum: np.ndarray  # OpenCV's two-channel DFT of the padded crop
    shape: tuple[int, int]  # the crop's own height and width


_PAD = 16  # reflected border: no ringing from the crop's edges


def blurred(image: np.ndarray) -> Blurred:
    h0, w0 = image.shape
    h, w = cv2.getOptimalDFTSize(h0 + 2 * _PAD), cv2.getOptimalDFTSize(w0 + 2 * _PAD)
    padded = cv2.copyMakeBorder(
        image, _PAD, h - h0 - _PAD, _PAD, w - w0 - _PAD, cv2.BORDER_REFLECT
    ).astype(np.float32)
    return Blurred(cv2.dft(padded, flags=cv2.DFT_COMPLEX_OUTPUT), (h0, w0))


def _wiener(image: Blurred, kernel: np.ndarray, nsr: float) -> np.ndarray:
    """Undo a known blur (motion or defocus) as far as the noise allows."""
    h, w = image.spectrum.shape[:2]
    psf = np.zeros((h, w), np.float32)
    kh, kw = kernel.shape
    psf[:kh, :kw] = kernel
    psf = np.roll(psf, (-(kh // 2), -(kw // 2)), axis=(0, 1))
    k = cv2.dft(psf, flags=cv2.DFT_COMPLEX_OUTPUT)
    # G * conj(K) / (|K|^2 + nsr), spelled out on OpenCV's two-channel spectra.
    kr, ki = k[..., 0], k[..., 1]
    gr, gi = image.spectrum[..., 0], image.spectrum[..., 1]
    denominator = kr * kr + ki * ki + nsr
    spectrum = np.dstack(((gr * kr + gi * ki) / denominator, (gi * kr - gr * ki) / denominator))
    restored = cv2.idft(spectrum, flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    h0, w0 = image.shape
    return np.clip(restored[_PAD : _PAD + h0, _PAD : _PAD + w0], 0, 255).astype(np.uint8)


def line_kernel(length: float, angle: float) -> np.ndarray:
    """A straight motion blur of ``length`` pixels along ``angle`` (radians)."""
    size = int(np.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    dx, dy = np.cos(angle), np.sin(angle)
    for t in np.linspace(-length / 2, length / 2, int(length * 3) + 1):
        kernel[round(c + t * dy), round(c + t * dx)] += 1
    return kernel / kernel.sum()


def disk_kernel(radius: float) -> np.ndarray:
    """An out-of-focus blur: a lens's circle of confusion of ``radius`` pixels."""
    r = int(np.ceil(radius))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    kernel = np.clip(radius + 0.5 - np.sqrt(xx**2 + yy**2), 0, 1).astype(np.float32)
    return kernel / kernel.sum()


def _tensor(gx: np.ndarray, gy: np.ndarray) -> tuple[float, float]:
    """The structure tensor's weaker axis (radians) and its weaker-to-stronger ratio."""
    jxx, jyy, jxy = float((gx * gx).sum()), float((gy * gy).sum()), float((gx * gy).sum())
    strongest = 0.5 * np.arctan2(2 * jxy, jxx - jyy)
    root = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2)
    ratio = (jxx + jyy - root) / max(jxx + jyy + root, 1e-6)
    return float(strongest + np.pi / 2), float(ratio)


def blur_direction(image: np.ndarray) -> tuple[float, float]:
    """The direction a motion blur smeared (radians) and how one-sided the edges are.

    Motion weakens edges across its direction only: the structure tensor's weaker axis.
    The direction comes from plain pixel differences: smoothing first (or Sobel's own
    smoothing) adds an even blur that hides a short smear's direction, up to 70 degrees
    off on the tuning frames against 12 without. The ratio, which sorts smeared crops
    from evenly blurred ones, keeps the smoothed gradients its thresholds were set on.
    """
    level = image.astype(np.float32)
    angle, _ = _tensor(
        cv2.Sobel(level, cv2.CV_32F, 1, 0, ksize=1), cv2.Sobel(level, cv2.CV_32F, 0, 1, ksize=1)
    )
    small = cv2.GaussianBlur(image, (0, 0), 1.0).astype(np.float32)
    _, ratio = _tensor(cv2.Sobel(small, cv2.CV_32F, 1, 0), cv2.Sobel(small, cv2.CV_32F, 0, 1))
    return angle, ratio


def blur_length(image: np.ndarray, angle: float) -> float:
    """How far (pixels) a motion blur along ``angle`` smeared.

    Turned so the blur runs along the rows, a box blur's derivative is a pair of opposite
    steps ``length`` apart: its autocorrelation is most negative at that lag. A parabola
    through the dip and its neighbours gives the fraction of a pixel: half a pixel off
    is often the difference between a read and a miss.
    """
    h, w = image.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), float(np.degrees(angle)), 1.0)
    level = cv2.warpAffine(image.astype(np.float32), turn, (w, h), borderMode=cv2.BORDER_REFLECT)
    dx = np.diff(level, axis=1)[h // 6 : -(h // 6) or None, w // 6 : -(w // 6) or None]
    spectrum = np.fft.rfft(dx, n=2 * dx.shape[1], axis=1)
    autocorrelation = np.fft.irfft(spectrum * np.conj(spectrum), axis=1).sum(axis=0)
    lag = int(np.argmin(autocorrelation[2:18])) + 2
    before, at, after = autocorrelation[lag - 1 : lag + 2]
    curvature = before - 2 * at + after
    if curvature <= 0:
        return float(lag)
    return lag + float(np.clip(0.5 * (before - after) / curvature, -0.5, 0.5))


def _upscaled(image: np.ndarray, side: int = 240) -> np.ndarray:
    factor = max(1.0, side / max(image.shape))
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def _middle(part: np.ndarray) -> np.ndarray:
    # Where the code is: a phone's edge or the print beside a receipt's code has edges of
    # its own that would pull a blur estimate.
    h, w = part.shape
    return part[h // 6 : h - h // 6, w // 6 : w - w // 6]


def _kernel_guesses(length: float, angle: float) -> Iterator[tuple[float, float]]:
    """Blur kernels to try, likeliest first: the measured one, then its neighbours.

    On the development frames the length comes out within 0.75 px and the direction
    within 6 degrees nine times in ten; a Wiener filter is sharp enough that either
    error loses a read, so the neighbours cover them. Five kernels at most: a hard cap
    on a failing frame's cost (one spectrum, five inverse transforms).
    """
    yield length, angle
    yield length - _STEP, angle
    yield length + _STEP, angle
    for turn in (_TURN, -_TURN):
        yield length, angle + turn


_TURN = np.deg2rad(7)
_STEP = 0.7


def _restored_views(restored: np.ndarray) -> Iterator[np.ndarray]:
    """Ways to show zxing a deblurred crop: its modules at two sizes, then thresholded.

    Deconvolution leaves ringing a pixel or two wide; whether zxing reads through it
    depends on the module size, so a second, larger scale rescues misses (a receipt's
    crop holds its print too, which leaves the symbol's modules small). Smoothed and
    thresholded over a few modules, the ringing's light and dark bands average out.
    """
    small = _upscaled(restored, 240)
    yield small
    # What the filter leaves soft at the module edges, a light sharpening restores.
    yield _unsharp(small, 2.0, 1.0)
    large = _upscaled(restored, 400)
    yield large
    yield _adaptive(cv2.GaussianBlur(large, (0, 0), 1.5), 41, 2)


def _deblur_motion(part: np.ndarray, angle: float) -> list[str]:
    length = blur_length(_middle(part), angle)
    spectrum = blurred(part)
    for guess, direction in _kernel_guesses(length, angle):
        restored = _wiener(spectrum, line_kernel(guess, direction), 0.01)
        for view in _restored_views(restored):
            if found := _zx(view):
                return found
    return []


def _deblur_focus(part: np.ndarray) -> list[str]:
    spectrum = blurred(part)
    for radius in (3.0, 4.5):
        restored = _wiener(spectrum, disk_kernel(radius), 0.01)
        if found := _zx(_upscaled(restored)):
            return found
    return []


# Below this ratio of the weaker to the stronger gradient axis, a crop is smeared one
# way (a moving hand); above the second, it is blurred evenly (focus, noise). Measured on
# the tuning set: moving codes 0.19-0.73, all other kinds 0.75-0.99.
_SMEARED = 0.76
_EVEN = 0.6


def crop_rungs() -> list[CropRung]:
    """Attempts on one crop that only need the pixels, cheapest first."""
    return [
        ("crop", lambda c: _zx(c.scaled)),
        ("crop sharpened", lambda c: _zx(_unsharp(c.scaled, 3.0, 2.5))),
        (
            "crop sharp threshold",
            lambda c: _zx(_adaptive(_unsharp(c.scaled, 3.0, 2.5), 41), _B.BoolCast),
        ),
        ("crop contrast", lambda c: _zx(_CLAHE.apply(c.scaled))),
        ("crop smoothed", lambda c: _zx(cv2.GaussianBlur(c.scaled, (0, 0), 2.0))),
        ("crop global", lambda c: _zx(c.scaled, _B.GlobalHistogram)),
        (
            "crop threshold",
            lambda c: _zx(_adaptive(cv2.GaussianBlur(c.scaled, (0, 0), 1.5), 31), _B.BoolCast),
        ),
    ]


def _motion_rung(part: Crop, *, angle: float) -> list[str]:
    return _deblur_motion(part.native, angle)


def _focus_rung(part: Crop) -> list[str]:
    return _deblur_focus(part.native)


def _crop_order(part: Crop, *, likeliest: bool) -> list[CropRung]:
    """The crop's attempts; the costly deblurring ones (FFTs) only for the likeliest
    region, and only those its blur calls for."""
    rungs = crop_rungs()
    if not likeliest:
        return rungs
    angle, ratio = blur_direction(_middle(part.native))
    if ratio < _SMEARED:
        # A smeared code gains nothing from thresholds: undo the smear first.
        rungs.insert(1, ("crop motion deblur", functools.partial(_motion_rung, angle=angle)))
    if ratio > _EVEN:
        rungs.append(("crop focus deblur", _focus_rung))
    return rungs


Attempt = tuple[str, Callable[[], list[str]]]


def attempts(gray: np.ndarray) -> Iterator[Attempt]:
    """Every attempt in order, lazily (regions are found only if the cheap ones failed)."""
    for name, rung in whole_frame_rungs():
        yield name, functools.partial(rung, gray)
    for n, region in enumerate(candidate_regions(gray)):
        part = crop(gray, region)
        for crop_name, crop_rung in _crop_order(part, likeliest=n == 0):
            yield crop_name, functools.partial(crop_rung, part)


def read_hard(gray: np.ndarray) -> list[str]:
    """What the first successful attempt reads (an empty list when none does)."""
    for _name, attempt in attempts(gray):
        if found := attempt():
            return found
    return []
