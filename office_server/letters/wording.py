"""What a letter says: the data rows, the tables and the statement, built from the
request's form as a village secretary would write them.

- Names and places print in proper case ("siti AMINAH" -> "Siti Aminah"), the one of
  `residents.proper_case` (register words too: "Dusun II", "RT", "binti").
- The address is completed with the village's own Desa, Kecamatan, Kabupaten, Provinsi.
- Labels print without form hints; a date of birth or death prints with its weekday.
- Repeated groups (`pengikut_1_nama`, ...) print as a table; amounts in rupiah get their
  value in words (terbilang) for the statement.
"""

from __future__ import annotations

import contextlib
import re
import string
from datetime import date
from typing import Any, NamedTuple

from office_server.letter_types.forms import FieldSpec
from office_server.letter_types.models import LetterType
from office_server.letters.context import DataTable, format_hari, format_tanggal
from office_server.residents.proper_case import proper_case


class Place(NamedTuple):
    """The issuing village's place names, bare ("Cikande", not "Kecamatan Cikande")."""

    desa: str
    kecamatan: str
    kabupaten: str
    provinsi: str


# Identity rows in the order of the standard letter; a field missing from a form is skipped.
_PERSON_ROWS = (
    ("no_kk", "No. KK"),
    ("jenis_kelamin", "Jenis Kelamin"),
    ("agama", "Agama"),
    ("status_perkawinan", "Status Perkawinan"),
    ("pendidikan", "Pendidikan"),
    ("pekerjaan", "Pekerjaan"),
    ("kewarganegaraan", "Kewarganegaraan"),
)
_ADDRESS_PARTS = frozenset({"alamat", "rt", "rw", "dusun"})
# Not printed as rows: the purpose has its own sentence, the phone is for the office only.
_NOT_ROWS = frozenset({"keperluan", "no_hp", "tempat_lahir", "tanggal_lahir"})
# Dates printed with their weekday, as birth and death registers ask ("hari/tanggal").
_WITH_WEEKDAY = frozenset({"tanggal_lahir_bayi", "tanggal_meninggal"})
_GROUP = re.compile(r"^(?P<group>[a-z_]+?)_(?P<n>\d)_(?P<column>[a-z_]+)$")
GROUP_TITLES = {
    "pengikut": "Anggota keluarga yang ikut",
    "tanggungan": "Anggota keluarga yang ditanggung",
    "ahli_waris": "Ahli waris",
    "saksi": "Saksi",
}
_HINT = re.compile(r"\s*\((contoh|untuk|lihat|isi)[^)]*\)$", re.IGNORECASE)


def _is_name(name: str) -> bool:
    return (
        name.startswith(("nama", "tempat_lahir")) or name in {"bin_binti"} or name.endswith("_nama")
    )


def _display(value: str) -> str:
    """ISO dates from the form read as '17 Agustus 1945' in the letter."""
    try:
        return format_tanggal(date.fromisoformat(value)) if len(value) == 10 else value
    except ValueError:
        return value


def _rupiah(value: str) -> str:
    """1500000 -> 1.500.000 (Indonesian thousands separator)."""
    return f"{int(value):,}".replace(",", ".") if value.isdigit() else value


_ONES = (
    "",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)


def terbilang(n: int) -> str:
    """A whole number in Indonesian words: 1500000 -> 'satu juta lima ratus ribu'."""
    if n < 0:
        return "minus " + terbilang(-n)
    if n == 0:
        return "nol"
    if n < 12:
        return _ONES[n]
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    if n < 100:
        return f"{_ONES[n // 10]} puluh {terbilang(n % 10) if n % 10 else ''}".strip()
    if n < 200:
        return f"seratus {terbilang(n - 100) if n > 100 else ''}".strip()
    if n < 1000:
        rest = n % 100
        return f"{_ONES[n // 100]} ratus {terbilang(rest) if rest else ''}".strip()
    if n < 2000:
        return f"seribu {terbilang(n - 1000) if n > 1000 else ''}".strip()
    for size, word in ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu")):
        if n >= size:
            rest = n % size
            return f"{terbilang(n // size)} {word} {terbilang(rest) if rest else ''}".strip()
    raise AssertionError("unreachable")


