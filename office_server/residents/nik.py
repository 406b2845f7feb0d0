"""NIK (Nomor Induk Kependudukan) validation with one clear Indonesian message per failure.

Layout PPKKCCDDMMYYSSSS: province, regency, district (kecamatan), birth date DDMMYY with
40 added to the day for women, serial. python-stdnum's region table checks the province
and regency; its date check is not used because it prefers the 1900s for every two-digit
year (a child born in 2015 would come out as 1915), so the century is chosen here by age.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stdnum import numdb

from office_server.clock import today_local

# Applicants hold a KTP, issued from 17; a child's letter is asked for by a parent.
APPLICANT_MIN_AGE = 17


class NikError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class NikInfo:
    nik: str
    province: str
    regency: str
    birth_date: date
    sex: str  # "L" (laki-laki) or "P" (perempuan)


def validate_nik(value: str, *, today: date | None = None, min_age: int = 0) -> NikInfo:
    """Checks a NIK; `min_age` is APPLICANT_MIN_AGE for the person asking for a letter.

    A birth date is never more than ~100 years back: the century is the latest one that
    does not put the birth in the future, so the age is plausible by construction.
    """
    today = today or today_local()
    nik = value.replace(" ", "").replace(".", "").replace("-", "").strip()
    if not nik:
        raise NikError("empty", "NIK wajib diisi.")
    # ASCII digits only: str.isdigit() also accepts "²" and full-width digits.
    if not (nik.isascii() and nik.isdigit()):
        raise NikError("not_digits", "NIK hanya boleh berisi angka.")
    if len(nik) != 16:
        raise NikError("length", f"NIK harus 16 angka (yang diisi {len(nik)} angka).")

    parts = numdb.get("id/loc").info(nik[:4])
    province = parts[0][1].get("name_id") if parts else None
    if not province:
        raise NikError(
            "province", "Kode provinsi pada NIK (2 angka pertama) tidak dikenal. Periksa lagi."
        )
    regency = parts[1][1].get("name_id") if len(parts) > 1 else None
    if not regency:
        raise NikError(
            "regency", "Kode kabupaten/kota pada NIK (angka ke-3 dan ke-4) tidak dikenal."
        )
    if nik[4:6] == "00":
        raise NikError("district", "Kode kecamatan pada NIK (angka ke-5 dan ke-6) tidak valid.")

    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "P" if day > 40 else "L"
    if day > 40:
        day -= 40
    birth = _birth_date(day, month, yy, today)
    if birth is None:
        raise NikError(
            "birth_date",
            "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak valid. "
            "Untuk perempuan, tanggal lahir ditambah 40.",
        )
    if _age(birth, today) < min_age:
        raise NikError(
            "age",
            f"Menurut NIK, umur pemohon belum {min_age} tahun. Permohonan diajukan oleh "
            "orang tua atau wali dengan NIK mereka.",
        )
    if nik[12:] == "0000":
        raise NikError("serial", "Nomor urut pada NIK (4 angka terakhir) tidak boleh 0000.")
    return NikInfo(nik=nik, province=province, regency=regency, birth_date=birth, sex=sex)


def _birth_date(day: int, month: int, yy: int, today: date) -> date | None:
    # The most recent century that does not put the birth in the future.
    for century in (2000, 1900):
        try:
            candidate = date(century + yy, month, day)
        except ValueError:
            return None
        if candidate <= today:
            return candidate
    return None


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
