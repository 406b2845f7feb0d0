"""What a letter template sees: the input dataclasses, the layouts and the helpers.

Kept free of WeasyPrint so that the admin pages can validate a template (and the request
services can build a `LetterContent`) without loading the PDF engine.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, NamedTuple

from loket_protocol.months import BULAN
from office_server.qr_images import qr_svg_data_uri
from office_server.village import logo as village_logo

logger = logging.getLogger(__name__)

Layout = Literal["A4", "F4", "thermal80", "thermal58"]

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


@dataclass(frozen=True, kw_only=True)
class VillageHeader:
    """The issuing village, as printed in the kop surat and the signature block.

    `kecamatan` and `kabupaten` are bare names ("Cikande", "Serang"); a leading
    "Kecamatan"/"Kabupaten" is tolerated and dropped so it is not printed twice.
    """

    name: str
    kode_desa: str
    kecamatan: str
    kabupaten: str
    provinsi: str
    address: str
    postal_code: str | None = None
    phone: str | None = None
    email: str | None = None
    logo_png: bytes | None = None
    # The village stamp (cap), printed over the signature on letters signed for the kiosk.
    stamp_png: bytes | None = None
    head_name: str
    head_title: str = "Kepala Desa"
    head_nip: str | None = None


@dataclass(frozen=True)
class DataTable:
    """A bordered table under the statement (followers, dependants, heirs, witnesses)."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True, kw_only=True)
class LetterContent:
    """One letter's printable content; built by the caller, never read from the database.

    `rows` are (label, value) pairs printed as a "label : value" table in the caller's
    order. `purpose` is the purpose itself ("Melamar pekerjaan"); a full sentence starting
    with "Surat keterangan ini dibuat untuk keperluan" is accepted too.
    """

    type_code: str
    title: str
    number: str
    issued_on: date
    place: str
    signer_name: str
    signer_title: str
    signer_nip: str | None = None
    rows: Sequence[tuple[str, str]] = ()
    body_paragraphs: Sequence[str] = ()
    purpose: str = ""
    verification_url: str
    signed_note: str | None = None
    tables: Sequence[DataTable] = ()
    # "berlaku sampai": the last day the letter is valid, or None.
    valid_until: date | None = None
    # The signer's specimen, printed (with the stamp) on a letter signed for the kiosk;
    # None leaves the space for a wet signature at the counter.
    signature_png: bytes | None = None


@dataclass(frozen=True)
class PageSpec:
    """Page geometry of one layout, in millimetres. `height_mm` is a maximum for rolls."""

    width_mm: float
    height_mm: float
    margin_top_mm: float
    margin_right_mm: float
    margin_bottom_mm: float
    margin_left_mm: float
    roll: bool = False

    @property
    def css_size(self) -> str:
        return f"{_mm(self.width_mm)} {_mm(self.height_mm)}"

    @property
    def css_margin(self) -> str:
        return " ".join(
            _mm(v)
            for v in (
                self.margin_top_mm,
                self.margin_right_mm,
                self.margin_bottom_mm,
                self.margin_left_mm,
            )
        )


def _mm(value: float) -> str:
    return f"{value:g}mm"


# Thermal pages are exactly the printable width (72 mm of 80 mm paper, 48 mm of 58 mm)
# because printer_drivers scales the page width to the head's dot width. Their height is
# a ceiling: the renderer trims the page to the content.
LAYOUTS: dict[str, PageSpec] = {
    "A4": PageSpec(210, 297, 15, 20, 15, 25),
    "F4": PageSpec(215, 330, 15, 20, 15, 25),
    "thermal80": PageSpec(72, 2000, 2, 2, 6, 2, roll=True),
    "thermal58": PageSpec(48, 2000, 2, 1, 6, 1, roll=True),
}


