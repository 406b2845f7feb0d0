"""Hard camera frames of the project's own QR codes, made reproducibly from a seed.

Each frame is what a kiosk's 640x480 webcam (OpenCV BGR) sees when a resident holds up a
code: a symbol *as the project renders it* (the phone page's QR, the receipt the ESC/POS
path prints, read back through the emulator's decoder, the letter's PDF rasterised) placed
in the scene with a camera model (distance in px per mm, perspective, lighting), then
degraded the way that kind of picture is. The same seed gives the same frames, so a set
to tune on (``TUNE_SEED``) and a held-out set (``HELD_OUT_SEED``) stay apart.

    frames = frame_set(TUNE_SEED)            # 13 kinds x 12 frames
    frames = frame_set(HELD_OUT_SEED, kinds=("motion",), per_kind=4)

``symbol`` chooses what is rendered: ``None`` is what the project prints today; a
``SymbolStyle`` renders the same physical sizes with another error-correction level or
secret length (``benchmarks/qr_reading.py --styles`` measures the choice with it).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk_app.qr_reading import disk_kernel, line_kernel

TUNE_SEED = 16_001
HELD_OUT_SEED = 84_016
W, H = 640, 480

# The seven kinds of the issue first, then the others a kiosk camera meets.
ISSUE_KINDS = ("phone_glare", "thermal_faded", "distance", "motion", "dim_noise", "thumb", "focus")
MORE_KINDS = ("screen_brightness", "moire", "cracked_screen", "rotation", "crumpled", "letter")
KINDS = ISSUE_KINDS + MORE_KINDS

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Physical sizes (mm) of the symbol with its quiet zone, as the project shows it.
_PHONE_QR_MM = 56.0  # app.css: width 100%, max 22rem, on a 360-CSS-px phone (~68 mm)
_LETTER_QR_MM = 24.0  # letters/context.py _PAPER_QR_MM
_DOT_MM = 0.125  # 203 dpi thermal head


@dataclass(frozen=True)
class SymbolStyle:
    """A rendering to compare against the project's own (for the benchmark's choice)."""

    level: str = "M"  # L, M, Q, H
    secret_chars: int = 32
    border: int = 4
    receipt_dots: int = 6  # most printer dots per module on the receipt


@dataclass(frozen=True)
class Frame:
    kind: str
    index: int
    payload: str
    image: np.ndarray  # 480x640x3 uint8, BGR
    corners: np.ndarray  # the symbol's corners in the frame (4x2; before any crumpling)


# --------------------------------------------------------------------------- payloads
def _secret(rng: np.random.Generator, chars: int) -> str:
    raw = rng.integers(0, 256, size=(chars * 5 + 7) // 8, dtype=np.uint8).tobytes()
    return base64.b32encode(raw).decode("ascii").rstrip("=")[:chars]


def pickup_payload(rng: np.random.Generator, secret_chars: int | None = None) -> str:
    """``HTTP://<LAN address>:8000/S/<CODE>#<SECRET>`` as the server makes it."""
    from loket_protocol import qr

    host = f"192.168.{int(rng.integers(0, 256))}.{int(rng.integers(2, 255))}"
    code = "".join(_CODE_ALPHABET[int(i)] for i in rng.integers(0, 32, size=8))
    chars = secret_chars or qr.SECRET_CHARS
    return qr.pickup_payload(f"HTTP://{host}:8000", code, _secret(rng, chars))


def verification_payload(rng: np.random.Generator) -> str:
    from loket_protocol import qr

    host = f"192.168.{int(rng.integers(0, 256))}.{int(rng.integers(2, 255))}"
    return qr.verification_payload(f"HTTP://{host}:8000", _secret(rng, 32))


