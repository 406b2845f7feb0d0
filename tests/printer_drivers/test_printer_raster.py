"""PDF rasterisation for roll printers, and the deadline runner."""

from __future__ import annotations

import io
import threading
import time

import pytest
from escpos_decoder import read_qr
from PIL import Image
from sample_letter import VERIFY_PAYLOAD

from printer_drivers.deadline import run_locked_with_deadline
from printer_drivers.errors import PrinterError, PrinterErrorKind
from printer_drivers.raster import MAX_PAGES, rasterise_pdf
from tests.support.waiting import wait_until


def image_pdf(pages: int, size: tuple[int, int] = (595, 842)) -> bytes:
    """A PDF of ``pages`` pages, each with a black bar in the middle third."""
    images = []
    for _ in range(pages):
        page = Image.new("L", size, 255)
        page.paste(0, (size[0] // 3, size[1] // 3, 2 * size[0] // 3, size[1] // 2))
        images.append(page)
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=72)
    return buffer.getvalue()


@pytest.mark.parametrize("width", [384, 512, 576])
def test_every_page_is_exactly_the_paper_width(letter_pdf: bytes, width: int) -> None:
    [page] = rasterise_pdf(letter_pdf, width)
    assert page.mode == "1"
    assert page.width == width
    assert read_qr(page) == [VERIFY_PAYLOAD]


def test_blank_margins_are_cut_so_content_fills_the_roll() -> None:
    [page] = rasterise_pdf(image_pdf(1), 384)
    ink = page.convert("L").point(lambda v: 255 - v).getbbox()
    assert ink is not None
    left, top, right, bottom = ink
    # The bar is a third of the page wide; after trimming it spans almost the roll.
    assert left < 20 and right > 364
    assert top <= 8 and page.height - bottom <= 8  # blank rows above and below dropped

    [untrimmed] = rasterise_pdf(image_pdf(1), 384, trim=False)
    assert abs(untrimmed.height - 842 * 384 / 595) <= 1  # the whole A4 page, to scale
    bar = untrimmed.convert("L").point(lambda v: 255 - v).getbbox()
    assert bar is not None and bar[2] - bar[0] < (right - left) / 2


def test_pages_share_one_scale() -> None:
    pages = rasterise_pdf(image_pdf(3), 512)
    assert [p.width for p in pages] == [512] * 3
    assert len({p.height for p in pages}) == 1


@pytest.mark.parametrize(
    "pdf",
    [b"%PDF-1.7\ngarbage", image_pdf(MAX_PAGES + 1), image_pdf(1, size=(40, 5000))],
    ids=["broken", "too-many-pages", "a-page-metres-long"],
)
def test_unprintable_pdfs_are_unsupported_jobs(pdf: bytes) -> None:
    with pytest.raises(PrinterError) as refused:
        rasterise_pdf(pdf, 384)
    assert refused.value.kind is PrinterErrorKind.UNSUPPORTED_JOB


def test_deadline_runner_returns_results_and_errors() -> None:
    lock = threading.Lock()
    assert run_locked_with_deadline(lock, lambda d: d.remaining() > 0, 1, what="t") is True
    with pytest.raises(KeyError):
        run_locked_with_deadline(lock, lambda d: {}["x"], 1, what="t")
    assert not lock.locked()


def test_deadline_runner_gives_up_on_work_that_hangs() -> None:
    lock = threading.Lock()
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(PrinterError) as late:
        run_locked_with_deadline(lock, lambda d: release.wait(10), 0.3, what="hang")
    assert late.value.kind is PrinterErrorKind.TIMEOUT
    assert time.monotonic() - started < 5  # the 0.3 s deadline, not the 10 s hang
    assert lock.locked()  # the stuck work still owns the device
    release.set()
    wait_until(lambda: not lock.locked(), "the stuck work to let go of the device")
