"""Turn ESC/POS bytes back into what would be on the paper.

``split_commands`` cuts a byte stream into commands (the emulator uses it to answer
status queries in the right order); ``decode`` replays the commands into text lines
with their emphasis, raster images (GS v 0), QR codes (GS ( k, drawn as the printer
would draw them), feeds and cuts. Written from the Epson ESC/POS reference, not from
python-escpos, so a test compares the printer's view with what the kiosk asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import qrcode
import qrcode.constants
from PIL import Image

ESC, GS, DLE, FS = 0x1B, 0x1D, 0x10, 0x1C

# ESC t n -> Python codec (Epson's standard table numbers).
CODE_TABLES = {
    0: "cp437",
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    16: "cp1252",
    17: "cp866",
    18: "cp852",
    19: "cp858",
}

# Commands with a fixed total length (including the prefix bytes).
_ESC_LENGTHS = {
    **dict.fromkeys(b"@2<SL", 2),
    **dict.fromkeys(b"t!E-aMG{dJ3VrUR TKeA+=?", 3),
    **dict.fromkeys(b"c$\\B", 4),
    ord("p"): 5,
    ord("W"): 10,
}
_GS_LENGTHS = {
    **dict.fromkeys(b"!BrbHfhw|aITE", 3),
    **dict.fromkeys(b"LWP$\\^", 4),
}
_FS_LENGTHS = {
    **dict.fromkeys(b"&.", 2),
    **dict.fromkeys(b"C!-W", 3),
    **dict.fromkeys(b"pS", 4),
}


@dataclass(frozen=True)
class Command:
    name: str
    raw: bytes


def _length(buf: bytes | bytearray, pos: int) -> int | None:
    """Length of the command starting at ``pos``, None when it is not complete yet."""
    n = len(buf) - pos
    lead = buf[pos]
    if lead >= 0x20 or lead in (0x0A, 0x0D, 0x09, 0x0C):
        return 1
    if lead not in (ESC, GS, DLE, FS):
        return 1  # other control bytes: ignored by printers, one byte each
    if n < 2:
        return None
    op = buf[pos + 1]
    if lead == DLE:
        if op in (0x04, 0x05):
            return 3 if n >= 3 else None
        if op == 0x14:
            if n < 3:
                return None
            return 10 if buf[pos + 2] == 8 else 5
        return 1
    if lead == ESC:
        if op == ord("*"):  # ESC * m nL nH d...
            if n < 5:
                return None
            m, dots = buf[pos + 2], buf[pos + 3] + 256 * buf[pos + 4]
            return 5 + dots * (3 if m in (32, 33) else 1)
        if op == ord("D"):  # tab stops, NUL-terminated
            end = buf.find(b"\x00", pos + 2)
            return None if end < 0 else end - pos + 1
        return _ESC_LENGTHS.get(op, 2)
    if lead == GS:
        if op == ord("V"):
            if n < 3:
                return None
            return 3 if buf[pos + 2] in (0, 1, 48, 49) else 4
        if op == ord("v"):  # GS v 0 m xL xH yL yH d...
            if n < 8:
                return None
            width_bytes = buf[pos + 4] + 256 * buf[pos + 5]
            height = buf[pos + 6] + 256 * buf[pos + 7]
            return 8 + width_bytes * height
        if op == ord("("):  # GS ( fn pL pH d...
            if n < 5:
                return None
            return 5 + buf[pos + 3] + 256 * buf[pos + 4]
        if op == ord("k"):  # barcodes
            if n < 3:
                return None
            if buf[pos + 2] < 65:
                end = buf.find(b"\x00", pos + 3)
                return None if end < 0 else end - pos + 1
            return None if n < 4 else 4 + buf[pos + 3]
        return _GS_LENGTHS.get(op, 2)
    return _FS_LENGTHS.get(op, 2)


def _name(raw: bytes) -> str:
    lead = raw[0]
    if lead >= 0x20:
        return "text"
    names = {0x0A: "LF", 0x0D: "CR", 0x09: "HT", 0x0C: "FF"}
    if lead in names:
        return names[lead]
    prefix = {ESC: "ESC", GS: "GS", DLE: "DLE", FS: "FS"}.get(lead)
    if prefix is None or len(raw) < 2:
        return f"0x{lead:02x}"
    if lead == DLE:
        return {0x04: "DLE EOT", 0x05: "DLE ENQ", 0x14: "DLE DC4"}.get(
            raw[1], f"DLE 0x{raw[1]:02x}"
        )
    op = chr(raw[1])
    if lead == GS and op in "v(" and len(raw) > 2:
        return f"GS {op} {chr(raw[2])}"
    return f"{prefix} {op}"


def split_commands(buf: bytes | bytearray, pos: int = 0) -> tuple[list[Command], int]:
    """Complete commands from ``pos`` on, and where the incomplete rest starts."""
    commands: list[Command] = []
    while pos < len(buf):
        size = _length(buf, pos)
        if size is None or pos + size > len(buf):
            break  # the rest of this command has not arrived yet
        if buf[pos] >= 0x20:  # a run of text is one command
            end = pos
            while end < len(buf) and buf[end] >= 0x20:
                end += 1
            size = end - pos
        raw = bytes(buf[pos : pos + size])
        commands.append(Command(_name(raw), raw))
        pos += size
    return commands, pos


# --- what is on the paper --------------------------------------------------------------


@dataclass
class TextLine:
    text: str
    bold: bool = False
    underline: bool = False
    align: str = "left"
    width: int = 1  # character width multiplier
    height: int = 1


@dataclass
class Picture:
    """A raster image as printed: mode "L", ink black (0) on white (255)."""

    image: Image.Image
    align: str = "left"


@dataclass
class QrSymbol:
    payload: str
    module_dots: int
    error_correction: str
    image: Image.Image  # drawn as the printer would draw it


@dataclass
class Feed:
    lines: int


@dataclass
class Cut:
    partial: bool


@dataclass
class Paper:
    elements: list[TextLine | Picture | QrSymbol | Feed | Cut] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    code_tables: list[int] = field(default_factory=list)

    @property
    def lines(self) -> list[TextLine]:
        return [e for e in self.elements if isinstance(e, TextLine)]

    @property
    def text(self) -> list[str]:
        return [line.text for line in self.lines]

    @property
    def pictures(self) -> list[Picture]:
        return [e for e in self.elements if isinstance(e, Picture)]

    @property
    def qr_symbols(self) -> list[QrSymbol]:
        return [e for e in self.elements if isinstance(e, QrSymbol)]

    @property
    def cuts(self) -> list[Cut]:
        return [e for e in self.elements if isinstance(e, Cut)]


@dataclass
class _State:
    bold: bool = False
    underline: bool = False
    align: str = "left"
    width: int = 1
    height: int = 1
    table: int = 0


_ALIGN = {0: "left", 48: "left", 1: "center", 49: "center", 2: "right", 50: "right"}
_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}
_QR_EC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def decode(data: bytes | bytearray) -> Paper:
    commands, end = split_commands(data)
    paper = Paper()
    if end != len(data):
        paper.unknown.append(f"incomplete command at byte {end}")
    state = _State()
    pending = bytearray()
    line_state: _State | None = None
    qr = _QrState()

    def flush(force: bool) -> None:
        nonlocal line_state
        if pending or force:
            st = line_state or state
            codec = CODE_TABLES.get(st.table, "cp437")
            paper.elements.append(
                TextLine(
                    pending.decode(codec, errors="replace"),
                    st.bold,
                    st.underline,
                    st.align,
                    st.width,
                    st.height,
                )
            )
            pending.clear()
            line_state = None

    for cmd in commands:
        raw, name = cmd.raw, cmd.name
        if name == "text":
            if not pending:
                line_state = _State(**vars(state))
            pending += raw
        elif name == "LF":
            flush(force=True)
        elif name in ("CR", "DLE EOT", "DLE ENQ", "DLE DC4", "GS r"):
            continue  # carriage return is a no-op in line mode; the rest are queries
        elif name == "ESC @":
            flush(force=False)
            state = _State()
        elif name == "ESC t":
            state.table = raw[2]
            paper.code_tables.append(raw[2])
            if raw[2] not in CODE_TABLES:
                paper.unknown.append(f"code table {raw[2]}")
        elif name == "ESC E":
            state.bold = bool(raw[2] & 1)
        elif name == "ESC -":
            state.underline = raw[2] in (1, 2, 49, 50)
        elif name == "ESC a":
            state.align = _ALIGN.get(raw[2], "left")
        elif name == "ESC !":
            mode = raw[2]
            state.bold = bool(mode & 0x08)
            state.height = 2 if mode & 0x10 else 1
            state.width = 2 if mode & 0x20 else 1
            state.underline = bool(mode & 0x80)
        elif name == "GS !":
            state.width = (raw[2] >> 4) + 1
            state.height = (raw[2] & 0x0F) + 1
        elif name == "ESC d":
            flush(force=False)
            paper.elements.append(Feed(raw[2]))
        elif name == "ESC J":
            flush(force=False)
            paper.elements.append(Feed(0))
        elif name == "GS V":
            flush(force=False)
            paper.elements.append(Cut(partial=raw[2] in (1, 49, 66, 98)))
        elif name == "GS v 0":
            flush(force=False)
            _add_raster(paper, raw, state.align)
        elif name == "GS ( k":
            _qr_command(paper, raw, qr)
        elif name in ("ESC M", "ESC G", "ESC {", "ESC 2", "ESC 3", "GS b", "GS B", "GS |"):
            continue  # font, double strike, rotation, spacing, smoothing: not checked
        else:
            paper.unknown.append(name)
    flush(force=False)
    return paper


def _add_raster(paper: Paper, raw: bytes, align: str) -> None:
    width_bytes = raw[4] + 256 * raw[5]
    height = raw[6] + 256 * raw[7]
    bits = Image.frombytes("1", (width_bytes * 8, height), raw[8:])
    # In ESC/POS a set bit is a black dot; PIL's "1" treats a set bit as white.
    band = bits.convert("L").point(lambda v: 255 - v)
    previous = paper.elements[-1] if paper.elements else None
    if isinstance(previous, Picture) and previous.image.width == band.width:
        # python-escpos sends a tall image as several bands: join them again.
        joined = Image.new("L", (band.width, previous.image.height + band.height), 255)
        joined.paste(previous.image, (0, 0))
        joined.paste(band, (0, previous.image.height))
        previous.image = joined
    else:
        paper.elements.append(Picture(band, align))


@dataclass
class _QrState:
    """GS ( k stores the symbol's settings and data first, then prints it."""

    payload: bytes = b""
    module_dots: int = 3
    error_correction: str = "L"


def _qr_command(paper: Paper, raw: bytes, qr: _QrState) -> None:
    cn, fn = raw[5], raw[6]
    if cn != 0x31:
        paper.unknown.append(f"GS ( k cn={cn}")
        return
    if fn == 0x43:
        qr.module_dots = raw[7]
    elif fn == 0x45:
        qr.error_correction = _EC.get(raw[7], "L")
    elif fn == 0x50:
        qr.payload = raw[8:]
    elif fn == 0x51:
        payload = qr.payload.decode("utf-8")
        symbol = qrcode.QRCode(
            error_correction=_QR_EC[qr.error_correction], box_size=qr.module_dots, border=4
        )
        symbol.add_data(payload)
        symbol.make(fit=True)
        image = symbol.make_image().get_image().convert("L")
        paper.elements.append(QrSymbol(payload, qr.module_dots, qr.error_correction, image))


def read_qr(image: Image.Image) -> list[str]:
    """Every QR code zxing-cpp finds in ``image`` (a photo of the paper, in effect)."""
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]
