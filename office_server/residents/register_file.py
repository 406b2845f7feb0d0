"""Reading a population register file: OpenSID's xlsx import/export or a CSV.

OpenSID's column list is `KOLOM_IMPOR_KELUARGA` in OpenSID/OpenSID
`donjo-app/models/Import_model.php` (alamat, dusun, rw, rt, nama, no_kk, nik, sex,
tempatlahir, tanggallahir, agama_id, pendidikan_kk_id, pendidikan_sedang_id,
pekerjaan_id, status_kawin, kk_level, warganegara_id, nama_ayah, nama_ibu, ...,
status_dasar); its template `assets/import/FormatImportExcel.xlsm` carries those names
in the first row. Columns are found by that header, so their order does not matter,
and the older CSV names of `loket import-residents` (tempat_lahir, jenis_kelamin, ...)
are read too. Coded columns hold either OpenSID's number or the words.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

# Our field <- the header names that carry it (lower case, spaces as underscores).
HEADERS: dict[str, tuple[str, ...]] = {
    "nik": ("nik",),
    "name": ("nama",),
    "no_kk": ("no_kk", "nokk"),
    "birth_place": ("tempatlahir", "tempat_lahir"),
    "birth_date": ("tanggallahir", "tanggal_lahir"),
    "sex": ("sex", "jenis_kelamin"),
    "religion": ("agama_id", "agama"),
    "education": ("pendidikan_kk_id", "pendidikan"),
    "occupation": ("pekerjaan_id", "pekerjaan"),
    "marital_status": ("status_kawin", "status_perkawinan"),
    "shdk": ("kk_level", "shdk", "hubungan"),
    "citizenship": ("warganegara_id", "kewarganegaraan"),
    "dusun": ("dusun",),
    "rt": ("rt",),
    "rw": ("rw",),
    "address": ("alamat",),
    "status_dasar": ("status_dasar",),
}
REQUIRED = ("nik", "name", "birth_date")


class RegisterFileError(ValueError):
    """The file as a whole cannot be read (its rows are never quoted: personal data)."""


Row = dict[str, Any]


def read_rows(path: Path) -> Iterator[tuple[int, Row]]:
    """(line number as the office's spreadsheet program shows it, our fields) per row."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
    elif suffix == ".csv":
        yield from _csv_rows(path)
    else:
        raise RegisterFileError("Berkas harus .xlsx, .xlsm (ekspor OpenSID) atau .csv.")


def _columns(header: list[Any]) -> dict[str, int]:
    names = [str(h or "").strip().lower().replace(" ", "_") for h in header]
    found: dict[str, int] = {}
    for field, aliases in HEADERS.items():
        for alias in aliases:
            if alias in names:
                found[field] = names.index(alias)
                break
    missing = [HEADERS[f][0] for f in REQUIRED if f not in found]
    if missing:
        raise RegisterFileError(
            f"Kolom kurang: {', '.join(missing)}. Baris pertama harus nama kolom "
            "seperti templat impor OpenSID (nik, nama, tanggallahir, ...)."
        )
    return found


def _xlsx_rows(path: Path) -> Iterator[tuple[int, Row]]:
    from openpyxl import load_workbook  # only the import needs it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged or non-xlsx file: openpyxl's errors vary
        raise RegisterFileError("Berkas xlsx tidak bisa dibaca.") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise RegisterFileError("Berkas kosong.")
        columns = _columns(list(header))
        for line, values in enumerate(rows, start=2):
            if not any(v not in (None, "") for v in values):
                continue
            yield line, {f: values[i] if i < len(values) else None for f, i in columns.items()}
    finally:
        book.close()


def _csv_rows(path: Path) -> Iterator[tuple[int, Row]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        # Spreadsheets saved in Indonesian settings write semicolons.
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            raise RegisterFileError("Berkas kosong.")
        columns = _columns(header)
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            yield line, {f: values[i] if i < len(values) else "" for f, i in columns.items()}


def text(value: Any) -> str:
    """A cell as trimmed text; a leading apostrophe (Excel's "keep as text") dropped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split()).lstrip("'").strip()


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value).replace("/", "-")
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None
