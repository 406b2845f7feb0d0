"""The letter types a new village starts with (admins can edit them afterwards).

Classification codes follow Permendagri 83/2022 (identity and moves under 400.12.2.x,
births, deaths and marriage status under 400.12.3.x, business under 500.x); a village
whose kecamatan uses other codes changes them in the admin pages.
"""

from __future__ import annotations

from typing import Any

AGAMA = ["Islam", "Kristen", "Katolik", "Hindu", "Buddha", "Khonghucu", "Kepercayaan"]
JENIS_KELAMIN = ["Laki-laki", "Perempuan"]
STATUS_KAWIN = ["Belum Kawin", "Kawin", "Cerai Hidup", "Cerai Mati"]


def _f(name: str, label: str, type_: str = "text", **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": type_, **extra}


def _person_fields() -> list[dict[str, Any]]:
    return [
        _f("tempat_lahir", "Tempat lahir"),
        _f("tanggal_lahir", "Tanggal lahir", "date", when="past"),
        _f("jenis_kelamin", "Jenis kelamin", "select", options=JENIS_KELAMIN),
        _f("agama", "Agama", "select", options=AGAMA),
        _f("status_perkawinan", "Status perkawinan", "select", options=STATUS_KAWIN),
        _f("pekerjaan", "Pekerjaan"),
        _f("alamat", "Alamat (jalan/kampung, RT/RW)", "textarea"),
    ]


_KEPERLUAN = _f(
    "keperluan",
    "Keperluan surat",
    "textarea",
    max_length=200,
    help="Untuk apa surat ini? Contoh: melamar pekerjaan, mendaftar sekolah.",
)
_PHONE = _f("no_hp", "Nomor HP (untuk kabar dari desa)", "phone", required=False)

KTP_KK = ["Fotokopi KTP", "Fotokopi Kartu Keluarga"]

SEED_LETTER_TYPES: list[dict[str, Any]] = [
    {
        "code": "domisili",
        "title": "Surat Keterangan Domisili",
        "classification_code": "400.12.2.2",
        "description": "Menerangkan bahwa Anda tinggal di desa ini.",
        "self_service": True,
        "required_documents": [*KTP_KK, "Surat pengantar RT/RW"],
        "form_schema": [
            *_person_fields(),
            _f("lama_tinggal", "Sudah tinggal di alamat ini sejak (tahun)", "number"),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk yang berdomisili di {alamat}, "
            "Desa {desa}, sejak tahun {lama_tinggal} sampai sekarang."
        ),
    },
    {
        "code": "sktm",
        "title": "Surat Keterangan Tidak Mampu",
        "classification_code": "400.12.2.5",
        "description": "Untuk keringanan biaya sekolah, berobat, atau bantuan sosial.",
        "self_service": True,
        "required_documents": [*KTP_KK, "Surat pengantar RT/RW"],
        "form_schema": [
            *_person_fields(),
            _f("penghasilan_bulanan", "Penghasilan keluarga per bulan (Rp)", "number"),
            _f("jumlah_tanggungan", "Jumlah anggota keluarga yang ditanggung", "number"),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} dan berdasarkan "
            "pengetahuan kami termasuk keluarga kurang mampu, dengan penghasilan keluarga "
            "sekitar Rp {penghasilan_bulanan} per bulan dan menanggung {jumlah_tanggungan} "
            "orang anggota keluarga."
        ),
    },
    {
        "code": "usaha",
        "title": "Surat Keterangan Usaha",
        "classification_code": "500.2.3",
        "description": "Menerangkan bahwa Anda memiliki usaha di desa ini (UMKM).",
        "self_service": True,
        "required_documents": [*KTP_KK, "Foto tempat usaha"],
        "form_schema": [
            *_person_fields(),
            _f("nama_usaha", "Nama usaha"),
            _f("jenis_usaha", "Jenis usaha", help="Contoh: warung sembako, bengkel, jahit."),
            _f("alamat_usaha", "Alamat usaha", "textarea"),
            _f("mulai_usaha", "Usaha berjalan sejak (tahun)", "number"),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} yang mempunyai usaha "
            "{jenis_usaha} dengan nama \u201c{nama_usaha}\u201d, beralamat di {alamat_usaha}, "
            "yang telah berjalan sejak tahun {mulai_usaha}."
        ),
    },
    {
        "code": "skck",
        "title": "Surat Pengantar SKCK",
        "classification_code": "400.12.2.6",
        "description": "Pengantar ke kepolisian untuk membuat SKCK.",
        "self_service": True,
        "required_documents": [*KTP_KK, "Pas foto 4x6 (2 lembar)"],
        "form_schema": [*_person_fields(), _KEPERLUAN, _PHONE],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} dan sepanjang "
            "pengetahuan kami berkelakuan baik, tidak pernah tersangkut perkara pidana, "
            "serta tidak terlibat penyalahgunaan narkoba. Surat ini diberikan sebagai "
            "pengantar untuk pembuatan Surat Keterangan Catatan Kepolisian (SKCK)."
        ),
    },
    {
        "code": "kelahiran",
        "title": "Surat Keterangan Kelahiran",
        "classification_code": "400.12.3.1",
        "description": "Untuk mengurus akta kelahiran. Dilayani di loket oleh operator.",
        "self_service": False,
        "required_documents": [*KTP_KK, "Surat keterangan lahir dari bidan/rumah sakit"],
        "form_schema": [
            _f("nama_bayi", "Nama bayi"),
            _f("jenis_kelamin_bayi", "Jenis kelamin bayi", "select", options=JENIS_KELAMIN),
            _f("tempat_lahir_bayi", "Tempat lahir bayi"),
            _f("tanggal_lahir_bayi", "Tanggal lahir bayi", "date", when="past"),
            _f("jam_lahir", "Jam lahir (contoh 14.30)", required=False, max_length=5),
            _f("anak_ke", "Anak ke-", "number"),
            _f("nama_ayah", "Nama ayah"),
            _f("nik_ayah", "NIK ayah", "nik", required=False),
            _f("nama_ibu", "Nama ibu"),
            _f("nik_ibu", "NIK ibu", "nik"),
            _f("alamat", "Alamat orang tua", "textarea"),
            _f("hubungan_pelapor", "Hubungan pelapor dengan bayi"),
            _PHONE,
        ],
        "body_template": (
            "Telah lahir seorang anak {jenis_kelamin_bayi} bernama {nama_bayi} di "
            "{tempat_lahir_bayi} pada tanggal {tanggal_lahir_bayi}, anak ke-{anak_ke} dari "
            "ayah {nama_ayah} dan ibu {nama_ibu}, beralamat di {alamat}."
        ),
    },
    {
        "code": "kematian",
        "title": "Surat Keterangan Kematian",
        "classification_code": "400.12.3.2",
        "description": "Untuk mengurus akta kematian. Dilayani di loket oleh operator.",
        "self_service": False,
        "required_documents": ["KTP almarhum/almarhumah", "Kartu Keluarga", "KTP pelapor"],
        "form_schema": [
            _f("nama_almarhum", "Nama yang meninggal"),
            _f("nik_almarhum", "NIK yang meninggal", "nik"),
            _f("jenis_kelamin_almarhum", "Jenis kelamin", "select", options=JENIS_KELAMIN),
            _f("tanggal_lahir_almarhum", "Tanggal lahir", "date", when="past"),
            _f("alamat", "Alamat terakhir", "textarea"),
            _f("tanggal_meninggal", "Tanggal meninggal", "date", when="past"),
            _f("tempat_meninggal", "Tempat meninggal"),
            _f("sebab_meninggal", "Sebab meninggal", help="Contoh: sakit, usia lanjut."),
            _f("hubungan_pelapor", "Hubungan pelapor dengan yang meninggal"),
            _PHONE,
        ],
        "body_template": (
            "Telah meninggal dunia {nama_almarhum} pada tanggal {tanggal_meninggal} di "
            "{tempat_meninggal} karena {sebab_meninggal}. Keterangan ini dilaporkan oleh "
            "pemohon selaku {hubungan_pelapor}."
        ),
    },
    {
        "code": "pindah",
        "title": "Surat Keterangan Pindah",
        "classification_code": "400.12.2.1",
        "description": "Pengantar pindah alamat ke desa/kota lain. Dilayani di loket.",
        "self_service": False,
        "required_documents": [*KTP_KK, "Surat pengantar RT/RW"],
        "form_schema": [
            *_person_fields(),
            _f("alamat_tujuan", "Alamat tujuan pindah", "textarea"),
            _f(
                "alasan_pindah",
                "Alasan pindah",
                "select",
                options=["Pekerjaan", "Pendidikan", "Keluarga", "Perumahan", "Lainnya"],
            ),
            _f("jumlah_pengikut", "Jumlah anggota keluarga yang ikut pindah", "number"),
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} yang akan pindah ke "
            "{alamat_tujuan} dengan alasan {alasan_pindah}, diikuti {jumlah_pengikut} orang "
            "anggota keluarga."
        ),
    },
    {
        "code": "belum_menikah",
        "title": "Surat Keterangan Belum Menikah",
        "classification_code": "400.12.3.3",
        "description": "Menerangkan bahwa Anda belum pernah menikah.",
        "self_service": True,
        "required_documents": [*KTP_KK, "Surat pengantar RT/RW"],
        "form_schema": [*_person_fields(), _KEPERLUAN, _PHONE],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} dan sepanjang "
            "pengetahuan kami sampai saat ini belum pernah menikah."
        ),
    },
    {
        "code": "penghasilan_ortu",
        "title": "Surat Keterangan Penghasilan Orang Tua",
        "classification_code": "400.12.2.7",
        "description": "Untuk beasiswa atau pendaftaran sekolah anak.",
        "self_service": True,
        "required_documents": [*KTP_KK],
        "form_schema": [
            *_person_fields(),
            _f("nama_anak", "Nama anak"),
            _f("sekolah_anak", "Sekolah/kampus anak"),
            _f("penghasilan_bulanan", "Penghasilan orang tua per bulan (Rp)", "number"),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar orang tua dari {nama_anak}, siswa/mahasiswa "
            "{sekolah_anak}, dengan penghasilan rata-rata Rp {penghasilan_bulanan} per bulan."
        ),
    },
    {
        "code": "beda_identitas",
        "title": "Surat Keterangan Beda Identitas",
        "classification_code": "400.12.2.8",
        "description": "Menerangkan bahwa dua data yang berbeda adalah orang yang sama.",
        "self_service": True,
        "required_documents": [*KTP_KK, "Dokumen yang datanya berbeda"],
        "form_schema": [
            *_person_fields(),
            _f(
                "dokumen_berbeda",
                "Dokumen yang datanya berbeda",
                help="Contoh: ijazah, akta kelahiran, buku tabungan.",
            ),
            _f("data_di_dokumen", "Data yang tertulis di dokumen tersebut", "textarea"),
            _f("data_benar", "Data yang benar (sesuai KTP)", "textarea"),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa}. Data pada "
            "{dokumen_berbeda} yang tertulis \u201c{data_di_dokumen}\u201d dan data "
            "\u201c{data_benar}\u201d adalah benar satu orang yang sama."
        ),
    },
]
