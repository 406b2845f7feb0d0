"""A document photo as the server keeps it: decoded within a memory bound, turned upright,
re-encoded as a plain JPEG.

The size is read from the header and refused before a pixel is decoded (a PNG of a few KB
can declare 20000 × 20000 pixels). Re-encoding keeps only pixels: the EXIF block of a
phone photo carries the GPS position of the resident's house, the phone's model and the
time, and none of it survives. A truncated or broken file fails the full decode here, so
nothing of it is ever stored.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

from PIL import Image, ImageOps

# Well over what the phone (1600 px long side) and the kiosk camera send.
MAX_UPLOAD_BYTES = 600_000
# E.g. 4000 × 4000: at most 64 MB decoded. Pillow's own bound is the same (village.logo).
MAX_PIXELS = 16_000_000
# What is kept: enough to read a KTP number or a stamp, small on disk.
KEPT_LONG_SIDE = 1600
KEPT_QUALITY = 82
THUMB_LONG_SIDE = 320
FORMATS = ("JPEG", "PNG", "WEBP")

NOT_AN_IMAGE = "Berkas ini bukan foto (JPEG, PNG atau WebP), atau rusak. Ambil foto lagi."
TOO_MANY_PIXELS = (
    "Foto terlalu besar (lebih dari 16 juta piksel). Ambil foto lagi dengan kamera HP biasa."
)
TOO_MANY_BYTES = (
    f"Berkas foto terlalu besar (lebih dari {MAX_UPLOAD_BYTES // 1000} KB). "
    "Kirim dari halaman permohonan: foto diperkecil otomatis."
)
EMPTY = "Berkas foto kosong. Pilih foto lagi."

# What Pillow raises on a broken, truncated or unknown file.
_BROKEN = (OSError, ValueError, EOFError, SyntaxError, struct.error)
_PNG_END = b"IEND\xaeB`\x82"


class _Truncated(OSError):
    pass


class _WholeFile(io.BytesIO):
    """The upload, refusing to be read past its end.

    Pillow stops quietly at the end of a truncated file and fills the rest with grey
    when `ImageFile.LOAD_TRUNCATED_IMAGES` is set, and WeasyPrint sets it for the whole
    process when the letters module loads it. A decoder asking for more bytes than the
    file has is a truncated file here, whatever that flag says.
    """

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        if size is not None and size > 0 and not data:
            raise _Truncated("image file is truncated")
        return data


class PhotoRefused(ValueError):
    """Why the bytes cannot be kept as a document photo (Indonesian, for the resident)."""


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    width: int
    height: int


def clean_jpeg(data: bytes) -> CleanPhoto:
    """The upload as a fresh JPEG without metadata, or PhotoRefused."""
    if not data:
        raise PhotoRefused(EMPTY)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRefused(TOO_MANY_BYTES)
    if data.startswith(b"\x89PNG") and not data.rstrip(b"\0").endswith(_PNG_END):
        raise PhotoRefused(NOT_AN_IMAGE)  # cut short: a PNG ends with its IEND chunk
    try:
        with Image.open(_WholeFile(data), formats=FORMATS) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise PhotoRefused(TOO_MANY_PIXELS)
            # A large JPEG then decodes straight at a half, quarter or eighth.
            opened.draft("RGB", (KEPT_LONG_SIDE, KEPT_LONG_SIDE))
            opened.load()
            # Phones store "turn me" in EXIF instead of turning the pixels: apply it
            # before the EXIF is dropped, or the KTP comes out sideways.
            picture = ImageOps.exif_transpose(opened).convert("RGB")
            picture.thumbnail((KEPT_LONG_SIDE, KEPT_LONG_SIDE))
            out = io.BytesIO()
            # No exif=, no icc_profile=: only the pixels are written.
            picture.save(out, format="JPEG", quality=KEPT_QUALITY, optimize=True)
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRefused(TOO_MANY_PIXELS) from exc
    except _BROKEN as exc:
        raise PhotoRefused(NOT_AN_IMAGE) from exc
    return CleanPhoto(out.getvalue(), picture.width, picture.height)


def thumbnail(jpeg: bytes) -> bytes:
    """A small copy of a kept photo for the operator's request page."""
    with Image.open(io.BytesIO(jpeg), formats=("JPEG",)) as opened:
        opened.draft("RGB", (THUMB_LONG_SIDE, THUMB_LONG_SIDE))
        picture = opened.convert("RGB")
        picture.thumbnail((THUMB_LONG_SIDE, THUMB_LONG_SIDE))
        out = io.BytesIO()
        picture.save(out, format="JPEG", quality=75)
    return out.getvalue()
