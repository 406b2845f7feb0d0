"""Building blocks of hostile input: text no form expects, JSON that json.dumps cannot
write, numbers as strings and floats, PDFs built to hurt a parser, images that lie about
their size. Hypothesis strategies and plain builders; resident_inputs.py makes requests
of them.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from dataclasses import dataclass
from typing import Any

import base45
from hypothesis import strategies as st
from PIL import Image

from loket_protocol.qr import OFFLINE_PREFIX

# --- text ------------------------------------------------------------------------------

# What keyboards, copy-paste and attackers put into text that no form expects. Hypothesis
# draws no surrogate on its own, and these rarely: they are mixed in by hand.
AWKWARD = (
    # line breaks and controls
    "\x00", "\r", "\n", "\r\n", "\t", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b",
    "\u2028", "\u2029", "\x1b[31m",
    # invisible and direction characters
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\U000e0001",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
    "\u2069", "\u061c", "\u200e", "\u200f",
    # combining marks, decomposed letters, characters NFC or NFKC change
    "\u0301", "\u0303", "\u0316", "\u0f73", "e\u0301", "n\u0303", "\u1100\u1161", "Å",
    "ﬁ", "ẞ", "İ", "ǅ", "ﷺ",
    # lone surrogates (and the two halves of an emoji, apart)
    "\ud800", "\udfff", "\ud83d", "\ude00", "\udbff",
    # the edges of the code space and other scripts
    "\ufffd", "\ufffe", "\uffff", "\U0010ffff", "😀", "👨\u200d👩\u200d👧", "🇮🇩",
    "سلام", "שלום", "Nguyễn", "Ñoño", "\u00a0", "\u3000", "٢٠١٠", "２０１０",
    # markup, templates, SQL and paths
    "<script>alert(1)</script>", "{{ 7*7 }}", "{% raw %}", "${7*7}", "'; DROP TABLE x;--",
    '"', "\\", "%00", "%s", "../", "&amp;", "</p>",
)  # fmt: skip
_PIECE = st.one_of(st.characters(), st.sampled_from(AWKWARD))
SHORT_TEXT = st.lists(_PIECE, max_size=24).map("".join)
# Long text built in one step (drawing it character by character would be slow). At most
# ~720 KB as JSON, under the 1 MB body limit; a few go over on purpose.
_UNITS = ("A", "é", " ", "9", "\u0301", "\u0301\u0316", "\u0f73", "😀", "\x00", "\r\n", "\ud800")
LONG_TEXT = st.builds(lambda unit, n: unit * n, st.sampled_from(_UNITS), st.integers(200, 60_000))
TEXT = st.one_of(SHORT_TEXT, SHORT_TEXT, SHORT_TEXT, LONG_TEXT)

NUMERIC_STRINGS = st.sampled_from(
    (
        "2010", "2010.5", "20.10", "2,010", "1.500.000", "1.500.00", "1e3", "0x7DA", "٢٠١٠",
        "２０１０", " 2010 ", "-5", "+5", "NaN", "Infinity", "1_000", "00002010", "9" * 400,
        "0", "", " ", "2010\x00",
    )
)  # fmt: skip
NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**64 + 2),
    st.integers(min_value=10**300, max_value=10**4000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from((2010.5, 2010.0, -0.0, 1e308, 5e-324, 0.1, 2010)),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT, NUMERIC_STRINGS)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(SHORT_TEXT, inner, max_size=4),
    max_leaves=12,
)


@dataclass(frozen=True)
class Ref:
    """A value known only when the probe is sent: a real code, secret or CSRF token."""

    name: str


@dataclass(frozen=True)
class Raw:
    """JSON text put into a body as it is: what json.dumps cannot write (nesting deeper
    than Python's recursion limit, a number of 5,000 digits, duplicate keys, NaN)."""

    text: bytes


RAW_VALUES = st.one_of(
    st.integers(10, 150_000).map(lambda n: Raw(b"[" * n + b"]" * n)),
    st.integers(10, 100_000).map(lambda n: Raw(b'{"a":' * n + b"1" + b"}" * n)),
    st.integers(4_000, 20_000).map(lambda n: Raw(b"9" * n)),
    st.sampled_from(
        [
            Raw(b"1e999"), Raw(b"-1e999"), Raw(b"NaN"), Raw(b"-Infinity"), Raw(b"-0"),
            Raw(b'{"a":1,"a":[2]}'), Raw(b'"\\ud800"'), Raw(b'"\\u0000"'), Raw(b"[" * 50),
        ]
    ),
)  # fmt: skip
# Wide but shallow: many keys or items, each small.
WIDE_VALUES = st.one_of(
    st.integers(100, 20_000).map(lambda n: {f"f{i}": "x" for i in range(n)}),
    st.integers(100, 50_000).map(lambda n: [0] * n),
)
ANY_VALUE = st.one_of(JSON_VALUES, JSON_VALUES, JSON_VALUES, RAW_VALUES, WIDE_VALUES)
# Text a form takes (no control, hidden or broken characters) that is still awkward for
# what reads it later: markup, templates, other scripts, emoji, line breaks.
KEPT_TEXT = st.lists(
    st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"))
    | st.sampled_from(
        (
            "<script>alert(1)</script>",
            "{{ 7*7 }}",
            "{% if %}",
            "&amp;",
            "\n",
            "سلام",
            "שלום",
            "Nguyễn",
            "😀",
            "🇮🇩",
            "ﷺ",
            "e\u0301",
            "Å",
            "ﬁ",
            "\\",
            '"',
            "'",
            "%s",
            "\t",
        )
    ),
    min_size=1,
    max_size=40,
).map("".join)


def dump_json(value: Any, *, ascii_only: bool = True, refs: dict[str, str] | None = None) -> bytes:
    """JSON of `value`, with Raw parts put in verbatim and Refs filled in. Not ASCII: lone
    surrogates become the bytes a broken encoder writes (invalid UTF-8), as a hostile
    client could send."""
    raws: list[bytes] = []

    def swap(v: Any) -> Any:
        if isinstance(v, Ref):
            return (refs or {})[v.name]
        if isinstance(v, Raw):
            raws.append(v.text)
            return f"\x00RAW{len(raws) - 1}\x00"
        if isinstance(v, dict):
            return {k: swap(x) for k, x in v.items()}
        if isinstance(v, list):
            return [swap(x) for x in v]
        return v

    text = json.dumps(swap(value), ensure_ascii=ascii_only, allow_nan=True)
    data = text.encode("utf-8", "surrogatepass")
    for i, raw in enumerate(raws):
        data = data.replace(f'"\\u0000RAW{i}\\u0000"'.encode(), raw, 1)
    return data


def header_value(max_size: int = 120) -> st.SearchStrategy[bytes]:
    """A header's value: visible ASCII with spaces inside (what an HTTP client sends), or
    now and then with bytes over 0x7F too (obs-text: a raw client can send them, Starlette
    reads them as Latin-1; httpx refuses to, so those only reach an app in process)."""
    visible = st.integers(0x21, 0x7E)
    plain = st.lists(visible | st.just(0x20), min_size=1, max_size=max_size).map(
        lambda b: bytes(b).strip() or b"x"
    )
    latin1 = st.lists(visible | st.integers(0x80, 0xFF), min_size=1, max_size=max_size)
    return st.one_of(plain, plain, plain, latin1.map(bytes))


# Request codes and secrets as typed, scanned or made up.
CODE_TEXT = st.one_of(
    SHORT_TEXT,
    st.text("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=12),
    st.sampled_from(["", "..", ".", "%2F", "A" * 300, "\x00", "12345678\x00"]),
)
SECRET_TEXT = st.one_of(
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=32, max_size=32),
    header_value(100),
)


def one_in(draw: st.DrawFn, n: int) -> bool:
    """True about once in n draws. (Not on 0: hypothesis tries all-zero choices early
    and often, which would make the rare branch the common one.)"""
    return draw(st.integers(1, n)) == (n + 1) // 2


# --- files ---------------------------------------------------------------------------


def pdf_file(objects: list[bytes], *, trailer: bytes = b"") -> bytes:
    """A PDF of the given objects (numbered from 1, the first the catalog) with its xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _fields_pdf(n: int) -> bytes:
    fields = b" ".join(b"<< /FT /Sig /T (s%d) >>" % i for i in range(n))
    return pdf_file([b"<< /Type /Catalog /AcroForm << /Fields [" + fields + b"] >> >>"])


def _kids_loop_pdf() -> bytes:
    return pdf_file(
        [
            b"<< /Type /Catalog /AcroForm << /Fields [2 0 R] >> >>",
            b"<< /FT /Sig /T (a) /Kids [2 0 R] >>",
        ]
    )


def _revisions_pdf(n: int) -> bytes:
    """A PDF updated n times (each revision an xref section pointing to the one before)."""
    out = bytearray(pdf_file([b"<< /Type /Catalog >>"]))
    prev = int(out.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    for _ in range(n):
        xref = len(out)
        out += b"xref\n0 1\n0000000000 65535 f \n"
        out += b"trailer\n<< /Size 2 /Root 1 0 R /Prev %d >>\n" % prev
        out += b"startxref\n%d\n%%%%EOF\n" % xref
        prev = xref
    return bytes(out)


def hostile_pdfs(letter_pdf: bytes) -> st.SearchStrategy[bytes]:
    """The real letter, changed a little or a lot, and PDFs built to hurt a parser."""

    def flip(data: bytes, at: int, byte: int) -> bytes:
        at %= max(1, len(data))
        return data[:at] + bytes([byte]) + data[at + 1 :]

    return st.one_of(
        st.just(letter_pdf),
        st.builds(flip, st.just(letter_pdf), st.integers(0, 10**7), st.integers(0, 255)),
        st.integers(0, len(letter_pdf)).map(lambda n: letter_pdf[:n]),
        st.binary(max_size=300).map(lambda junk: letter_pdf + junk),
        st.binary(max_size=2000),
        st.binary(max_size=500).map(lambda b: b"%PDF-1.7\n" + b),
        st.integers(10, 200_000).map(
            lambda n: pdf_file([b"<< /Type /Catalog /X " + b"[" * n + b"]" * n + b" >>"])
        ),
        st.integers(1, 12_000).map(_fields_pdf),
        st.integers(1, 40).map(_revisions_pdf),
        st.sampled_from(
            [
                _kids_loop_pdf(),
                pdf_file([b"<< /Type /Catalog >>"], trailer=b"/Encrypt << /Filter /Standard >> "),
                pdf_file([b"<< /Type /Catalog /Pages 1 0 R >>"]),
                pdf_file([b"<< /Type /Catalog >>"]).replace(b"/Size 2", b"/Size 2147483647"),
                pdf_file([b"<< /Type /Catalog >>"]).replace(b"startxref\n", b"startxref\n99999"),
                b"%PDF-1.7\n1 0 obj\n<< /Length 999999999 >>\nstream\nx\nendstream\nendobj\n",
                b"",
            ]
        ),
    )


def filename() -> st.SearchStrategy[str]:
    return st.one_of(
        st.just("surat.pdf"),
        st.sampled_from(["../../etc/passwd", "a" * 2000, "", "surat.pdf\x00.exe", "😀.pdf"]),
        SHORT_TEXT,
    )


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (11, 93, 59)).save(out, format="PNG")
    return out.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares its size and holds no pixels (truncated after the header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


def _gif_header(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00;"


def logo_images() -> st.SearchStrategy[bytes]:
    good = _png(64, 48)
    buf = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buf, format="JPEG")
    jpeg = buf.getvalue()
    return st.one_of(
        st.just(good),
        st.builds(_png_header, st.integers(1, 65_535), st.integers(1, 65_535)),
        st.builds(_gif_header, st.integers(0, 65_535), st.integers(0, 65_535)),
        st.integers(0, len(good)).map(lambda n: good[:n]),
        st.integers(0, len(jpeg)).map(lambda n: jpeg[:n]),
        st.binary(max_size=500),
        st.sampled_from([b"", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"%PDF-1.7\n"]),
    )


def offline_frame(data: bytes) -> str:
    return OFFLINE_PREFIX + base45.b45encode(zlib.compress(data, 9)).decode("ascii")
