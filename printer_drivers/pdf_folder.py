"""A printer that writes into a folder: for the demo, for tests, for a kiosk without one.

PDF jobs are written as they are; receipts as a PNG picture of the roll (the same
transliteration, wrapping and emphasis a thermal printer would print) plus a .txt with
the same lines and the QR payload, so a person can look at them. Every file is
written atomically (temporary name, fsync, rename, fsync of the folder): a program
watching the folder never sees half a file, and a power cut leaves no torn ones.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from loket_protocol.qr import QR_QUIET_ZONE, QRCODE_ERROR_CORRECTION
from printer_drivers.base import (
    Capabilities,
    Media,
    PrinterBackend,
    PrinterState,
    PrinterStatus,
    PrintResult,
    Receipt,
    resolve_timeout,
)
from printer_drivers.deadline import Deadline, run_locked_with_deadline
from printer_drivers.errors import PrinterError, PrinterErrorKind
from printer_drivers.receipt import LaidOutLine, height_factor, layout, width_factor

PRINT_TIMEOUT = 10.0
DEFAULT_WIDTH_DOTS = 576
_CHAR_W, _CHAR_H = 12, 24  # font A of an ESC/POS printer
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_QR_MODULE_DOTS = 6


def _receipt_codepage_has(char: str) -> bool:
    # Show what a thermal printer on its default code page (CP437) would print.
    try:
        char.encode("cp437")
    except UnicodeEncodeError:
        return False
    return True


class FolderPrinter(PrinterBackend):
    """A Printer (see printer_drivers.base) that writes files into ``folder``."""

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        url: str = "",
        width_dots: int = DEFAULT_WIDTH_DOTS,
        timeout: float = PRINT_TIMEOUT,
    ) -> None:
        self.folder = Path(folder)
        super().__init__(url or f"folder://{self.folder}", timeout)
        self.width_dots = width_dots

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            pdf=True, receipt=True, paper_width_dots=self.width_dots, reports_status=True
        )

    def __repr__(self) -> str:
        return f"FolderPrinter({str(self.folder)!r})"

    def _print_pdf(
        self, pdf: bytes, copies: int, media: Media, title: str, seconds: float
    ) -> PrintResult:
        job_id = _job_id()
        name = f"{job_id}-{_slug(title)}-{media}-x{copies}.pdf"
        data = bytes(pdf)

        def work(deadline: Deadline) -> PrintResult:
            path = self._write(name, data)
            return PrintResult(
                job_id, completed=True, detail="written", bytes_sent=len(data), output_paths=(path,)
            )

        return self._run(work, seconds, job_id, "pdf")

    def print_receipt(self, receipt: Receipt, *, timeout: float | None = None) -> PrintResult:
        seconds = resolve_timeout(timeout, self.timeout)
        if not isinstance(receipt, Receipt):
            raise PrinterError(
                PrinterErrorKind.UNSUPPORTED_JOB,
                f"print_receipt takes a Receipt, not {type(receipt).__name__}",
                printer=self._url,
            )
        job_id = _job_id()

        def work(deadline: Deadline) -> PrintResult:
            lines = layout(receipt, self.width_dots // _CHAR_W, _receipt_codepage_has)
            text = "\n".join(line.text for line in lines) + "\n"
            if receipt.qr_payload is not None:
                text += f"[QR] {receipt.qr_payload}\n"
            text += "[CUT]\n" if receipt.cut else "[END]\n"
            png = _png(_draw(lines, receipt.qr_payload, self.width_dots, receipt.cut))
            text_bytes = text.encode("utf-8")
            picture = self._write(f"{job_id}-receipt.png", png)
            words = self._write(f"{job_id}-receipt.txt", text_bytes)
            return PrintResult(
                job_id,
                completed=True,
                detail="written",
                bytes_sent=len(png) + len(text_bytes),
                output_paths=(picture, words),
            )

        return self._run(work, seconds, job_id, "receipt")

    def status(self, *, timeout: float | None = None) -> PrinterStatus:
        try:
            self._ensure_folder()
        except PrinterError as exc:
            return PrinterStatus(PrinterState.OFFLINE, exc.detail)
        if not os.access(self.folder, os.W_OK | os.X_OK):
            return PrinterStatus(PrinterState.OFFLINE, f"{self.folder} is not writable")
        return PrinterStatus(PrinterState.ONLINE, f"writing to {self.folder}")

    # --- files ------------------------------------------------------------------------

    def _run(
        self, work: Callable[[Deadline], PrintResult], seconds: float, job_id: str, what: str
    ) -> PrintResult:
        try:
            return run_locked_with_deadline(self._lock, work, seconds, what=what)
        except PrinterError as exc:
            exc.with_context(printer=self._url, job_id=job_id)
            raise
        except Exception as exc:  # the seam: Pillow or qrcode on odd input
            raise PrinterError.unexpected(exc, printer=self._url, job_id=job_id) from exc

    def _ensure_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _os_error(exc, self.folder) from exc
        if not self.folder.is_dir():
            raise PrinterError(
                PrinterErrorKind.BAD_CONFIGURATION,
                f"{self.folder} is not a folder",
                message_id=f"{self.folder} bukan folder. Contoh: folder:///var/lib/loket/cetak",
            )

    def _write(self, name: str, data: bytes) -> str:
        self._ensure_folder()
        target = self.folder / name
        try:
            fd, temp = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.", suffix=".part")
        except OSError as exc:
            raise _os_error(exc, self.folder) from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o644)  # mkstemp makes it 0600; a person should read it
            os.replace(temp, target)
            directory = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(directory)  # the rename itself survives a power cut
            finally:
                os.close(directory)
        except OSError as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise _os_error(exc, target) from exc
        return str(target)


def _os_error(exc: OSError, path: Path) -> PrinterError:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return PrinterError(
            PrinterErrorKind.BAD_CONFIGURATION,
            f"no permission to write {path}: {exc.strerror}",
            message_id="Folder cetak tidak bisa ditulisi. Hubungi teknisi.",
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return PrinterError(
            PrinterErrorKind.JOB_FAILED,
            f"no space left for {path}",
            message_id="Penyimpanan penuh sehingga dokumen tidak dapat disimpan.",
        )
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return PrinterError(PrinterErrorKind.BAD_CONFIGURATION, f"{path}: {exc.strerror}")
    return PrinterError(PrinterErrorKind.OFFLINE, f"cannot write {path}: {exc}")


def _job_id() -> str:
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"


def _slug(title: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", str(title)).strip("-").lower()
    return slug[:40] or "dokumen"


# --- a picture of the roll -----------------------------------------------------------------


def _font(bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
    try:
        return ImageFont.truetype(str(_FONT_DIR / name), 20)  # 12 dots per character
    except OSError:
        return ImageFont.load_default(size=20)


def _draw_line(line: LaidOutLine, width: int) -> Image.Image:
    text_image = Image.new("L", (max(1, len(line.text)) * _CHAR_W, _CHAR_H), 255)
    pen = ImageDraw.Draw(text_image)
    pen.text((0, 2), line.text, font=_font(line.bold), fill=0)
    if line.underline and line.text:
        pen.line((0, _CHAR_H - 2, len(line.text) * _CHAR_W, _CHAR_H - 2), fill=0, width=2)
    scaled = text_image.resize(
        (text_image.width * width_factor(line.size), _CHAR_H * height_factor(line.size)),
        Image.Resampling.NEAREST,
    )
    row = Image.new("L", (width, scaled.height), 255)
    free = max(0, width - scaled.width)
    x = {"left": 0, "center": free // 2, "right": free}[line.align]
    row.paste(scaled.crop((0, 0, min(scaled.width, width), scaled.height)), (x, 0))
    return row


def _draw(lines: list[LaidOutLine], qr_payload: str | None, width: int, cut: bool) -> Image.Image:
    rows = [_draw_line(line, width) for line in lines]
    if qr_payload is not None:
        symbol = qrcode.QRCode(
            error_correction=QRCODE_ERROR_CORRECTION, box_size=_QR_MODULE_DOTS, border=QR_QUIET_ZONE
        )
        symbol.add_data(qr_payload)
        symbol.make(fit=True)
        picture = symbol.make_image().get_image().convert("L")
        if picture.width > width:
            picture = picture.resize((width, width), Image.Resampling.NEAREST)
        row = Image.new("L", (width, picture.height), 255)
        row.paste(picture, ((width - picture.width) // 2, 0))
        rows.append(row)
    end = Image.new("L", (width, 3 * _CHAR_H), 255)
    if cut:
        pen = ImageDraw.Draw(end)
        for x in range(0, width, 16):
            pen.line((x, end.height - 4, x + 8, end.height - 4), fill=0, width=2)
    rows.append(end)
    sheet = Image.new("L", (width, sum(r.height for r in rows)), 255)
    y = 0
    for row in rows:
        sheet.paste(row, (0, y))
        y += row.height
    return sheet


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
