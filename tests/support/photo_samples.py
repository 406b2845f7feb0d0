"""Photos as a phone would send them, made in the test: a JPEG with EXIF (GPS, camera,
a "turn me" orientation), a bomb, a truncated file."""

from __future__ import annotations

import io
import random

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def phone_jpeg(width: int = 800, height: int = 600, *, seed: int = 1, gps: bool = True) -> bytes:
    """A photo-like JPEG (gradients and grain) with the EXIF of a phone camera; the grain
    is new on every call, so two calls give two different photos."""
    rng = random.Random(seed)
    picture = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    grain = Image.effect_noise((width, height), 40).convert("RGB")
    picture = Image.blend(picture, grain, 0.3)
    # A dark block in the top-left corner: shows which way the photo was turned.
    picture.paste((rng.randrange(40), 0, 0), (0, 0, width // 4, height // 4))
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[ORIENTATION] = 6  # "turn 90° clockwise to view"
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "S", 2: (6.0, 54.0, 12.5), 3: "E", 4: (107.0, 36.0, 1.0)})
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85, exif=exif)
    return out.getvalue()