def _is_rupiah(spec: FieldSpec) -> bool:
    return spec.type == "number" and "(Rp)" in spec.label


def _label(spec: FieldSpec) -> str:
    label = _HINT.sub("", spec.label).replace(" (Rp)", "")
    if spec.name in _WITH_WEEKDAY and not label.lower().startswith("hari"):
        label = f"hari/{label[:1].lower()}{label[1:]}"
    return label[:1].upper() + label[1:]


def full_address(form: dict[str, Any], place: Place) -> str:
    """'Kp. Cibeber No. 4 RT 002 RW 003, Dusun Hilir, Desa Sukamaju, Kecamatan Cikande,
    Kabupaten Serang, Provinsi Banten'. RT/RW typed inside `alamat` (older forms) stay."""
    street = " ".join(str(form.get("alamat") or "").split()).rstrip(",")
    rt_rw = " ".join(
        f"{key.upper()} {int(form[key]):03d}"
        for key in ("rt", "rw")
        if str(form.get(key) or "").isdigit()
    )
    parts = [" ".join(p for p in (street, rt_rw) if p)]
    if form.get("dusun"):
        parts.append(f"Dusun {proper_case(str(form['dusun']))}")
    parts += [
        f"Desa {place.desa}",
        f"Kecamatan {place.kecamatan}",
        f"Kabupaten {place.kabupaten}",
        f"Provinsi {place.provinsi}",
    ]
    return ", ".join(p for p in parts if p)


def _age(born: str, on: str) -> str:
    try:
        b, d = date.fromisoformat(born), date.fromisoformat(on)
    except ValueError:
        return ""
    return str(d.year - b.year - ((d.month, d.day) < (b.month, b.day)))


def _value(spec: FieldSpec, value: str) -> str:
    if _is_rupiah(spec):
        return "Rp " + _rupiah(value)
    if _is_name(spec.name) or (spec.type == "text" and spec.name.startswith("tempat_")):
        return proper_case(value)
    if spec.name in _WITH_WEEKDAY:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return f"{format_hari(day)}, {format_tanggal(day)}"
    return _display(value)


def tables(letter_type: LetterType, form: dict[str, Any]) -> list[DataTable]:
    """Repeated groups as tables, in form order; a row left empty is not printed."""
    groups: dict[str, dict[int, dict[str, str]]] = {}
    columns: dict[str, dict[str, str]] = {}
    for spec in letter_type.fields:
        if not (m := _GROUP.match(spec.name)):
            continue
        group, n, column = m["group"], int(m["n"]), m["column"]
        columns.setdefault(group, {})[column] = _label(spec).split(": ", 1)[-1]
        value = str(form.get(spec.name) or "").strip()
        if value:
            groups.setdefault(group, {}).setdefault(n, {})[column] = _value(spec, value)
    result = []
    for group, by_row in groups.items():
        names = list(columns[group])
        headers = [columns[group][c][:1].upper() + columns[group][c][1:] for c in names]
        result.append(
            DataTable(
                title=GROUP_TITLES.get(group, group.replace("_", " ").capitalize()),
                columns=["No.", *headers],
                rows=[
                    [str(i), *(cells.get(c, "") for c in names)]
                    for i, cells in enumerate((by_row[k] for k in sorted(by_row)), start=1)
                ],
            )
        )
    return result


