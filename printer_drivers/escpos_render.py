"""ESC/POS job bytes, built with python-escpos's command encoder (its Dummy printer).

Rendering is pure (Receipt or page images in, bytes out) so every connection sends the
same bytes and tests can check them without a device. The printer profile
(python-escpos's capability database) decides the paper width, the columns, whether
the printer draws QR codes itself and whether it has a cutter.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import qrcode
import qrcode.constants
from escpos import capabilities
from escpos.constants import QR_ECLEVEL_H, QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q, QR_MODEL_2
from escpos.magicencode import Encoder
from escpos.printer import Dummy
from PIL import Image

from loket_protocol.qr import QR_ERROR_CORRECTION, QR_QUIET_ZONE, QRCODE_ERROR_CORRECTION
from printer_drivers.base import Receipt
from printer_drivers.errors import PrinterError, PrinterErrorKind
from printer_drivers.receipt import height_factor, layout, width_factor

DEFAULT_PROFILE = "default"
# Width assumed when neither the profile nor the URL gives one: narrow enough for a
# 58 mm printer, so the worst case is a letter printed narrower than it could be.
FALLBACK_WIDTH_DOTS = 384
DEFAULT_CODEPAGE = "CP437"  # slot 0: every ESC/POS printer has it
FONT_A_DOTS = 12  # font A is 12 x 24 dots on Epson and its clones
# GS v 0 bands of at most 255 rows: the height then fits in one byte, which some
# clone printers require.
RASTER_BAND_ROWS = 255
# 1 mm modules at 203 dpi: a pickup symbol (33 modules) with its quiet zone still fits
# 58 mm paper, and a kiosk webcam reads far more faded, moving or distant receipts than
# at 6 dots (benchmarks/qr_reading.py --styles, issue 16).
QR_MAX_MODULE_DOTS = 8
QR_MIN_MODULE_DOTS = 2
QR_QUIET_MODULES = QR_QUIET_ZONE
_QR_LEVELS = {"L": QR_ECLEVEL_L, "M": QR_ECLEVEL_M, "Q": QR_ECLEVEL_Q, "H": QR_ECLEVEL_H}


@dataclass(frozen=True)
class EscposProfile:
    """A python-escpos profile with this office's overrides applied."""

    name: str
    width_dots: int
    columns: int
    native_qr: bool
    codepage: str
    codepage_slot: int

    @cached_property
    def _escpos_profile(self) -> capabilities.BaseProfile:
        profile = capabilities.get_profile(self.name)
        # The database entry is shared by every instance of the class; copy before
        # overriding the width so python-escpos centres and checks images against ours.
        data = copy.deepcopy(profile.profile_data)
        data.setdefault("media", {}).setdefault("width", {})["pixels"] = self.width_dots
        profile.profile_data = data
        return profile

    @property
    def cuts(self) -> bool:
        features = self._escpos_profile.profile_data.get("features", {})
        return bool(features.get("paperPartCut") or features.get("paperFullCut"))

    def can_encode(self, char: str) -> bool:
        return bool(self._encoder.can_encode(self.codepage, char))

    @cached_property
    def _encoder(self) -> Encoder:
        return Encoder({self.codepage: self.codepage_slot})

    def new_buffer(self) -> Dummy:
        # The encoder gets only our code page, at the slot resolve_profile chose (left
        # to itself it maps CP437 to slot 52 on a POS-5890, the last of its duplicates).
        buffer = Dummy(profile=self.name, magic_encode_args={"encoder": self._encoder})
        # Dummy takes a profile only by name; swap in ours with the width override.
        buffer.profile = self._escpos_profile
        return buffer


def profile_names() -> list[str]:
    return sorted(capabilities.CAPABILITIES["profiles"])


