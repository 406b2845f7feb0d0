"""OpenSID-format population exports made with openpyxl, for the register tests and the
import benchmark. The header is OpenSID's import column list (`KOLOM_IMPOR_KELUARGA` in
OpenSID/OpenSID donjo-app/models/Import_model.php), in its order."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from tests.support.factories import make_nik

OPENSID_COLUMNS = (
    "alamat", "dusun", "rw", "rt", "nama", "no_kk", "nik", "sex", "tempatlahir",
    "tanggallahir", "agama_id", "pendidikan_kk_id", "pendidikan_sedang_id", "pekerjaan_id",
    "status_kawin", "kk_level", "warganegara_id", "nama_ayah", "nama_ibu",
    "golongan_darah_id", "akta_lahir", "dokumen_pasport", "tanggal_akhir_paspor",
    "dokumen_kitas", "ayah_nik", "ibu_nik", "akta_perkawinan", "tanggalperkawinan",
    "akta_perceraian", "tanggalperceraian", "cacat_id", "cara_kb_id", "hamil", "ktp_el",
    "status_rekam", "alamat_sekarang", "status_dasar",
)  # fmt: skip

JOBS = ("PETANI/PEKEBUN", "WIRASWASTA", "PELAJAR/MAHASISWA", "MENGURUS RUMAH TANGGA")


def resident_row(i: int) -> dict[str, Any]:
    """Resident number i (0-based): a valid NIK with its own birth date, a family of 4."""
    female = i % 2 == 1
    birth = date(1950 + i % 55, 1 + i % 12, 1 + i % 28)
    return {
        "alamat": f"Kp. Sukamaju No. {i % 300}",
        "dusun": f"DUSUN {1 + i % 4}",
        "rw": f"{1 + i % 5:03d}",
        "rt": f"{1 + i % 9:03d}",
        "nama": f"WARGA NOMOR {i}",
        "no_kk": f"3604120101{i // 4:06d}",
        "nik": make_nik(birth, female=female, serial=1 + i),
        "sex": "2" if female else "1",
        "tempatlahir": "SERANG",
        # Half as Excel dates, half as text the way OpenSID writes them.
        "tanggallahir": birth if i % 2 else birth.strftime("%d-%m-%Y"),
        "agama_id": "1" if i % 3 else "ISLAM",
        "pendidikan_kk_id": str(1 + i % 10),
        "pekerjaan_id": JOBS[i % len(JOBS)],
        "status_kawin": str(1 + i % 4),
        "kk_level": str(1 + i % 4),
        "warganegara_id": "1",
        "nama_ayah": "AYAH",
        "nama_ibu": "IBU",
        "status_dasar": "1",
    }


def write_opensid_xlsx(path: Path, rows: list[dict[str, Any]]) -> Path:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("penduduk")
    sheet.append(list(OPENSID_COLUMNS))
    for row in rows:
        sheet.append([row.get(c, "") for c in OPENSID_COLUMNS])
    book.save(path)
    return path