def format_tanggal(value: date | datetime | str | None) -> str:
    """28 November 2026. Strings pass through so that templates can format any row."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def format_hari(value: date | datetime) -> str:
    """The Indonesian day name (Senin ... Minggu)."""
    return HARI[value.weekday()]


class RowSplit(NamedTuple):
    matched: list[tuple[str, str]]
    rest: list[tuple[str, str]]


@functools.lru_cache(maxsize=64)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def split_rows(rows: Iterable[tuple[str, str]], *patterns: str) -> RowSplit:
    """Rows whose label matches any regex (case-insensitive), and the others, in order.

    Templates use it to group the caller's flat rows into sections (the parents of a
    newborn, the reporter of a death) without the caller knowing about sections; a row
    that matches nothing stays in `rest`, so nothing the caller passed is ever dropped.
    """
    compiled = [_pattern(p) for p in patterns]
    split = RowSplit([], [])
    for label, value in rows:
        target = split.matched if any(p.search(label) for p in compiled) else split.rest
        target.append((label, value))
    return split


class Comparison(NamedTuple):
    columns: list[str]
    rows: list[tuple[str, list[str]]]
    rest: list[tuple[str, str]]


_QUALIFIED = re.compile(r"^(?P<base>.*\S)\s*\((?P<qualifier>[^()]+)\)\s*$")


def compare_rows(rows: Iterable[tuple[str, str]]) -> Comparison:
    """Pair rows labelled "Nama (KTP)" / "Nama (Ijazah)" into a table with one column per
    document. A label seen with only one qualifier ("Penghasilan (Rp)") is not a
    comparison and stays in `rest`."""
    rows = list(rows)
    by_base: dict[str, dict[str, str]] = {}
    for label, value in rows:
        if m := _QUALIFIED.match(label):
            by_base.setdefault(m["base"], {})[m["qualifier"].strip()] = value
    compared = {base: values for base, values in by_base.items() if len(values) >= 2}
    columns: list[str] = []
    for values in compared.values():
        columns.extend(q for q in values if q not in columns)
    table = [(base, [values.get(q, "") for q in columns]) for base, values in compared.items()]
    rest = [
        (label, value)
        for label, value in rows
        if not ((m := _QUALIFIED.match(label)) and m["base"] in compared)
    ]
    return Comparison(columns, table, rest)


class QrImage(NamedTuple):
    src: str
    size_mm: float
    # Set on rolls only: where the symbol starts, counted from the content box's left.
    left_mm: float | None


# Thermal heads print 8 dots per mm (203 dpi) on both 58 and 80 mm paper.
_DOT_MM = 0.125
_PAPER_QR_MM = 24.0
_ROLL_QR_MAX_MM = 32.0


def qr_image(payload: str, page: PageSpec) -> QrImage:
    """The verification QR sized for the layout.

    On a roll every module is a whole number of printer dots and the symbol starts on a
    dot, so the 1-bit raster has square, equal modules a cheap camera reads easily. On
    paper the vector symbol is sharp at any printer resolution.
    """
    src, modules = qr_svg_data_uri(payload)
    if not page.roll:
        return QrImage(src, _PAPER_QR_MM, None)
    dots_per_module = max(3, int(_ROLL_QR_MAX_MM / (modules * _DOT_MM)))
    size = modules * dots_per_module * _DOT_MM
    content_width = page.width_mm - page.margin_left_mm - page.margin_right_mm
    left = round((content_width - size) / 2 / _DOT_MM) * _DOT_MM
    return QrImage(src, size, max(left, 0.0))


# About 300 dpi at the kop's 24 mm logo height: sharp on paper, and a 2 MB camera photo
# of the village seal does not end up in every archived PDF.
_LOGO_MAX_PX = 320


@functools.lru_cache(maxsize=16)
def logo_data_uri(logo: bytes, max_side: int = _LOGO_MAX_PX) -> str | None:
    """The village logo (or a specimen, a stamp), shrunk to print resolution, as a PNG
    data URI (None if unusable). Transparency is kept."""
    try:
        png = village_logo.shrunk_png(logo, max_side=max_side)
    except village_logo.LogoRefused:
        # A broken or oversized logo must not stop a letter from being issued.
        logger.warning("Village logo is not a usable image; letter printed without it")
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


_PREFIXES = {
    "kabupaten": re.compile(r"^\s*(kabupaten|kab\.)\s+", re.IGNORECASE),
    "kecamatan": re.compile(r"^\s*(kecamatan|kec\.)\s+", re.IGNORECASE),
    "name": re.compile(r"^\s*desa\s+", re.IGNORECASE),
}
# A purpose typed as a sentence ("Surat ini dibuat untuk keperluan: ...") must not
# double the letter's own "... dibuat untuk keperluan:".
_PURPOSE_PREFIX = re.compile(
    r"^\s*(surat\s+((keterangan|pengantar)\s+)?ini\s+(dibuat|diberikan|digunakan)\s+)?"
    r"(untuk\s+keperluan\s*:?\s*|keperluan\s*:\s*|untuk\s+)?",
    re.IGNORECASE,
)


def _normalised_village(village: VillageHeader) -> VillageHeader:
    return dataclasses.replace(
        village,
        name=_PREFIXES["name"].sub("", village.name),
        kecamatan=_PREFIXES["kecamatan"].sub("", village.kecamatan),
        kabupaten=_PREFIXES["kabupaten"].sub("", village.kabupaten),
    )


def _office(title: str, village_name: str) -> str:
    """'Kepala Desa' -> 'Kepala Desa Sukamaju'; 'Kepala Urusan Umum' -> 'Kepala Urusan
    Umum Desa Sukamaju' (a Kaur's title does not carry the word Desa)."""
    if village_name.casefold() in title.casefold():
        return title
    if "desa" in title.casefold().split():
        return f"{title} {village_name}"
    return f"{title} Desa {village_name}"


def _bare(title: str, village_name: str) -> str:
    return re.sub(rf"\s+(desa\s+)?{re.escape(village_name)}\s*$", "", title, flags=re.I)


def signer_chain(signer_title: str, head_title: str, village_name: str) -> list[str]:
    """The lines above the signer's name, as Indonesian village letters write them:
    the Kepala Desa signs in their own office; the Sekretaris Desa "a.n." (atas nama) the
    Kepala Desa; a Kepala Urusan or Kepala Seksi "u.b." (untuk beliau) the Sekretaris
    Desa, who signs a.n. the Kepala Desa."""
    head = _office(_bare(head_title, village_name), village_name)
    title = _bare(signer_title, village_name)
    if title.casefold() == _bare(head_title, village_name).casefold():
        return [f"{head},"]
    if title.casefold().startswith("sekretaris"):
        return [f"a.n. {head}", f"{title},"]
    return [f"a.n. {head}", "Sekretaris Desa", f"u.b. {title},"]


# Print resolution for the specimen and the stamp (about 300 dpi at their printed size).
_SIGN_MAX_PX = 480


def _image_src(png: bytes | None) -> str | None:
    return logo_data_uri(png, _SIGN_MAX_PX) if png else None


def template_context(village: VillageHeader, content: LetterContent, layout: str) -> dict[str, Any]:
    """The variables every letter template gets (documented in templates/letters/README.md)."""
    page = LAYOUTS[layout]
    village = _normalised_village(village)
    signer_office = _office(_bare(content.signer_title, village.name), village.name)
    purpose = _PURPOSE_PREFIX.sub("", content.purpose).strip().rstrip(".")
    purpose = purpose[:1].upper() + purpose[1:]
    # "Surat Pengantar SKCK" closes with "Demikian surat pengantar ini ...".
    kind = "surat pengantar" if "pengantar" in content.title.casefold() else "surat keterangan"
    chain = signer_chain(content.signer_title, village.head_title, village.name)
    signature_src = _image_src(content.signature_png)
    return {
        "village": village,
        "letter": content,
        "layout": layout,
        "page": page,
        "is_roll": page.roll,
        "logo_src": logo_data_uri(village.logo_png) if village.logo_png else None,
        "qr": qr_image(content.verification_url, page),
        "issued_on_text": format_tanggal(content.issued_on),
        "signer_office": signer_office,
        # Kept for village templates written before the chain: the first line when
        # someone other than the head signs.
        "on_behalf_of": chain[0] if len(chain) > 1 else None,
        "signer_chain": chain,
        "signature_src": signature_src,
        # The stamp goes with the specimen: a wet-signed letter is stamped by hand.
        "stamp_src": _image_src(village.stamp_png) if signature_src else None,
        "valid_until_text": format_tanggal(content.valid_until) if content.valid_until else "",
        "purpose_text": purpose,
        "letter_kind": kind,
    }


@functools.cache
def _sample_png() -> bytes:
    """A tiny transparent PNG, so template checks run the specimen and stamp branches."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (8, 4), (0, 0, 128, 200)).save(out, format="PNG")
    return out.getvalue()