def resolve_profile(
    name: str | None = None,
    *,
    width_dots: int | None = None,
    codepage: str | None = None,
    native_qr: bool | None = None,
) -> EscposProfile:
    """Look up a python-escpos profile by name (case-insensitive) and apply overrides.

    Raises PrinterError(BAD_CONFIGURATION) for an unknown profile or code page.
    """
    names = {n.lower(): n for n in capabilities.CAPABILITIES["profiles"]}
    wanted = (name or DEFAULT_PROFILE).strip()
    real_name = names.get(wanted.lower())
    if real_name is None:
        close = difflib.get_close_matches(wanted, list(names.values()), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise PrinterError(
            PrinterErrorKind.BAD_CONFIGURATION,
            f"unknown ESC/POS profile {wanted!r}.{hint} Known profiles: "
            f"{', '.join(profile_names())}",
            message_id=(
                f"Profil printer '{wanted}' tidak dikenal."
                + (f" Mungkin maksudnya: {', '.join(close)}." if close else "")
                + " Contoh: escpos+tcp://192.168.1.50:9100?profile=TM-T88V"
            ),
        )
    data = capabilities.CAPABILITIES["profiles"][real_name]
    profile_pixels = data.get("media", {}).get("width", {}).get("pixels")
    if width_dots is None and isinstance(profile_pixels, int):
        width = profile_pixels
        columns = int(data["fonts"]["0"]["columns"])
    else:
        width = width_dots or FALLBACK_WIDTH_DOTS
        columns = width // FONT_A_DOTS
    # Lowest slot per code page: some profiles list a page twice (POS-5890 has CP437 at
    # 0, 50 and 52) and the clones only reliably have the low slots.
    slots: dict[str, int] = {}
    for slot, page in sorted(data["codePages"].items(), key=lambda item: int(item[0])):
        if page != "Unknown":
            slots.setdefault(page.upper(), int(slot))
    page_name = (codepage or DEFAULT_CODEPAGE).upper()
    if page_name not in slots:
        raise PrinterError(
            PrinterErrorKind.BAD_CONFIGURATION,
            f"code page {page_name} is not in profile {real_name}; it has "
            f"{', '.join(sorted(slots))}",
            message_id=(
                f"Halaman kode {page_name} tidak tersedia di profil {real_name}. "
                "Contoh: escpos+tcp://192.168.1.50:9100?profile=TM-T88V&codepage=CP858"
            ),
        )
    features = data.get("features", {})
    return EscposProfile(
        name=real_name,
        width_dots=width,
        columns=columns,
        native_qr=bool(features.get("qrCode")) if native_qr is None else native_qr,
        codepage=page_name,
        codepage_slot=slots[page_name],
    )


def render_receipt(profile: EscposProfile, receipt: Receipt) -> bytes:
    """The bytes of a receipt: init, code page, lines, QR, cut."""
    out = profile.new_buffer()
    out.hw("INIT")
    # ESC @ returns to the printer's default table, which a technician may have changed;
    # select ours explicitly. The encoder then never switches pages behind our back.
    out.magic.force_encoding(profile.codepage)
    for line in layout(receipt, profile.columns, profile.can_encode):
        wide, tall = width_factor(line.size) == 2, height_factor(line.size) == 2
        out.set(
            align=line.align,
            bold=line.bold,
            underline=1 if line.underline else 0,
            double_width=wide,
            double_height=tall,
            normal_textsize=not (wide or tall),
        )
        out.text(line.text + "\n")
    out.set(align="left", bold=False, underline=0, normal_textsize=True)
    if receipt.qr_payload is not None:
        _qr(out, profile, receipt.qr_payload)
    _finish(out, profile, cut=receipt.cut)
    return out.output


def render_raster(profile: EscposProfile, pages: Sequence[Image.Image], copies: int = 1) -> bytes:
    """The bytes of page images (already ``profile.width_dots`` wide) printed as GS v 0."""
    out = profile.new_buffer()
    out.hw("INIT")
    for _ in range(copies):
        for number, page in enumerate(pages):
            if page.width > profile.width_dots:
                raise ValueError(f"page is {page.width} dots wide, paper {profile.width_dots}")
            if number:
                out.ln(2)  # a visible gap where one page ends and the next begins
            out.image(page, impl="bitImageRaster", fragment_height=RASTER_BAND_ROWS)
        _finish(out, profile, cut=True)
    return out.output


def _qr(out: Dummy, profile: EscposProfile, payload: str) -> None:
    symbol = qrcode.QRCode(error_correction=QRCODE_ERROR_CORRECTION, border=0)
    symbol.add_data(payload)
    symbol.make(fit=True)
    modules = symbol.modules_count + 2 * QR_QUIET_MODULES
    module_dots = min(QR_MAX_MODULE_DOTS, profile.width_dots // modules)
    if module_dots < QR_MIN_MODULE_DOTS:
        raise PrinterError(
            PrinterErrorKind.UNSUPPORTED_JOB,
            f"a QR code of {symbol.modules_count} modules does not fit "
            f"{profile.width_dots} dots; shorten the payload",
            message_id="Kode QR terlalu besar untuk lebar kertas printer ini.",
        )
    out.ln()
    if profile.native_qr:
        out.set(align="center")
        out.qr(
            payload,
            ec=_QR_LEVELS[QR_ERROR_CORRECTION],
            size=module_dots,
            model=QR_MODEL_2,
            native=True,
        )
        out.ln()
        out.set(align="left")
        return
    # The 58 mm class (POS-5890 and clones) has no QR command: send the symbol as a
    # raster image, centred by padding it to the paper width.
    image = qrcode.QRCode(
        error_correction=QRCODE_ERROR_CORRECTION,
        box_size=module_dots,
        border=QR_QUIET_MODULES,
    )
    image.add_data(payload)
    image.make(fit=True)
    symbol_image = image.make_image().get_image().convert("L")
    # Centred here, on white: python-escpos's own centring is lost when it splits a
    # symbol taller than one band (it crops the uncentred original to the paper width,
    # and the crop pads with black: a bar beside the code).
    picture = Image.new("L", (profile.width_dots, symbol_image.height), 255)
    picture.paste(symbol_image, ((profile.width_dots - symbol_image.width) // 2, 0))
    out.image(picture, impl="bitImageRaster", fragment_height=RASTER_BAND_ROWS)


def _finish(out: Dummy, profile: EscposProfile, *, cut: bool) -> None:
    if cut and profile.cuts:
        out.cut(mode="PART")  # feeds past the cutter first
    else:
        out.print_and_feed(4)  # past the tear bar
