"""Valid sample data for requests (the demo village is in Kabupaten Serang, Banten)."""

from __future__ import annotations

from datetime import date
from typing import Any


def make_nik(birth: date = date(1990, 8, 17), *, female: bool = False, serial: int = 1) -> str:
    day = birth.day + (40 if female else 0)
    return f"360412{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def domisili_form(birth: date = date(1990, 8, 17), *, female: bool = False) -> dict[str, Any]:
    return {
        "no_kk": "3604121708900001",
        "tempat_lahir": "Serang",
        "tanggal_lahir": birth.isoformat(),
        "jenis_kelamin": "Perempuan" if female else "Laki-laki",
        "agama": "Islam",
        "status_perkawinan": "Kawin",
        "pendidikan": "SLTA/Sederajat",
        "pekerjaan": "Petani",
        "kewarganegaraan": "WNI",
        "alamat": "Kp. Sukamaju RT 002/RW 003",
        "rt": "002",
        "rw": "003",
        "lama_tinggal": "2010",
        "keperluan": "Melamar pekerjaan di pabrik",
    }


def request_body(
    *, name: str = "Budi Santoso", serial: int = 1, letter_type: str = "domisili"
) -> dict[str, Any]:
    return {
        "letter_type": letter_type,
        "applicant_nik": make_nik(serial=serial),
        "applicant_name": name,
        "form_data": domisili_form(),
    }


def legacy_domisili_form(
    birth: date = date(1990, 8, 17), *, female: bool = False
) -> dict[str, Any]:
    """Domisili as the forms before issue 14 asked for it (no No. KK, RT/RW, Pendidikan,
    Kewarganegaraan): for a server of an earlier release, e.g. an upgrade test's first
    install (`server.file_request(form_data=legacy_domisili_form())`)."""
    new = {"no_kk", "pendidikan", "kewarganegaraan", "rt", "rw"}
    return {k: v for k, v in domisili_form(birth, female=female).items() if k not in new}