def data_rows(
    letter_type: LetterType,
    applicant_name: str,
    applicant_nik: str,
    form: dict[str, Any],
    place: Place,
) -> list[tuple[str, str]]:
    """The label : value rows. Templates group them by label (see templates/letters/README)."""
    schema = letter_type.fields
    by_name = {spec.name: spec for spec in schema}
    about_applicant = "tanggal_lahir" in by_name
    rows: list[tuple[str, str]] = []
    skip = set(_NOT_ROWS) | {n for n in by_name if _GROUP.match(n)}
    address_label = _label(by_name["alamat"]) if "alamat" in by_name else "Alamat"
    has_address = "alamat" in by_name
    if has_address:
        skip |= _ADDRESS_PARTS
    if about_applicant:
        rows += [("Nama", proper_case(applicant_name)), ("NIK", applicant_nik)]
        born = ", ".join(
            p
            for p in (
                proper_case(str(form.get("tempat_lahir", ""))),
                _display(str(form.get("tanggal_lahir", ""))),
            )
            if p
        )
        if born:
            rows.append(("Tempat/Tgl. Lahir", born))
        for name, label in _PERSON_ROWS:
            if name in by_name and form.get(name):
                rows.append((label, str(form[name])))
                skip.add(name)
        if has_address:
            rows.append(("Alamat", full_address(form, place)))
    for spec in schema:
        value = str(form.get(spec.name) or "").strip()
        if spec.name in skip or not value:
            if spec.name == "alamat" and not about_applicant:
                rows.append((address_label, full_address(form, place)))
            continue
        rows.append((_label(spec), _value(spec, value)))
        if spec.name == "tanggal_lahir_almarhum" and form.get("tanggal_meninggal"):
            rows.append(("Umur", f"{_age(value, str(form['tanggal_meninggal']))} tahun"))
    if not about_applicant:
        # A birth or death is reported by the applicant about someone else.
        who = "pelapor" if "hubungan_pelapor" in by_name else "pemohon"
        rows += [(f"Nama {who}", proper_case(applicant_name)), (f"NIK {who}", applicant_nik)]
    return rows


class _FormValues(string.Formatter):
    """Fills {field} placeholders; unknown names stay visible instead of failing."""

    def get_value(self, key: int | str, args: Any, kwargs: Any) -> Any:
        if isinstance(key, int) or key not in kwargs:
            return "{" + str(key) + "}"
        return kwargs[key]

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        # No attribute or index access: body templates are typed by admins.
        return self.get_value(field_name, args, kwargs), field_name


def statement_values(letter_type: LetterType, form: dict[str, Any], place: Place) -> dict[str, str]:
    """What a body template may name: every field as printed, and the derived values
    (`alamat_lengkap`, `hari_<date>`, `<amount>_terbilang`, `jumlah_<group>`,
    `jumlah_penghasilan`, `umur_almarhum`)."""
    values: dict[str, str] = {}
    total = 0
    for spec in letter_type.fields:
        raw = str(form.get(spec.name) or "").strip()
        if not raw:
            continue
        if _is_rupiah(spec) and raw.isdigit():
            values[spec.name] = _rupiah(raw)
            values[f"{spec.name}_terbilang"] = terbilang(int(raw))
            total += int(raw)
        elif spec.type == "date":
            values[spec.name] = _display(raw)
            with contextlib.suppress(ValueError):
                values[f"hari_{spec.name}"] = format_hari(date.fromisoformat(raw))
        elif _is_name(spec.name) or (spec.type == "text" and spec.name.startswith("tempat_")):
            values[spec.name] = proper_case(raw)
        else:
            values[spec.name] = raw
    for group in GROUP_TITLES:
        values[f"jumlah_{group}"] = str(
            len({m["n"] for n in values if (m := _GROUP.match(n)) and m["group"] == group})
        )
    values["jumlah_penghasilan"] = _rupiah(str(total))
    values["jumlah_penghasilan_terbilang"] = terbilang(total)
    if form.get("tanggal_lahir_almarhum") and form.get("tanggal_meninggal"):
        values["umur_almarhum"] = _age(
            str(form["tanggal_lahir_almarhum"]), str(form["tanggal_meninggal"])
        )
    values["alamat_lengkap"] = full_address(form, place)
    values["desa"] = place.desa
    return values


def statement(letter_type: LetterType, form: dict[str, Any], place: Place) -> str:
    values = statement_values(letter_type, form, place)
    try:
        return _FormValues().format(letter_type.body_template, **values)
    except (ValueError, IndexError):
        return letter_type.body_template


def purpose(form: dict[str, Any]) -> str:
    return str(form.get("keperluan") or "").strip()
