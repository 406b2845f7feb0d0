"""The village logo: an uploaded image read within a memory bound, kept as a small PNG.

An image's size is read from its header before a single pixel is decoded, and refused
when too large: a 657 KB PNG can declare 13000 × 13000 pixels and take over a gigabyte
to decode (Pillow's own MAX_IMAGE_PIXELS only warns below 179 million pixels). Both the
upload (`service.set_logo`) and every letter's kop surat (`letters.context`) decode
through here, so a logo stored by an older version is bounded as well.
"""

from __future__ import annotations

import io
import struct

from PIL import Image

MAX_LOGO_BYTES = 1_000_000
# E.g. 4000 × 4000: at most 64 MB decoded (Pillow keeps 4 bytes a pixel). A scanned seal
# or a phone photo under the 1 MB upload limit is well inside.
MAX_LOGO_PIXELS = 16_000_000
FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
# Pillow's own bound, for every image this process decodes (WeasyPrint's included): it
# refuses to open an image of over twice as many pixels, and warns above this.
Image.MAX_IMAGE_PIXELS = MAX_LOGO_PIXELS

NOT_AN_IMAGE = "Berkas ini bukan gambar (PNG, JPEG, GIF atau WebP)."
TOO_LARGE = (
    "Gambar logo terlalu besar (paling banyak 16 juta piksel, misalnya 4000 × 4000). "
    "Perkecil gambarnya lalu unggah lagi."
)


# What Pillow raises on a broken or unknown file (UnidentifiedImageError is an OSError).
_BROKEN = (OSError, ValueError, EOFError, SyntaxError, struct.error)


class LogoRefused(ValueError):
    """Why the bytes cannot be the logo; the message is Indonesian, for the admin."""


def shrunk_png(data: bytes, *, max_side: int) -> bytes:
    """The image shrunk to at most max_side pixels a side, as PNG bytes.

    Raises LogoRefused (too large, or not an image) before decoding anything too large.
    """
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as opened:
            width, height = opened.size
            if width * height > MAX_LOGO_PIXELS:
                raise LogoRefused(TOO_LARGE)
            # A JPEG then decodes straight at 1/2, 1/4 or 1/8 of its size.
            opened.draft(None, (max_side, max_side))
            picture: Image.Image = opened
            picture.load()
            picture.thumbnail((max_side, max_side))
            if picture.mode not in ("RGB", "RGBA", "L", "LA"):
                picture = picture.convert("RGBA")
            out = io.BytesIO()
            picture.save(out, format="PNG", optimize=True)
    except LogoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses (or, under a warnings filter, warns) while reading the header.
        raise LogoRefused(TOO_LARGE) from exc
    except _BROKEN as exc:
        raise LogoRefused(NOT_AN_IMAGE) from exc
    return out.getvalue()


NOT_TRANSPARENT = (
    "Gambar ini tidak bertransparansi. Unggah PNG dengan latar transparan (pindai di atas "
    "kertas putih lalu hapus latarnya), agar tulisan surat tetap terbaca di bawahnya."
)


def transparent_png(data: bytes, *, max_side: int) -> bytes:
    """A signature specimen or stamp: like `shrunk_png` (same header check before any
    decoding), and refused unless it has transparent pixels, because an opaque scan
    would print a white box over the letter's text."""
    png = shrunk_png(data, max_side=max_side)
    with Image.open(io.BytesIO(png), formats=("PNG",)) as picture:
        if picture.mode not in ("RGBA", "LA") and "transparency" not in picture.info:
            raise LogoRefused(NOT_TRANSPARENT)
        alpha = picture.convert("RGBA").getchannel("A")
        low, _high = alpha.getextrema()
        if low == 255:
            raise LogoRefused(NOT_TRANSPARENT)
    return png
