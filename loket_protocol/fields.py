"""Field formats that both the server and the kiosk check, written once."""

from __future__ import annotations

import re
import unicodedata

# An Indonesian mobile number: 08..., 628... or +628..., 10 to 15 digits in all.
PHONE_RE = re.compile(r"^(\+62|62|0)8[0-9]{7,12}$")

# A whole number as people write it: 2010, or with dots between groups of three
# (1.000.000). "2010.5" or "20.10" is not one: the dot is never a decimal point here.
NUMBER_RE = re.compile(r"^(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+)$")


def normalize_phone(text: str) -> str:
    """Spaces and dashes people type between digit groups removed."""
    return re.sub(r"[\s-]", "", text)


# Characters that change the order or the look of text without being seen: a
# right-to-left override makes "Jl. <RLO>AWAS" print as "Jl. SAWA". Indonesian text needs
# none of them, and the rest of the invisible formatting characters (Unicode category Cf:
# zero-width spaces, word joiners, a stray byte-order mark) are refused with them.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Every way a line can end (Windows CRLF from a browser's textarea, old Mac CR, Unicode's
# NEL and line/paragraph separators) becomes one "\n".
_LINE_BREAK_RE = re.compile("\r\n|[\r\x85\u2028\u2029]")


# Unicode's stream-safe text format (UAX #15) allows at most 30 combining marks in a row,
# and no language needs more. NFC sorts each run of them by insertion, holding the GIL:
# a 240 KB run ("Zalgo" text) cost a field 10 s of CPU, a 1 MB body minutes.
MAX_COMBINING_RUN = 30
# Not combining marks themselves, but each decomposes (NFD) into two of them.
_DECOMPOSE_TO_TWO_MARKS = frozenset("\u0f73\u0f75\u0f81")


class TextRefused(ValueError):
    """Text that cannot be kept as it is; `message` (Indonesian) says why, without a label."""

    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message = message
        self.message_en = message_en


def clean_text(text: str) -> str:
    """The one normalisation of text a person typed: Unicode NFC, every line break "\\n".

    Refuses (TextRefused) a lone UTF-16 surrogate (no real text holds one; it cannot even
    be written as UTF-8), a control character other than tab and line break, and the
    invisible direction and formatting characters above. Before normalising, it refuses
    a run of more combining marks than MAX_COMBINING_RUN, so NFC's work stays linear.
    """
    run = 0
    for char in text:
        if "\ud800" <= char <= "\udfff":
            raise TextRefused(
                "surrogate",
                "berisi karakter rusak yang tidak dapat disimpan. Ketik ulang isian ini.",
                "contains a broken character that cannot be stored.",
            )
        if unicodedata.combining(char):
            run += 1
        elif char in _DECOMPOSE_TO_TWO_MARKS:
            run += 2
        else:
            run = 0
        if run > MAX_COMBINING_RUN:
            raise TextRefused(
                "combining",
                "berisi terlalu banyak tanda di atas atau di bawah huruf berturut-turut "
                "(biasanya ikut tersalin dari tempat lain). Ketik ulang isian ini tanpa "
                "menyalin.",
                "contains too many combining marks in a row.",
            )
    text = _LINE_BREAK_RE.sub("\n", unicodedata.normalize("NFC", text))
    for char in text:
        if char in BIDI_CONTROLS:
            raise TextRefused(
                "bidi_control",
                "berisi karakter tersembunyi pengatur arah tulisan (biasanya ikut tersalin "
                "dari tempat lain). Ketik ulang isian ini tanpa menyalin.",
                "contains a hidden text-direction character.",
            )
        category = unicodedata.category(char)
        if category == "Cf":
            raise TextRefused(
                "invisible",
                "berisi karakter tersembunyi (biasanya ikut tersalin dari tempat lain). "
                "Ketik ulang isian ini tanpa menyalin.",
                "contains a hidden formatting character.",
            )
        if category == "Cc" and char not in "\n\t":
            raise TextRefused(
                "control",
                "berisi karakter yang tidak diizinkan.",
                "contains a character that is not allowed.",
            )
    return text
