"""The UMKM register as the dashboard shows and exports it: one filter (kecamatan, village)
for the page, the CSV and the xlsx, so what a person downloads is what they saw.

The register's text was typed by residents, so an export guards every cell against
formula injection: a cell starting with `=`, `+`, `-`, `@` (or a tab or carriage return,
which some spreadsheets strip first) gets a leading apostrophe and stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from openpyxl import Workbook
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from regency_hub.models import UmkmEntry, Village

PAGE_SIZE = 50
HEADERS = [
    "Desa",
    "Kode desa",
    "Kecamatan",
    "Nama usaha",
    "Jenis usaha",
    "Sejak tahun",
    "Dusun",
    "RT",
    "RW",
    "Nama pemilik",
    "Kode permohonan",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filter:
    kecamatan: str = ""
    village_id: int | None = None

    def query_string(self) -> str:
        parts = []
        if self.kecamatan:
            parts.append(("kecamatan", self.kecamatan))
        if self.village_id is not None:
            parts.append(("desa", str(self.village_id)))
        return urlencode(parts)


@dataclass(frozen=True)
class Row:
    village: str
    kode_desa: str
    kecamatan: str
    business_name: str | None
    kind: str | None
    since: str | None
    dusun: str | None
    rt: str | None
    rw: str | None
    owner_name: str | None
    code: str

    def cells(self) -> list[str]:
        return [
            self.village,
            self.kode_desa,
            self.kecamatan,
            *(
                v or ""
                for v in (
                    self.business_name,
                    self.kind,
                    self.since,
                    self.dusun,
                    self.rt,
                    self.rw,
                    self.owner_name,
                )
            ),
            self.code,
        ]


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    number: int
    pages: int


# Plain columns, not ORM objects: an export of a whole regency is ~100,000 rows.
_COLUMNS = (
    Village.name,
    Village.kode_desa,
    Village.kecamatan,
    UmkmEntry.business_name,
    UmkmEntry.kind,
    UmkmEntry.since,
    UmkmEntry.dusun,
    UmkmEntry.rt,
    UmkmEntry.rw,
    UmkmEntry.owner_name,
    UmkmEntry.code,
)


def _filtered(query: Select[Any], flt: Filter) -> Select[Any]:
    query = query.join(Village, Village.id == UmkmEntry.village_id)
    if flt.kecamatan:
        query = query.where(Village.kecamatan == flt.kecamatan)
    if flt.village_id is not None:
        query = query.where(Village.id == flt.village_id)
    return query


def _rows(flt: Filter) -> Select[Any]:
    # Villages in order, then each village's entries along ix_umkm_register_village_name:
    # PostgreSQL walks the index per village instead of sorting the whole register.
    return _filtered(select(*_COLUMNS).select_from(UmkmEntry), flt).order_by(
        Village.kecamatan, Village.name, Village.id, UmkmEntry.business_name, UmkmEntry.id
    )


def page(session: Session, flt: Filter, *, number: int = 1, size: int = PAGE_SIZE) -> Page:
    total = int(session.scalar(_filtered(select(func.count()).select_from(UmkmEntry), flt)) or 0)
    pages = max(1, -(-total // size))
    number = min(max(1, number), pages)
    found = session.execute(_rows(flt).limit(size).offset((number - 1) * size))
    return Page(rows=[Row(*r) for r in found], total=total, number=number, pages=pages)


def all_rows(session: Session, flt: Filter) -> Iterator[Row]:
    for r in session.execute(_rows(flt).execution_options(yield_per=1000)):
        yield Row(*r)


def safe_cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(rows: Iterator[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([safe_cell(c) for c in row.cells()])
    # With a BOM, Excel opens the UTF-8 (dusun names, "Warung Bu Siti's") as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: Iterator[Row]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Register UMKM")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([safe_cell(c) for c in row.cells()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
