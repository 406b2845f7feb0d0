"""OpenSID's reference codes for the register's coded columns, as the words letters print.

From OpenSID's reference tables (tweb_penduduk_sex, _agama, _pendidikan_kk, _kawin,
_hubungan, _warganegara; the ranges its `Import_model::data_import_valid` accepts).
Occupation (89 codes) is taken as words only: OpenSID's exports write the words.
"""

from __future__ import annotations

SEX = {"1": "L", "2": "P", "L": "L", "LK": "L", "LAKI-LAKI": "L", "P": "P", "PR": "P",
       "PEREMPUAN": "P"}  # fmt: skip

RELIGION = {
    "1": "ISLAM",
    "2": "KRISTEN",
    "3": "KATHOLIK",
    "4": "HINDU",
    "5": "BUDHA",
    "6": "KHONGHUCU",
    "7": "KEPERCAYAAN TERHADAP TUHAN YME / LAINNYA",
}
EDUCATION = {
    "1": "TIDAK / BELUM SEKOLAH",
    "2": "BELUM TAMAT SD/SEDERAJAT",
    "3": "TAMAT SD / SEDERAJAT",
    "4": "SLTP/SEDERAJAT",
    "5": "SLTA / SEDERAJAT",
    "6": "DIPLOMA I / II",
    "7": "AKADEMI/ DIPLOMA III/S. MUDA",
    "8": "DIPLOMA IV/ STRATA I",
    "9": "STRATA II",
    "10": "STRATA III",
}
MARITAL = {
    "1": "BELUM KAWIN",
    "2": "KAWIN",
    "3": "CERAI HIDUP",
    "4": "CERAI MATI",
    "BK": "BELUM KAWIN",
    "K": "KAWIN",
    "CH": "CERAI HIDUP",
    "CM": "CERAI MATI",
}
SHDK = {
    "1": "KEPALA KELUARGA",
    "2": "SUAMI",
    "3": "ISTRI",
    "4": "ANAK",
    "5": "MENANTU",
    "6": "CUCU",
    "7": "ORANGTUA",
    "8": "MERTUA",
    "9": "FAMILI LAIN",
    "10": "PEMBANTU",
    "11": "LAINNYA",
}
CITIZENSHIP = {"1": "WNI", "2": "WNA", "3": "DUA KEWARGANEGARAAN"}
# status_dasar: only the living residents of the village are kept (1 HIDUP); OpenSID also
# has 2 MATI, 3 PINDAH, 4 HILANG, 6 PERGI, 9 TIDAK VALID.
ALIVE = {"", "1", "HIDUP"}

# Field -> (its table, the name used in messages).
CODED: dict[str, tuple[dict[str, str], str]] = {
    "religion": (RELIGION, "agama"),
    "education": (EDUCATION, "pendidikan"),
    "marital_status": (MARITAL, "status kawin"),
    "shdk": (SHDK, "hubungan keluarga (SHDK)"),
    "citizenship": (CITIZENSHIP, "kewarganegaraan"),
}


def decode(table: dict[str, str], value: str) -> str | None:
    """The words for a code or for words already written; None for an unknown number."""
    key = value.strip().upper()
    if key in table:
        return table[key]
    if key.isdigit():
        return None
    return key
