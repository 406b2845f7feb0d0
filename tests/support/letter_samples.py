"""A valid filled form for any letter type, from its schema: for the counter tests and
for rendering every seeded type. Values are made up; names are typed in lower case on
purpose (letters print them in proper case)."""

from __future__ import annotations

from datetime import date
from typing import Any

from office_server.letter_types.forms import FieldSpec
from tests.support.factories import make_nik

APPLICANT_BIRTH = date(1990, 8, 17)
APPLICANT_NIK = make_nik(APPLICANT_BIRTH, serial=7)
APPLICANT_NAME = "siti AMINAH"

# Values a letter must show as given (checked in the rendered text).
BY_NAME: dict[str, str] = {
    "tempat_lahir": "serang",
    "tanggal_lahir": APPLICANT_BIRTH.isoformat(),
    "jenis_kelamin": "Laki-laki",
    "status_perkawinan": "Kawin",
    "alamat": "Jl. Melati No. 4",
    "rt": "002",
    "rw": "003",
    "dusun": "Sukamaju Hilir",
    "keperluan": "Surat ini dibuat untuk keperluan: melamar pekerjaan",
    "pekerjaan": "Petani",
    "no_kk": "3604121708900001",
    "jam_lahir": "14.30",
    "jam_meninggal": "04.15",
    "no_hp": "081234567890",
    "tahun_mulai": "2015",
    "lama_tinggal": "2010",
    "mulai_usaha": "2018",
    "kewarganegaraan": "WNI",
}


def _value(spec: FieldSpec, index: int) -> str:
    if spec.name in BY_NAME:
        value = BY_NAME[spec.name]
        if spec.type != "select" or value in (spec.options or []):
            return value
    if spec.type == "select":
        return (spec.options or ["-"])[0]
    if spec.type == "date":
        if spec.name.startswith("tanggal_lahir") and spec.name != "tanggal_lahir_bayi":
            return date(1960 + index % 30, 5, 1 + index % 27).isoformat()
        return date(2025, 3, 1 + index % 27).isoformat()
    if spec.type == "nik":
        return make_nik(date(1985, 1, 1 + index % 27), serial=100 + index)
    if spec.type == "number":
        return str(2 + index)
    if spec.type == "phone":
        return "081234567890"
    if spec.type == "textarea":
        return f"keterangan {spec.label.lower()}"
    if "nama" in spec.name:
        return f"budi SANTOSO {index}"
    if spec.name.startswith("tempat"):
        return "kota serang"
    return f"isian {spec.label.lower()}"[: spec.max_length or 120]


def filled_form(fields: list[FieldSpec], *, only_required: bool = False) -> dict[str, Any]:
    return {
        spec.name: _value(spec, i)
        for i, spec in enumerate(fields)
        if spec.required or not only_required
    }
