"""PDF to 1-bit bands for a roll printer, for offices that only have a thermal printer.

An A4 letter on 80 mm paper is printed at roughly 75 dpi, so every dot counts: the
page's blank side margins are cut off (one crop for all pages, so every page has the
same scale), the page is rendered straight at the target width with anti-aliasing and
then thresholded (dithering makes small text fuzzy), and blank rows at the top and
bottom are dropped to save paper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image

from printer_drivers.errors import PrinterError, PrinterErrorKind

if TYPE_CHECKING:
    import pypdfium2

MAX_PAGES = 20
MAX_PAGE_DOTS = 8000  # one metre of roll at 203 dpi; a taller page is not a letter
# Grey levels darker than this print black. Above the midpoint because thin strokes
# of small text render as light grey at 75 dpi and would vanish at 128.
THRESHOLD = 170
_PREVIEW_SCALE = 0.5  # 36 dpi is enough to find the margins
_PAD_POINTS = 6.0  # keep a little white around the content
_PAD_ROWS = 8


def rasterise_pdf(pdf: bytes, width_dots: int, *, trim: bool = True) -> list[Image.Image]:
    """Render every page to a mode "1" image exactly ``width_dots`` wide."""
    import pypdfium2

    if width_dots < 64:
        raise ValueError(f"width_dots {width_dots} is too narrow")
    try:
        doc = pypdfium2.PdfDocument(bytes(pdf))
    except pypdfium2.PdfiumError as exc:
        raise PrinterError(
            PrinterErrorKind.UNSUPPORTED_JOB,
            f"the PDF cannot be read: {exc}",
            message_id="Dokumen PDF rusak atau terkunci sehingga tidak dapat dicetak.",
        ) from exc
    try:
        count = len(doc)
        if count == 0 or count > MAX_PAGES:
            raise PrinterError(
                PrinterErrorKind.UNSUPPORTED_JOB,
                f"the PDF has {count} pages; a roll printer prints 1 to {MAX_PAGES}",
            )
        pages = [doc[i] for i in range(count)]
        left, right = _content_columns(pages) if trim else (0.0, 0.0)
        images = [_render(page, width_dots, left, right) for page in pages]
        for page in pages:
            page.close()
    except pypdfium2.PdfiumError as exc:
        raise PrinterError(
            PrinterErrorKind.UNSUPPORTED_JOB, f"the PDF cannot be rendered: {exc}"
        ) from exc
    finally:
        doc.close()
    if trim:
        images = [_trim_rows(image) for image in images]
    return images


def _content_columns(pages: list[pypdfium2.PdfPage]) -> tuple[float, float]:
    """How many points of blank margin to crop on the left and on the right."""
    lefts: list[float] = []
    rights: list[float] = []
    for page in pages:
        width_pt = page.get_width()
        grey = page.render(scale=_PREVIEW_SCALE, grayscale=True).to_pil().convert("L")
        ink = grey.point(lambda v: 255 if v < 224 else 0)
        box = ink.getbbox()
        if box is None:
            continue  # a blank page says nothing about margins
        lefts.append(box[0] / _PREVIEW_SCALE)
        rights.append(width_pt - box[2] / _PREVIEW_SCALE)
    if not lefts:
        return 0.0, 0.0
    return max(0.0, min(lefts) - _PAD_POINTS), max(0.0, min(rights) - _PAD_POINTS)


def _render(page: pypdfium2.PdfPage, width_dots: int, left: float, right: float) -> Image.Image:
    content_width = page.get_width() - left - right
    scale = width_dots / content_width
    if page.get_height() * scale > MAX_PAGE_DOTS:
        raise PrinterError(
            PrinterErrorKind.UNSUPPORTED_JOB,
            f"a page of {page.get_width():.0f} x {page.get_height():.0f} pt would be "
            f"{page.get_height() * scale:.0f} dots long on a {width_dots}-dot roll",
        )
    bitmap = page.render(scale=scale, crop=(left, 0, right, 0), grayscale=True)
    grey = bitmap.to_pil().convert("L")
    if grey.width != width_dots:  # rounding in the renderer: off by a dot at most
        grey = grey.resize((width_dots, grey.height), Image.Resampling.LANCZOS)
    return grey.point(lambda v: 0 if v < THRESHOLD else 255, mode="1")


def _trim_rows(image: Image.Image) -> Image.Image:
    """Drop blank rows above and below the content, keeping a small margin."""
    box = image.convert("L").point(lambda v: 255 - v).getbbox()  # ink is black (0)
    if box is None:
        return image.crop((0, 0, image.width, min(image.height, _PAD_ROWS)))
    top = max(0, box[1] - _PAD_ROWS)
    bottom = min(image.height, box[3] + _PAD_ROWS)
    return image.crop((0, top, image.width, bottom))