# --------------------------------------------------------------------------- symbols
def _matrix(payload: str, style: SymbolStyle | None) -> np.ndarray:
    """The symbol's modules with its quiet zone (True = dark)."""
    if style is None:
        from office_server.qr_images import qr_matrix

        return np.array(qr_matrix(payload), dtype=bool)
    import qrcode

    levels = {"L": qrcode.ERROR_CORRECT_L, "M": qrcode.ERROR_CORRECT_M}
    levels |= {"Q": qrcode.ERROR_CORRECT_Q, "H": qrcode.ERROR_CORRECT_H}
    qr = qrcode.QRCode(error_correction=levels[style.level], border=style.border)
    qr.add_data(payload)
    qr.make(fit=True)
    return np.array(qr.get_matrix(), dtype=bool)


def _modules_to_image(matrix: np.ndarray, px: int, dark: int = 0, light: int = 255) -> np.ndarray:
    img = np.where(matrix, dark, light).astype(np.uint8)
    return np.kron(img, np.ones((px, px), dtype=np.uint8))


def _receipt_style_symbol(payload: str, style: SymbolStyle) -> np.ndarray:
    """A raster symbol sized by the ESC/POS path's own rule, for a style it does not print."""
    matrix = _matrix(payload, style)
    dots = min(style.receipt_dots, 384 // len(matrix))
    return _modules_to_image(matrix, dots)


def receipt_paper(payload: str, style: SymbolStyle | None = None) -> np.ndarray:
    """The pickup receipt as the 58 mm printer prints it, 1 px = 1 dot (0 = black).

    The text lines are drawn from the emulator's decoded lines so the code sits among
    print, as on the real paper; the QR is the raster or native symbol the bytes hold.
    """
    from kiosk_app.printing import pickup_receipt
    from printer_drivers.base import Receipt
    from printer_drivers.escpos_render import render_receipt, resolve_profile
    from tests.printer_drivers import escpos_decoder

    lines = pickup_receipt(
        village="Desa Sukamaju",
        title="Surat Keterangan Domisili",
        code=payload.split("/S/")[-1][:8],
        status_label="Siap Diambil",
        pickup_secret="",
        lang="id",
    )
    data = render_receipt(resolve_profile("POS-5890"), Receipt(lines, qr_payload=payload, cut=True))
    paper = escpos_decoder.decode(data)
    if style is not None:
        symbol = _receipt_style_symbol(payload, style)
    elif paper.pictures:
        symbol = np.array(paper.pictures[0].image.convert("L"))
    else:
        symbol = np.array(paper.qr_symbols[0].image.convert("L"))
    width = 384
    text_h = 26 * len(paper.lines)
    canvas = np.full((text_h + symbol.shape[0] + 60, width), 255, dtype=np.uint8)
    for i, line in enumerate(paper.lines):
        scale = 0.9 if line.width == 1 else 1.4
        (tw, _), _ = cv2.getTextSize(line.text, cv2.FONT_HERSHEY_SIMPLEX, scale * 0.5, 1)
        x = max(0, (width - tw) // 2)
        cv2.putText(
            canvas, line.text, (x, 20 + 26 * i), cv2.FONT_HERSHEY_SIMPLEX, scale * 0.5, 0, 1
        )
    x0 = (width - symbol.shape[1]) // 2
    canvas[text_h + 10 : text_h + 10 + symbol.shape[0], x0 : x0 + symbol.shape[1]] = symbol
    return canvas


@functools.lru_cache(maxsize=2)
def _letter_page(payload: str) -> tuple[np.ndarray, float]:
    """The sample letter's first page rasterised at 12 px/mm, and that scale."""
    from dataclasses import replace

    import pypdfium2

    from office_server.letters.context import sample_letter
    from office_server.letters.rendering import render_letter_pdf

    village, content = sample_letter()
    content = replace(content, verification_url=payload)
    pdf = pypdfium2.PdfDocument(render_letter_pdf(village, content, layout="A4"))
    scale = 12.0  # px per mm
    bitmap = pdf[0].render(scale=scale * 25.4 / 72, grayscale=True)
    page = np.array(bitmap.to_pil().convert("L"))
    pdf.close()
    return page, scale


def letter_region(payload: str) -> tuple[np.ndarray, float]:
    """The letter around its verification QR (what a camera held over it sees), px per mm."""
    import zxingcpp

    page, scale = _letter_page(payload)
    found = [r for r in zxingcpp.read_barcodes(page) if r.text == payload]
    if not found:
        raise RuntimeError("the rasterised letter holds no readable verification QR")
    pos = found[0].position
    cx = (pos.top_left.x + pos.bottom_right.x) // 2
    cy = (pos.top_left.y + pos.bottom_right.y) // 2
    half = int(45 * scale)
    y0, x0 = max(0, cy - half), max(0, cx - half)
    region = page[y0 : cy + half, x0 : cx + half]
    return region, scale


def letter_symbol_region(payload: str, style: SymbolStyle) -> tuple[np.ndarray, float]:
    """A paper region with the symbol at the letter's size, for a style it does not print."""
    scale = 12.0
    matrix = _matrix(payload, style)
    px = _LETTER_QR_MM * scale / len(matrix)
    symbol = cv2.resize(
        _modules_to_image(matrix, 8), None, fx=px / 8, fy=px / 8, interpolation=cv2.INTER_AREA
    )
    region = np.full((int(90 * scale), int(90 * scale)), 255, dtype=np.uint8)
    y0 = (region.shape[0] - symbol.shape[0]) // 2
    region[y0 : y0 + symbol.shape[0], y0 : y0 + symbol.shape[1]] = symbol
    return region, scale


def phone_screen(payload: str, style: SymbolStyle | None, px_per_mm: float = 10.0) -> np.ndarray:
    """The status page's QR on a phone screen (grey, 0 = dark), with page around it."""
    matrix = _matrix(payload, style)
    screen_w, screen_h = int(68 * px_per_mm), int(120 * px_per_mm)
    screen = np.full((screen_h, screen_w), 255, dtype=np.uint8)
    module = _PHONE_QR_MM * px_per_mm / len(matrix)
    sym = _modules_to_image(matrix, 8)
    sym = cv2.resize(sym, None, fx=module / 8, fy=module / 8, interpolation=cv2.INTER_AREA)
    x0 = (screen_w - sym.shape[1]) // 2
    y0 = int(30 * px_per_mm)
    screen[y0 : y0 + sym.shape[0], x0 : x0 + sym.shape[1]] = sym
    # Headline and buttons of the page above and below the code.
    cv2.rectangle(
        screen, (x0, int(8 * px_per_mm)), (x0 + int(40 * px_per_mm), int(14 * px_per_mm)), 40, -1
    )
    by = y0 + sym.shape[0] + int(8 * px_per_mm)
    cv2.rectangle(screen, (x0, by), (screen_w - x0, by + int(9 * px_per_mm)), 90, -1)
    return screen


# --------------------------------------------------------------------------- camera
@dataclass
class _Scene:
    """A flat document (grey) to place into the frame; ``qr_box`` in document pixels."""

    doc: np.ndarray
    px_per_mm: float
    qr_box: tuple[int, int, int, int]  # x0, y0, x1, y1


def _find_symbol(doc: np.ndarray) -> tuple[int, int, int, int]:
    """The dark modules' bounding box (documents here hold one symbol and some print)."""
    import zxingcpp

    found = zxingcpp.read_barcodes(np.ascontiguousarray(doc), formats=zxingcpp.BarcodeFormat.QRCode)
    if not found:
        raise RuntimeError("clean document holds no readable QR")
    p = found[0].position
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
    return min(xs), min(ys), max(xs), max(ys)


def _background(rng: np.random.Generator) -> np.ndarray:
    """The kiosk hall behind the code: a wall, a shelf edge, soft shapes."""
    base = rng.uniform(60, 150)
    img = np.full((H, W), base, dtype=np.float32)
    for _ in range(int(rng.integers(2, 6))):
        x0, y0 = int(rng.integers(0, W)), int(rng.integers(0, H))
        x1, y1 = x0 + int(rng.integers(40, 300)), y0 + int(rng.integers(40, 300))
        cv2.rectangle(img, (x0, y0), (x1, y1), float(rng.uniform(30, 200)), -1)
    img = cv2.GaussianBlur(img, (0, 0), 6)
    return img


def _place(
    rng: np.random.Generator,
    scene: _Scene,
    cam_px_per_mm: float,
    *,
    angle: float | None = None,
    tilt: float = 0.12,
    jitter: float = 60.0,
    surround: float = 255.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Project the document into a 640x480 frame; returns the frame and the QR's corners."""
    scale = cam_px_per_mm / scene.px_per_mm
    doc = scene.doc.astype(np.float32)
    if scale < 0.7:
        # Area-average first, as a camera's pixels do, then warp near 1:1.
        doc = cv2.resize(doc, None, fx=scale * 1.4, fy=scale * 1.4, interpolation=cv2.INTER_AREA)
        pre = scale * 1.4
    else:
        pre = 1.0
    x0, y0, x1, y1 = (v * pre for v in scene.qr_box)
    qcx, qcy = (x0 + x1) / 2, (y0 + y1) / 2
    s = scale / pre
    a = np.deg2rad(rng.uniform(-12, 12) if angle is None else angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) * s
    centre = np.array(
        [W / 2 + rng.uniform(-jitter, jitter), H / 2 + rng.uniform(-jitter, jitter) * 0.6]
    )
    hh, ww = doc.shape[:2]
    src = np.array([[0, 0], [ww, 0], [ww, hh], [0, hh]], dtype=np.float32)
    dst = (src - [qcx, qcy]) @ rot.T + centre
    # Perspective: the document is not parallel to the sensor.
    tx, ty = rng.uniform(-tilt, tilt, size=2)
    span = np.abs(dst - centre).max() + 1
    dist = 1 + (tx * (dst[:, 0] - centre[0]) + ty * (dst[:, 1] - centre[1])) / span
    dst = centre + (dst - centre) / dist[:, None]
    m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    bg = _background(rng)
    warped = cv2.warpPerspective(doc, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=-1.0)
    mask = cv2.warpPerspective(np.ones_like(doc), m, (W, H), flags=cv2.INTER_LINEAR)
    frame = warped * mask + bg * (1 - mask)
    del surround
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
    qr_corners = cv2.perspectiveTransform(corners[None], m)[0]
    _placed.append(qr_corners)
    return frame, qr_corners


# Where the last frame's symbol went (make_frame reads it; frames are made one at a time).
_placed: list[np.ndarray] = []


# --------------------------------------------------------------------------- effects
def _gamma_expose(img: np.ndarray, gain: float, offset: float = 0.0) -> np.ndarray:
    return img * gain + offset


def _noise(rng: np.random.Generator, img: np.ndarray, sigma: float) -> np.ndarray:
    # Shot noise grows with brightness; read noise does not.
    shot = rng.normal(0, 1, img.shape) * np.sqrt(np.clip(img, 0, 255)) * sigma / 10
    read = rng.normal(0, sigma * 0.5, img.shape)
    return img + shot + read


def _glare(
    rng: np.random.Generator, img: np.ndarray, corners: np.ndarray, strength: float
) -> np.ndarray:
    cx, cy = corners.mean(axis=0) + rng.uniform(-0.35, 0.35, 2) * np.ptp(corners, axis=0)
    rx, ry = rng.uniform(18, 55), rng.uniform(10, 35)
    yy, xx = np.mgrid[0:H, 0:W]
    a = rng.uniform(0, np.pi)
    u = (xx - cx) * np.cos(a) + (yy - cy) * np.sin(a)
    v = -(xx - cx) * np.sin(a) + (yy - cy) * np.cos(a)
    spot = np.exp(-(((u / rx) ** 2 + (v / ry) ** 2) ** 1.5))
    # A lamp's reflection adds light to dark and light modules alike, up to white.
    return (
        img
        + spot * strength
        + np.exp(-((u / (rx * 3)) ** 2 + (v / (ry * 3)) ** 2)) * strength * 0.25
    )


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return np.asarray(cv2.imdecode(enc, cv2.IMREAD_COLOR))


def _finish(
    rng: np.random.Generator,
    gray: np.ndarray,
    tint: tuple[float, float, float] | None = None,
    quality: int | None = None,
) -> np.ndarray:
    """Grey scene -> BGR camera frame: colour cast, clipping, webcam JPEG (MJPEG)."""
    t = tint or tuple(rng.uniform(0.94, 1.05, 3))
    bgr = np.stack([gray * t[0], gray * t[1], gray * t[2]], axis=2)
    frame = np.clip(bgr, 0, 255).astype(np.uint8)
    return _jpeg(frame, quality or int(rng.integers(55, 90)))


def _thumb(
    rng: np.random.Generator, img: np.ndarray, corners: np.ndarray, cover: float
) -> np.ndarray:
    """A thumb over the code's edge, from the side with no finder pattern (or below)."""
    tl, tr, br, bl = corners
    side = rng.choice(["right", "bottom", "corner"])
    size = np.linalg.norm(tr - tl)
    if side == "right":
        edge_mid = (tr + br) / 2 + (br - tr) * rng.uniform(-0.05, 0.2)
        inward = ((tl + bl) / 2 - edge_mid) / np.linalg.norm((tl + bl) / 2 - edge_mid)
    elif side == "bottom":
        edge_mid = (bl + br) / 2 + (br - bl) * rng.uniform(-0.05, 0.2)
        inward = ((tl + tr) / 2 - edge_mid) / np.linalg.norm((tl + tr) / 2 - edge_mid)
    else:
        edge_mid = br
        inward = (tl - br) / np.linalg.norm(tl - br)
    tip = edge_mid + inward * size * cover
    axis_len = size * 0.9
    centre = tip - inward * axis_len
    angle = np.degrees(np.arctan2(inward[1], inward[0]))
    mask = np.zeros((H, W), np.float32)
    cv2.ellipse(
        mask,
        (int(centre[0]), int(centre[1])),
        (int(axis_len), int(size * 0.36)),
        angle,
        0,
        360,
        1.0,
        -1,
    )
    mask = cv2.GaussianBlur(mask, (0, 0), 2.5)
    yy, xx = np.mgrid[0:H, 0:W]
    shade = 120 + 45 * np.sin((xx * inward[0] + yy * inward[1]) / (size * 0.2))
    skin = np.clip(shade + rng.normal(0, 4, (H, W)), 0, 255)
    out = img * (1 - mask) + skin * mask
    # A thumb casts a soft shadow on the paper next to it.
    shadow = cv2.GaussianBlur(mask, (0, 0), 8)
    return out * (1 - 0.35 * np.clip(shadow - mask, 0, 1))


def _thumb_tint() -> tuple[float, float, float]:
    return (0.72, 0.88, 1.08)  # skin reads warm in BGR


# --------------------------------------------------------------------------- kinds
def _phone_scene(
    payload: str, style: SymbolStyle | None, rng: np.random.Generator, brightness: float = 1.0
) -> _Scene:
    ppm = 6.0
    screen = phone_screen(payload, style, ppm).astype(np.float32)
    black = rng.uniform(8, 30)
    screen = black + (screen / 255) * (235 * brightness - black)
    bezel = int(4 * ppm)
    doc = np.full(
        (screen.shape[0] + 2 * bezel, screen.shape[1] + 2 * bezel), rng.uniform(10, 30), np.float32
    )
    doc[bezel:-bezel, bezel:-bezel] = screen
    box = _find_symbol(np.clip(doc, 0, 255).astype(np.uint8))
    return _Scene(doc, ppm, box)


def _receipt_scene(
    payload: str, style: SymbolStyle | None, fade: float, rng: np.random.Generator
) -> _Scene:
    paper = receipt_paper(payload, style).astype(np.float32)
    ink = 255 - paper  # 255 where the head heated
    if fade:
        # Thermal paper fades unevenly: weaker towards one end, streaks of a weak element.
        h, w = ink.shape
        along = np.linspace(0, 1, h)[:, None] * rng.uniform(-0.3, 0.3)
        streaks = np.ones(w, np.float32)
        for _ in range(int(rng.integers(1, 5))):
            x = int(rng.integers(0, w))
            streaks[x : x + int(rng.integers(1, 4))] *= rng.uniform(0.1, 0.5)
        strength = np.clip((1 - fade) + along, 0.12, 1) * streaks[None, :]
        speckle = rng.uniform(0.7, 1.0, ink.shape)
        ink = ink * strength * speckle
        ink = cv2.GaussianBlur(ink, (0, 0), 0.6)
    paper_white = rng.uniform(205, 240)
    doc = paper_white - ink * (paper_white - 25) / 255
    box = _find_symbol(np.clip(255 - (255 - paper), 0, 255).astype(np.uint8))
    return _Scene(doc, 1 / _DOT_MM, box)


def _letter_scene(payload: str, style: SymbolStyle | None) -> _Scene:
    region, scale = (
        letter_region(payload) if style is None else letter_symbol_region(payload, style)
    )
    doc = region.astype(np.float32) * 0.92 + 8
    return _Scene(doc, scale, _find_symbol(region))


def _cam_ppm(rng: np.random.Generator, lo_cm: float, hi_cm: float) -> float:
    # A 640 px webcam with a 60 degree field sees 1.155 x distance across.
    d = rng.uniform(lo_cm, hi_cm) * 10
    return W / (1.155 * d)


Maker = Callable[[np.random.Generator, str, "SymbolStyle | None"], np.ndarray]


def _k_phone_glare(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    img, corners = _place(rng, _phone_scene(payload, style, rng), _cam_ppm(rng, 12, 22))
    img = _glare(rng, img, corners, rng.uniform(140, 260))
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 1.0))
    return _finish(rng, _noise(rng, img, 3))


def _k_thermal(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    scene = _receipt_scene(payload, style, rng.uniform(0.55, 0.8), rng)
    img, _ = _place(rng, scene, _cam_ppm(rng, 10, 17), tilt=0.15)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.6, 1.1))
    light = np.linspace(rng.uniform(0.75, 1.0), rng.uniform(0.85, 1.1), W)[None, :]
    return _finish(rng, _noise(rng, img * light, 4))


def _k_distance(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    if rng.random() < 0.5:
        scene = _phone_scene(payload, style, rng)
        ppm = _cam_ppm(rng, 26, 38)
    else:
        scene = _receipt_scene(payload, style, 0.2, rng)
        ppm = _cam_ppm(rng, 19, 28)
    img, _ = _place(rng, scene, ppm, jitter=120)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 0.9))
    return _finish(rng, _noise(rng, img, 4))


