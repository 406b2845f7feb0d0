"""Receipt text shaping: turn Unicode lines into what a receipt printer can show.

Thermal printers print one 8-bit code page at a time. Indonesian itself is plain
Latin, but text pasted from word processors brings curly quotes, dashes, ellipses and
non-breaking spaces, which print as garbage on a code page without them. We turn those
into their ASCII equivalents, keep accented letters the code page has (names like
"José"), fold the rest to their base letter and only then fall back to "?".
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from printer_drivers.base import Align, Receipt, TextSize

# Typography that word processors and phones insert, mapped to what every printer has.
TYPOGRAPHY: dict[str, str] = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark (also the apostrophe in "Jum’at")
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",  # prime
    "\u2039": "<",
    "\u203a": ">",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",
    "\u2212": "-",  # minus sign
    "\u2026": "...",
    "\u00a0": " ",  # no-break space
    "\u2002": " ",
    "\u2003": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",  # zero-width space
    "\u200c": "",
    "\u200d": "",
    "\ufeff": "",
    "\u00ad": "",  # soft hyphen
    "\u2022": "*",  # bullet
    "\u2122": "(TM)",
    "\u00a9": "(C)",
    "\u00ae": "(R)",
    "\u00d7": "x",
    "\u20ac": "EUR",
    "\u2116": "No.",
    "\t": " ",
}


def to_printable(text: str, can_encode: Callable[[str], bool]) -> str:
    """Return ``text`` using only characters ``can_encode`` accepts (plus ASCII).

    ``can_encode(ch)`` says whether the printer's code page has ``ch``.
    """
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char in TYPOGRAPHY:
            out.append(TYPOGRAPHY[char])
        elif " " <= char <= "~":
            out.append(char)
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            continue  # control characters would be read as printer commands
        elif can_encode(char):
            out.append(char)
        else:
            out.append(_fold(char))
    return "".join(out)


# Latin letters that Unicode does not decompose into base letter + accent.
_UNDECOMPOSABLE = {
    "Ł": "L",
    "ł": "l",
    "Ø": "O",
    "ø": "o",
    "Đ": "D",
    "đ": "d",
    "ß": "ss",
    "Æ": "AE",
    "æ": "ae",
    "Œ": "OE",
    "œ": "oe",
    "ı": "i",
}


def _fold(char: str) -> str:
    """A letter without its accent ("ā" -> "a"), or "?" when there is no such thing."""
    if char in _UNDECOMPOSABLE:
        return _UNDECOMPOSABLE[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base and all(" " <= c <= "~" for c in base):
        return base
    return "?"


@dataclass(frozen=True, slots=True)
class LaidOutLine:
    """One physical line on the paper, already transliterated and wrapped."""

    text: str
    bold: bool = False
    underline: bool = False
    align: Align = "left"
    size: TextSize = "normal"


def width_factor(size: TextSize) -> int:
    return 2 if size in ("double", "wide") else 1


def height_factor(size: TextSize) -> int:
    return 2 if size in ("double", "tall") else 1


def layout(receipt: Receipt, columns: int, can_encode: Callable[[str], bool]) -> list[LaidOutLine]:
    """Wrap each receipt line at ``columns`` characters (font A, normal width).

    Wrapping here rather than letting the printer wrap keeps words whole and keeps
    alignment on continuation lines.
    """
    lines: list[LaidOutLine] = []
    for line in receipt.lines:
        width = max(1, columns // width_factor(line.size))
        for paragraph in line.text.replace("\r\n", "\n").split("\n"):
            wrapped = textwrap.wrap(
                to_printable(paragraph, can_encode),
                width=width,
                break_long_words=True,
                break_on_hyphens=False,
            ) or [""]
            for piece in wrapped:
                lines.append(
                    LaidOutLine(
                        text=piece,
                        bold=line.bold,
                        underline=line.underline,
                        align=line.align,
                        size=line.size,
                    )
                )
    return lines