def sample_letter(*, signed: bool = True) -> tuple[VillageHeader, LetterContent]:
    """Made-up data touching every template branch: for template checks and previews."""
    village = VillageHeader(
        name="Sukamaju",
        kode_desa="DS-2004",
        kecamatan="Cikande",
        kabupaten="Serang",
        provinsi="Banten",
        address="Jl. Raya Sukamaju No. 1",
        postal_code="42186",
        phone="(0254) 401234",
        email="desa@sukamaju.desa.id",
        head_name="H. Ahmad Suganda",
        head_title="Kepala Desa",
    )
    content = LetterContent(
        type_code="contoh",
        title="SURAT KETERANGAN",
        number="400.12.2.2/001/DS-2004/I/2026",
        issued_on=date(2026, 1, 5),
        place="Sukamaju",
        signer_name="Siti Rahmawati" if signed else "H. Ahmad Suganda",
        signer_title="Sekretaris Desa" if signed else "Kepala Desa",
        signer_nip="198001012005012001" if signed else None,
        # A list, as callers pass it, so the sandbox's refusal to mutate it is exercised.
        rows=[
            ("Nama", "Budi Santoso"),
            ("Tempat/Tgl Lahir", "Serang, 12 Januari 1990"),
            ("Nama (KTP)", "Budi Santoso"),
            ("Nama (Ijazah)", "Budi Santosa"),
            ("Nama usaha", "Warung Berkah"),
            ("Nama ayah", "Slamet"),
            ("Tanggal meninggal", "1 Januari 2026"),
            ("Hubungan pelapor", "Anak kandung"),
            ("Alamat", "Kp. Sukamaju RT 001/RW 002"),
        ],
        body_paragraphs=("Orang tersebut di atas adalah benar penduduk Desa Sukamaju.",),
        purpose="Melamar pekerjaan",
        verification_url="HTTP://DESA.LOCAL/V/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        signed_note="Ditandatangani secara elektronik" if signed else None,
        tables=[DataTable("Anggota keluarga yang ikut", ["No.", "Nama"], [["1", "Siti"]])],
        valid_until=date(2026, 4, 5) if signed else None,
        signature_png=_sample_png() if signed else None,
    )
    return dataclasses.replace(village, stamp_png=_sample_png()), content