def _any_scene(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> _Scene:
    if rng.random() < 0.5:
        return _phone_scene(payload, style, rng)
    return _receipt_scene(payload, style, rng.uniform(0.0, 0.3), rng)


def _k_motion(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    img, _ = _place(rng, _any_scene(rng, payload, style), _cam_ppm(rng, 12, 20))
    img = cv2.filter2D(img, -1, line_kernel(rng.uniform(5, 10), rng.uniform(0, np.pi)))
    return _finish(rng, _noise(rng, img, 3))


def _k_dim(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    img, _ = _place(rng, _any_scene(rng, payload, style), _cam_ppm(rng, 12, 20))
    img = _gamma_expose(img, rng.uniform(0.15, 0.3), rng.uniform(3, 10))
    # High sensor gain: strong noise, then the camera's own denoise-and-compress.
    img = _noise(rng, img, rng.uniform(12, 18))
    return _finish(rng, img, quality=int(rng.integers(40, 70)))


def _k_thumb(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    img, corners = _place(rng, _any_scene(rng, payload, style), _cam_ppm(rng, 11, 18), tilt=0.08)
    img = _thumb(rng, img, corners, rng.uniform(0.24, 0.36))
    img = cv2.GaussianBlur(img, (0, 0), 0.7)
    return _finish(rng, _noise(rng, img, 3))


def _k_focus(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    img, _ = _place(rng, _any_scene(rng, payload, style), _cam_ppm(rng, 7, 11))
    img = cv2.filter2D(img, -1, disk_kernel(rng.uniform(3.5, 6.0)))
    return _finish(rng, _noise(rng, img, 3))


def _k_brightness(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    low = rng.random() < 0.5
    scene = _phone_scene(payload, style, rng, brightness=rng.uniform(0.25, 0.4) if low else 1.0)
    img, _ = _place(rng, scene, _cam_ppm(rng, 12, 22))
    if not low:  # auto-exposure set for the dark hall: the screen blooms
        img = cv2.GaussianBlur(img * rng.uniform(1.6, 2.4), (0, 0), 1.6) - 60
    return _finish(rng, _noise(rng, img, 5))


def _k_moire(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    img, _ = _place(rng, _phone_scene(payload, style, rng), _cam_ppm(rng, 12, 20))
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    f, a = rng.uniform(0.08, 0.2), rng.uniform(0, np.pi)
    grating = np.sin((xx * np.cos(a) + yy * np.sin(a)) * f * 2 * np.pi)
    bands = np.sin(yy / rng.uniform(25, 60) * 2 * np.pi + rng.uniform(0, 6))  # rolling flicker
    img = img * (1 + 0.22 * grating) * (1 + 0.12 * bands)
    return _finish(rng, _noise(rng, img, 3))


def _k_cracked(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    img, corners = _place(rng, _phone_scene(payload, style, rng), _cam_ppm(rng, 12, 20))
    cracks = np.zeros((H, W), np.float32)
    start = corners[int(rng.integers(0, 4))] * 0.35 + corners.mean(axis=0) * 0.65
    for _ in range(int(rng.integers(4, 8))):
        p = start.copy()
        a = rng.uniform(0, 2 * np.pi)
        for _ in range(int(rng.integers(4, 9))):
            a += rng.uniform(-0.5, 0.5)
            q = p + rng.uniform(15, 45) * np.array([np.cos(a), np.sin(a)])
            cv2.line(
                cracks,
                tuple(int(v) for v in p),
                tuple(int(v) for v in q),
                1.0,
                int(rng.integers(2, 4)),
                cv2.LINE_AA,
            )
            p = q
    # A crack scatters light: bright over dark modules, a dark edge beside it.
    img = img + cracks * rng.uniform(90, 160) - cv2.GaussianBlur(cracks, (0, 0), 2) * 40
    return _finish(rng, _noise(rng, img, 3))


def _k_rotation(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    img, _ = _place(
        rng,
        _any_scene(rng, payload, style),
        _cam_ppm(rng, 12, 20),
        angle=rng.uniform(20, 340),
        tilt=0.3,
    )
    img = cv2.GaussianBlur(img, (0, 0), 0.8)
    return _finish(rng, _noise(rng, img, 3))


def _k_crumpled(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    scene = _receipt_scene(payload, style, rng.uniform(0.0, 0.35), rng)
    img, _ = _place(rng, scene, _cam_ppm(rng, 10, 16))
    # Smooth random displacement (creases) and the light they catch.
    amp = rng.uniform(2.0, 4.0)
    fx = cv2.GaussianBlur(rng.normal(0, 1, (H, W)).astype(np.float32), (0, 0), 22)
    fy = cv2.GaussianBlur(rng.normal(0, 1, (H, W)).astype(np.float32), (0, 0), 22)
    fx *= amp / (np.abs(fx).max() + 1e-6)
    fy *= amp / (np.abs(fy).max() + 1e-6)
    xx, yy = np.meshgrid(np.arange(W, dtype=np.float32), np.arange(H, dtype=np.float32))
    img = cv2.remap(img, xx + fx, yy + fy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    shade = 1 + 0.25 * (cv2.Sobel(fx, cv2.CV_32F, 1, 0) + cv2.Sobel(fy, cv2.CV_32F, 0, 1))
    img = img * np.clip(shade, 0.6, 1.3)
    img = cv2.GaussianBlur(img, (0, 0), 0.7)
    return _finish(rng, _noise(rng, img, 4))


def _k_letter(rng: np.random.Generator, payload: str, style: SymbolStyle | None) -> np.ndarray:
    img, _ = _place(rng, _letter_scene(payload, style), _cam_ppm(rng, 8, 12), tilt=0.15)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.6, 1.2))
    light = np.linspace(rng.uniform(0.6, 0.9), rng.uniform(0.8, 1.05), H)[:, None]
    return _finish(rng, _noise(rng, img * light, 5))


MAKERS: dict[str, Maker] = {
    "phone_glare": _k_phone_glare,
    "thermal_faded": _k_thermal,
    "distance": _k_distance,
    "motion": _k_motion,
    "dim_noise": _k_dim,
    "thumb": _k_thumb,
    "focus": _k_focus,
    "screen_brightness": _k_brightness,
    "moire": _k_moire,
    "cracked_screen": _k_cracked,
    "rotation": _k_rotation,
    "crumpled": _k_crumpled,
    "letter": _k_letter,
}


def make_frame(
    kind: str,
    seed: int,
    index: int,
    style: SymbolStyle | None = None,
    *,
    payload: str | None = None,
) -> Frame:
    """One frame; the same (kind, seed, index, style) always gives the same pixels.

    ``payload`` puts a given code in the picture instead of a made-up one.
    """
    rng = np.random.default_rng([seed, KINDS.index(kind), index])
    if kind == "letter":
        made = verification_payload(rng)
    else:
        made = pickup_payload(rng, style.secret_chars if style else None)
    payload = payload or made
    _placed.clear()
    image = MAKERS[kind](rng, payload, style)
    return Frame(kind, index, payload, image, _placed[-1])


def frame_set(
    seed: int,
    *,
    per_kind: int = 12,
    kinds: Sequence[str] = KINDS,
    style: SymbolStyle | None = None,
) -> list[Frame]:
    return [make_frame(k, seed, i, style) for k in kinds for i in range(per_kind)]


def write_pngs(frames: Sequence[Frame], folder: str) -> None:
    """Frames as PNG files (to look at them): ``<kind>-<index>.png``."""
    from pathlib import Path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for f in frames:
        cv2.imwrite(str(out / f"{f.kind}-{f.index:02d}.png"), f.image)


def contact_sheet(frames: Sequence[Frame], columns: int = 6, scale: float = 0.33) -> np.ndarray:
    tiles = [
        cv2.resize(f.image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) for f in frames
    ]
    th, tw = tiles[0].shape[:2]
    rows = (len(tiles) + columns - 1) // columns
    sheet = np.zeros((rows * th, columns * tw, 3), np.uint8)
    for i, t in enumerate(tiles):
        r, c = divmod(i, columns)
        sheet[r * th : (r + 1) * th, c * tw : (c + 1) * tw] = t
    return sheet
