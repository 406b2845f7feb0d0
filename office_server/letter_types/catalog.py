"""The letter types a new village starts with (admins can edit them afterwards).

One file past 450 lines on purpose: it is seed data, 22 types with their fields and
wording, read and checked against the annex side by side; splitting it would only
scatter the table.

Classification codes are those of the annex (Lampiran) of Permendagri 83/2022 (pedoman
klasifikasi arsip), each cited beside its type as the annex line: the code and its
title. Where the annex position is known from a published transcription, the entry
number in the annex's Bagian B list is given too ("B-929"). A village whose kecamatan
prescribes other codes changes them in the admin pages. Two types may share a code
(kelahiran and kematian): each still counts on its own counter (numbering.counter_name).

Field labels are what the letter prints as row labels, so hints go in `help`, never in
the label. Names, NIKs and addresses are the resident's; the address is structured
(jalan/kampung, RT, RW, dusun) and the letter completes it with the village's own Desa,
Kecamatan, Kabupaten and Provinsi. `validity_days` prints "berlaku sampai"; print_mode
"counter" leaves the letter for a wet signature and stamp at the counter.
"""

from __future__ import annotations

from typing import Any

AGAMA = ["Islam", "Kristen", "Katolik", "Hindu", "Buddha", "Khonghucu", "Kepercayaan"]
JENIS_KELAMIN = ["Laki-laki", "Perempuan"]
STATUS_KAWIN = ["Belum Kawin", "Kawin", "Cerai Hidup", "Cerai Mati"]
# The education categories of the Kartu Keluarga.
PENDIDIKAN = [
    "Tidak/Belum Sekolah",
    "Belum Tamat SD/Sederajat",
    "Tamat SD/Sederajat",
    "SLTP/Sederajat",
    "SLTA/Sederajat",
    "Diploma I/II",
    "Akademi/Diploma III/Sarjana Muda",
    "Diploma IV/Strata I",
    "Strata II",
    "Strata III",
]
KEWARGANEGARAAN = ["WNI", "WNA"]
# Status hubungan dalam keluarga (SHDK), as on the Kartu Keluarga.
SHDK = [
    "Kepala Keluarga",
    "Suami",
    "Istri",
    "Anak",
    "Menantu",
    "Cucu",
    "Orang Tua",
    "Mertua",
    "Famili Lain",
    "Lainnya",
]


def _f(name: str, label: str, type_: str = "text", **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": type_, **extra}


def _address(prefix: str = "", *, place: str = "") -> list[dict[str, Any]]:
    """Jalan/kampung, RT, RW and dusun; the letter adds the village's Desa and up."""
    return [
        _f(
            f"{prefix}alamat",
            f"Alamat{place}",
            "textarea",
            max_length=200,
            help="Jalan/kampung dan nomor rumah, tanpa RT/RW. Contoh: Kp. Cibeber No. 4.",
        ),
        _f(f"{prefix}rt", "RT", "number", max_length=3),
        _f(f"{prefix}rw", "RW", "number", max_length=3),
        _f(f"{prefix}dusun", "Dusun", required=False),
    ]


def _person_fields(
    *, status_options: list[str] | None = None, status_help: str | None = None
) -> list[dict[str, Any]]:
    status = _f(
        "status_perkawinan", "Status perkawinan", "select", options=status_options or STATUS_KAWIN
    )
    if status_help:
        status["help"] = status_help
    return [
        _f("no_kk", "No. KK", "number", max_length=16, help="16 angka, lihat Kartu Keluarga."),
        _f("tempat_lahir", "Tempat lahir"),
        _f("tanggal_lahir", "Tanggal lahir", "date", when="past"),
        _f("jenis_kelamin", "Jenis kelamin", "select", options=JENIS_KELAMIN),
        _f("agama", "Agama", "select", options=AGAMA),
        status,
        _f("pendidikan", "Pendidikan", "select", options=PENDIDIKAN),
        _f("pekerjaan", "Pekerjaan"),
        _f("kewarganegaraan", "Kewarganegaraan", "select", options=KEWARGANEGARAAN),
        *_address(),
    ]


def _group(
    group: str, title: str, count: int, columns: list[tuple[str, str, str]]
) -> list[dict[str, Any]]:
    """A repeated group printed as a table (followers, dependants, heirs, witnesses):
    fields `<group>_<n>_<column>`, labelled "<Title> <n>: <column label>"; only the
    first row is required when `count` rows are offered."""
    fields = []
    for n in range(1, count + 1):
        for column, label, type_ in columns:
            extra: dict[str, Any] = {"required": False}
            if type_ == "select":
                extra["options"] = SHDK
            fields.append(_f(f"{group}_{n}_{column}", f"{title} {n}: {label}", type_, **extra))
    return fields


_KEPERLUAN = _f(
    "keperluan",
    "Keperluan",
    "textarea",
    max_length=200,
    help="Untuk apa surat ini? Contoh: melamar pekerjaan, mendaftar sekolah.",
)
_PHONE = _f("no_hp", "Nomor HP", "phone", required=False, help="Untuk kabar dari desa.")

KTP_KK = ["Fotokopi KTP", "Fotokopi Kartu Keluarga"]
PENGANTAR_RT = "Surat pengantar RT/RW"

SEED_LETTER_TYPES: list[dict[str, Any]] = [
    {
        "code": "domisili",
        "title": "Surat Keterangan Domisili",
        "classification_code": "400.12.2.1",
        "annex": "400.12.2.1 Identitas Penduduk (B-929)",
        "description": "Menerangkan bahwa Anda tinggal di desa ini.",
        "self_service": True,
        "validity_days": 90,
        "required_documents": [*KTP_KK, PENGANTAR_RT],
        "form_schema": [
            *_person_fields(),
            _f("lama_tinggal", "Menetap sejak tahun", "number", max_length=4),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} yang berdomisili di "
            "{alamat_lengkap} sejak tahun {lama_tinggal} sampai sekarang."
        ),
    },
    {
        "code": "sktm",
        "title": "Surat Keterangan Tidak Mampu",
        "classification_code": "400.9.14",
        "annex": "400.9.14 Penanggulangan Kemiskinan Perkotaan dan Perdesaan",
        "description": "Untuk keringanan biaya sekolah, berobat, atau bantuan sosial.",
        "self_service": True,
        "validity_days": 90,
        "required_documents": [*KTP_KK, PENGANTAR_RT],
        "form_schema": [
            *_person_fields(),
            _f("penghasilan_bulanan", "Penghasilan keluarga per bulan (Rp)", "number"),
            *_group(
                "tanggungan",
                "Tanggungan",
                4,
                [
                    ("nama", "nama", "text"),
                    ("hubungan", "hubungan keluarga", "select"),
                    ("umur", "umur (tahun)", "number"),
                ],
            ),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} dan berdasarkan "
            "pengetahuan kami termasuk keluarga kurang mampu, dengan penghasilan keluarga "
            "sekitar Rp {penghasilan_bulanan} ({penghasilan_bulanan_terbilang} rupiah) per "
            "bulan dan menanggung {jumlah_tanggungan} orang anggota keluarga sebagaimana "
            "tersebut di bawah ini."
        ),
    },
    {
        "code": "usaha",
        "title": "Surat Keterangan Usaha",
        "classification_code": "500.3",
        "annex": "500.3 Koperasi, Usaha Kecil dan Menengah",
        "description": "Menerangkan bahwa Anda memiliki usaha di desa ini (UMKM).",
        "self_service": True,
        "validity_days": 180,
        "required_documents": [*KTP_KK, "Foto tempat usaha"],
        "form_schema": [
            *_person_fields(),
            _f("nama_usaha", "Nama usaha"),
            _f("jenis_usaha", "Jenis usaha", help="Contoh: warung sembako, bengkel, jahit."),
            _f("alamat_usaha", "Alamat usaha", "textarea", max_length=200),
            _f("mulai_usaha", "Usaha berjalan sejak tahun", "number", max_length=4),
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
        "classification_code": "100.2.5",
        "annex": "100.2.5 Fasilitasi Pelayanan Umum (B-251)",
        "description": "Pengantar ke kepolisian untuk membuat SKCK.",
        "self_service": True,
        "validity_days": 30,
        "required_documents": [*KTP_KK, "Pas foto 4x6 (2 lembar)"],
        "form_schema": [*_person_fields(), _KEPERLUAN, _PHONE],
        # A village can attest only what its own records show, not the absence of drug
        # use: the police check that themselves.
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa}. Sepanjang catatan "
            "yang ada pada Pemerintah Desa, yang bersangkutan berkelakuan baik dan tidak "
            "tercatat pernah tersangkut perkara pidana. Surat ini diberikan sebagai "
            "pengantar untuk pembuatan Surat Keterangan Catatan Kepolisian (SKCK)."
        ),
    },
    {
        "code": "kelahiran",
        "title": "Surat Keterangan Kelahiran",
        "classification_code": "400.12.3.1",
        "annex": "400.12.3.1 Kelahiran dan Kematian (B-934)",
        "description": "Untuk mengurus akta kelahiran. Dilayani di loket oleh operator.",
        "self_service": False,
        "print_mode": "counter",
        "required_documents": [*KTP_KK, "Surat keterangan lahir dari bidan/rumah sakit"],
        "form_schema": [
            _f("nama_bayi", "Nama anak"),
            _f("jenis_kelamin_bayi", "Jenis kelamin anak", "select", options=JENIS_KELAMIN),
            _f(
                "tempat_dilahirkan",
                "Tempat dilahirkan",
                "select",
                options=["Rumah sakit/rumah bersalin", "Puskesmas", "Polindes", "Rumah", "Lainnya"],
            ),
            _f(
                "tempat_lahir_bayi", "Tempat kelahiran", help="Kota atau kabupaten. Contoh: Serang."
            ),
            _f("tanggal_lahir_bayi", "Tanggal lahir", "date", when="past"),
            _f("jam_lahir", "Pukul", max_length=5, help="Contoh 14.30"),
            _f(
                "jenis_kelahiran",
                "Jenis kelahiran",
                "select",
                options=["Tunggal", "Kembar 2", "Kembar 3", "Lainnya"],
            ),
            _f("anak_ke", "Anak ke", "number", max_length=2),
            _f(
                "penolong",
                "Penolong kelahiran",
                "select",
                options=["Dokter", "Bidan/perawat", "Dukun", "Lainnya"],
            ),
            _f("nama_ibu", "Nama ibu"),
            _f("nik_ibu", "NIK ibu", "nik"),
            _f("tanggal_lahir_ibu", "Tanggal lahir ibu", "date", when="past"),
            _f("pekerjaan_ibu", "Pekerjaan ibu"),
            _f("nama_ayah", "Nama ayah", required=False),
            _f("nik_ayah", "NIK ayah", "nik", required=False),
            _f("tanggal_lahir_ayah", "Tanggal lahir ayah", "date", when="past", required=False),
            _f("pekerjaan_ayah", "Pekerjaan ayah", required=False),
            *_address(place=" orang tua"),
            _f(
                "hubungan_pelapor",
                "Hubungan pelapor dengan anak",
                "select",
                options=["Ayah", "Ibu", "Kakek/nenek", "Keluarga lain", "Lainnya"],
            ),
            *_group("saksi", "Saksi", 2, [("nama", "nama", "text"), ("nik", "NIK", "nik")]),
            _PHONE,
        ],
        "body_template": (
            "Telah lahir seorang anak {jenis_kelamin_bayi} bernama {nama_bayi} pada hari "
            "{hari_tanggal_lahir_bayi}, tanggal {tanggal_lahir_bayi}, di {tempat_lahir_bayi}, "
            "anak ke-{anak_ke} dari ibu {nama_ibu}, beralamat di {alamat_lengkap}."
        ),
    },
    {
        "code": "kematian",
        "title": "Surat Keterangan Kematian",
        "classification_code": "400.12.3.1",
        "annex": "400.12.3.1 Kelahiran dan Kematian (B-934)",
        "description": "Untuk mengurus akta kematian. Dilayani di loket oleh operator.",
        "self_service": False,
        "print_mode": "counter",
        "required_documents": ["KTP almarhum/almarhumah", "Kartu Keluarga", "KTP pelapor"],
        "form_schema": [
            _f("nama_almarhum", "Nama"),
            _f("nik_almarhum", "NIK", "nik"),
            _f("jenis_kelamin_almarhum", "Jenis kelamin", "select", options=JENIS_KELAMIN),
            _f("tempat_lahir_almarhum", "Tempat lahir"),
            _f("tanggal_lahir_almarhum", "Tanggal lahir", "date", when="past"),
            _f("agama_almarhum", "Agama", "select", options=AGAMA),
            *_address(place=" terakhir"),
            _f("tanggal_meninggal", "Tanggal meninggal", "date", when="past"),
            _f("jam_meninggal", "Pukul meninggal", max_length=5, help="Contoh 04.15"),
            _f("tempat_meninggal", "Tempat meninggal"),
            _f(
                "sebab_meninggal",
                "Sebab meninggal",
                "select",
                options=[
                    "Sakit biasa/tua",
                    "Wabah penyakit",
                    "Kecelakaan",
                    "Kriminalitas",
                    "Bunuh diri",
                    "Lainnya",
                ],
            ),
            _f(
                "yang_menerangkan",
                "Sebab meninggal diterangkan oleh",
                "select",
                options=["Dokter", "Tenaga kesehatan", "Kepolisian", "Lainnya"],
            ),
            _f(
                "hubungan_pelapor", "Hubungan pelapor dengan yang meninggal", "select", options=SHDK
            ),
            _PHONE,
        ],
        "body_template": (
            "Telah meninggal dunia {nama_almarhum} pada hari {hari_tanggal_meninggal}, tanggal "
            "{tanggal_meninggal}, di {tempat_meninggal} dalam usia {umur_almarhum} tahun, "
            "disebabkan {sebab_meninggal}. Keterangan ini dilaporkan oleh pelapor tersebut di "
            "bawah selaku {hubungan_pelapor}."
        ),
    },
    {
        "code": "pindah",
        "title": "Surat Keterangan Pindah",
        "classification_code": "400.12.2.2",
        "annex": "400.12.2.2 Pindah Datang Penduduk Dalam Wilayah NKRI (B-930)",
        "description": "Pengantar pindah alamat ke desa/kota lain. Dilayani di loket.",
        "self_service": False,
        "print_mode": "counter",
        "validity_days": 30,
        "required_documents": [*KTP_KK, PENGANTAR_RT],
        "form_schema": [
            *_person_fields(),
            _f(
                "alamat_tujuan",
                "Alamat tujuan",
                "textarea",
                max_length=200,
                help="Jalan/kampung, RT/RW.",
            ),
            _f("desa_tujuan", "Desa/kelurahan tujuan"),
            _f("kecamatan_tujuan", "Kecamatan tujuan"),
            _f("kabupaten_tujuan", "Kabupaten/kota tujuan"),
            _f("provinsi_tujuan", "Provinsi tujuan"),
            _f(
                "klasifikasi_pindah",
                "Klasifikasi pindah",
                "select",
                options=[
                    "Dalam satu desa",
                    "Antardesa dalam satu kecamatan",
                    "Antarkecamatan dalam satu kabupaten",
                    "Antarkabupaten/kota dalam satu provinsi",
                    "Antarprovinsi",
                ],
            ),
            _f(
                "alasan_pindah",
                "Alasan pindah",
                "select",
                options=[
                    "Pekerjaan",
                    "Pendidikan",
                    "Keamanan",
                    "Kesehatan",
                    "Perumahan",
                    "Keluarga",
                    "Lainnya",
                ],
            ),
            _f("tanggal_pindah", "Tanggal pindah", "date"),
            *_group(
                "pengikut",
                "Pengikut",
                4,
                [
                    ("nama", "nama", "text"),
                    ("nik", "NIK", "nik"),
                    ("hubungan", "hubungan keluarga", "select"),
                ],
            ),
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} yang pindah ke "
            "{alamat_tujuan}, Desa/Kelurahan {desa_tujuan}, Kecamatan {kecamatan_tujuan}, "
            "{kabupaten_tujuan}, Provinsi {provinsi_tujuan} pada tanggal {tanggal_pindah} "
            "dengan alasan {alasan_pindah}, diikuti {jumlah_pengikut} orang anggota keluarga "
            "sebagaimana tersebut di bawah ini."
        ),
    },
    {
        "code": "belum_menikah",
        "title": "Surat Keterangan Belum Menikah",
        "classification_code": "400.12.3.2",
        "annex": "400.12.3.2 Perkawinan dan Perceraian (B-935)",
        "description": "Menerangkan bahwa Anda belum pernah menikah.",
        "self_service": True,
        "validity_days": 90,
        "required_documents": [*KTP_KK, PENGANTAR_RT],
        # Only "Belum Kawin" can be chosen: a letter that says "never married" for a
        # divorced or widowed resident would be false.
        "form_schema": [
            *_person_fields(
                status_options=["Belum Kawin"],
                status_help="Surat ini hanya untuk yang berstatus Belum Kawin di KK.",
            ),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} dan sepanjang "
            "pengetahuan kami sampai dengan tanggal surat ini belum pernah menikah (berstatus "
            "Belum Kawin)."
        ),
    },
    {
        "code": "penghasilan_ortu",
        "title": "Surat Keterangan Penghasilan Orang Tua",
        "classification_code": "400.10.4.3",
        "annex": "400.10.4.3 Pemberdayaan dan Kesejahteraan Keluarga",
        "description": "Untuk beasiswa atau pendaftaran sekolah anak.",
        "self_service": True,
        "validity_days": 90,
        "required_documents": [*KTP_KK, "Slip gaji bila ada"],
        "form_schema": [
            *_person_fields(),
            _f("nama_anak", "Nama anak"),
            _f("sekolah_anak", "Sekolah/kampus anak"),
            _f("nama_ayah", "Nama ayah"),
            _f("pekerjaan_ayah", "Pekerjaan ayah"),
            _f("penghasilan_ayah", "Penghasilan ayah per bulan (Rp)", "number"),
            _f("nama_ibu", "Nama ibu"),
            _f("pekerjaan_ibu", "Pekerjaan ibu"),
            _f("penghasilan_ibu", "Penghasilan ibu per bulan (Rp)", "number"),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar orang tua dari {nama_anak}, siswa/mahasiswa "
            "{sekolah_anak}. Penghasilan ayah, {nama_ayah}, sebesar Rp {penghasilan_ayah} "
            "({penghasilan_ayah_terbilang} rupiah) dan penghasilan ibu, {nama_ibu}, sebesar "
            "Rp {penghasilan_ibu} ({penghasilan_ibu_terbilang} rupiah), sehingga penghasilan "
            "orang tua seluruhnya Rp {jumlah_penghasilan} ({jumlah_penghasilan_terbilang} "
            "rupiah) per bulan."
        ),
    },
    {
        "code": "beda_identitas",
        "title": "Surat Keterangan Beda Identitas",
        "classification_code": "400.12.2.1",
        "annex": "400.12.2.1 Identitas Penduduk (B-929)",
        "description": "Menerangkan bahwa data yang berbeda di dua dokumen adalah data Anda.",
        "self_service": True,
        "required_documents": [*KTP_KK, "Dokumen yang datanya berbeda"],
        "form_schema": [
            *_person_fields(),
            _f(
                "dokumen_berbeda",
                "Dokumen yang datanya berbeda",
                help="Contoh: ijazah, akta kelahiran, buku tabungan.",
            ),
            _f("data_di_dokumen", "Data pada dokumen tersebut", "textarea", max_length=200),
            _f("data_benar", "Data sesuai KTP", "textarea", max_length=200),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa}. Data yang tertulis "
            "pada {dokumen_berbeda}, yaitu \u201c{data_di_dokumen}\u201d, dan data pada KTP dan "
            "Kartu Keluarga, yaitu \u201c{data_benar}\u201d, adalah data dari satu orang yang "
            "sama, yaitu orang tersebut di atas."
        ),
    },
    # --- What villages issue most and the first seed lacked (issue 14) ---------------
    {
        "code": "pengantar",
        "title": "Surat Pengantar",
        "classification_code": "100.2.5",
        "annex": "100.2.5 Fasilitasi Pelayanan Umum (B-251)",
        "description": "Pengantar umum dari desa ke instansi lain (kecamatan, bank, ...).",
        "self_service": True,
        "validity_days": 30,
        "required_documents": [*KTP_KK, PENGANTAR_RT],
        "form_schema": [
            *_person_fields(),
            _f(
                "tujuan",
                "Ditujukan kepada",
                help="Instansi tujuan. Contoh: Kantor Kecamatan Cikande.",
            ),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa}. Surat ini diberikan "
            "sebagai pengantar kepada {tujuan}."
        ),
    },
    {
        "code": "pengantar_nikah",
        "title": "Surat Pengantar Nikah",
        "classification_code": "400.12.3.2",
        "annex": "400.12.3.2 Perkawinan dan Perceraian (B-935)",
        "description": "Data untuk formulir N1\u2013N4 ke KUA atau kantor catatan sipil.",
        "self_service": True,
        "print_mode": "counter",
        "validity_days": 90,
        "required_documents": [
            *KTP_KK,
            "Pas foto 2x3 dan 4x6",
            "Akta cerai/kematian pasangan bila pernah menikah",
        ],
        "form_schema": [
            *_person_fields(),
            _f("bin_binti", "Bin/binti", help="Nama ayah kandung."),
            _f("nama_ayah", "Nama ayah"),
            _f("nik_ayah", "NIK ayah", "nik", required=False),
            _f("nama_ibu", "Nama ibu"),
            _f("nik_ibu", "NIK ibu", "nik", required=False),
            _f("nama_pasangan", "Nama calon pasangan"),
            _f("nik_pasangan", "NIK calon pasangan", "nik"),
            _f("tempat_lahir_pasangan", "Tempat lahir calon pasangan"),
            _f("tanggal_lahir_pasangan", "Tanggal lahir calon pasangan", "date", when="past"),
            _f("alamat_pasangan", "Alamat calon pasangan", "textarea", max_length=200),
            _f("tanggal_nikah", "Rencana tanggal nikah", "date"),
            _f("tempat_nikah", "Rencana tempat nikah"),
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} dengan status "
            "perkawinan {status_perkawinan}, yang akan menikah dengan {nama_pasangan} pada "
            "tanggal {tanggal_nikah} di "
            "{tempat_nikah}. Surat ini diberikan sebagai pengantar pemenuhan formulir N1 "
            "sampai N4."
        ),
    },
    {
        "code": "pengantar_kk",
        "title": "Surat Pengantar Permohonan Kartu Keluarga",
        "classification_code": "400.12.2.1",
        "annex": "400.12.2.1 Identitas Penduduk (B-929)",
        "description": "Pengantar ke Disdukcapil untuk KK baru atau perubahan KK.",
        "self_service": True,
        "validity_days": 30,
        "required_documents": [
            *KTP_KK,
            "Dokumen perubahan (akta kelahiran, buku nikah, surat pindah)",
        ],
        "form_schema": [
            *_person_fields(),
            _f(
                "jenis_permohonan",
                "Jenis permohonan",
                "select",
                options=[
                    "KK baru",
                    "Perubahan KK: tambah anggota",
                    "Perubahan KK: kurangi anggota",
                    "Perubahan data KK",
                    "KK hilang/rusak",
                    "Pisah KK",
                ],
            ),
            _f("alasan_permohonan", "Alasan permohonan", "textarea", max_length=200),
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} yang mengajukan "
            "permohonan {jenis_permohonan} dengan alasan {alasan_permohonan}. Surat ini "
            "diberikan sebagai pengantar ke Dinas Kependudukan dan Pencatatan Sipil."
        ),
    },
    {
        "code": "ktp_dalam_proses",
        "title": "Surat Keterangan KTP dalam Proses",
        "classification_code": "400.12.2.1",
        "annex": "400.12.2.1 Identitas Penduduk (B-929)",
        "description": "Menerangkan bahwa KTP-el Anda sedang diproses.",
        "self_service": True,
        "validity_days": 30,
        "required_documents": ["Fotokopi Kartu Keluarga", "Bukti perekaman KTP-el"],
        "form_schema": [
            *_person_fields(),
            _f("tanggal_rekam", "Tanggal perekaman KTP-el", "date", when="past"),
            _f("tempat_rekam", "Tempat perekaman KTP-el", help="Contoh: Kantor Kecamatan Cikande."),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} yang telah melakukan "
            "perekaman KTP-el pada tanggal {tanggal_rekam} di {tempat_rekam}, dan KTP-el "
            "yang bersangkutan sedang dalam proses penerbitan."
        ),
    },
    {
        "code": "biodata",
        "title": "Surat Keterangan Penduduk",
        "classification_code": "400.12.2.1",
        "annex": "400.12.2.1 Identitas Penduduk (B-929)",
        "description": "Biodata Anda sebagaimana tercatat di desa.",
        "self_service": True,
        "validity_days": 30,
        "required_documents": [*KTP_KK],
        "form_schema": [
            *_person_fields(),
            _f("hubungan_keluarga", "Hubungan dalam keluarga", "select", options=SHDK),
            _f(
                "golongan_darah",
                "Golongan darah",
                "select",
                options=["A", "B", "AB", "O", "Tidak tahu"],
            ),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} dengan data "
            "kependudukan sebagaimana tersebut di atas."
        ),
    },
    {
        "code": "kehilangan",
        "title": "Surat Pengantar Laporan Kehilangan",
        "classification_code": "100.2.5",
        "annex": "100.2.5 Fasilitasi Pelayanan Umum (B-251)",
        "description": "Pengantar ke kepolisian untuk melaporkan barang atau dokumen hilang.",
        "self_service": True,
        "validity_days": 14,
        "required_documents": [*KTP_KK],
        "form_schema": [
            *_person_fields(),
            _f(
                "barang_hilang",
                "Barang/dokumen yang hilang",
                help="Contoh: STNK motor Honda A 1234 BC.",
            ),
            _f("tanggal_hilang", "Tanggal hilang", "date", when="past"),
            _f("tempat_hilang", "Tempat hilang"),
            _f("kronologi", "Kejadian singkat", "textarea", max_length=300),
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} yang melaporkan "
            "kehilangan {barang_hilang} pada tanggal {tanggal_hilang} di {tempat_hilang}. "
            "Surat ini diberikan sebagai pengantar untuk membuat laporan kehilangan di "
            "kepolisian."
        ),
    },
    {
        "code": "ahli_waris",
        "title": "Surat Keterangan Ahli Waris",
        "classification_code": "400.12.3.1",
        "annex": "400.12.3.1 Kelahiran dan Kematian (B-934)",
        "description": "Daftar ahli waris almarhum/almarhumah. Dilayani di loket.",
        "self_service": False,
        "print_mode": "counter",
        "required_documents": [
            "Akta/surat kematian pewaris",
            "KTP dan KK para ahli waris",
            "Surat pernyataan ahli waris",
        ],
        "form_schema": [
            _f("nama_pewaris", "Nama pewaris"),
            _f("nik_pewaris", "NIK pewaris", "nik"),
            _f("tanggal_meninggal", "Tanggal meninggal", "date", when="past"),
            *_address(place=" terakhir pewaris"),
            *_group(
                "ahli_waris",
                "Ahli waris",
                5,
                [
                    ("nama", "nama", "text"),
                    ("nik", "NIK", "nik"),
                    ("hubungan", "hubungan dengan pewaris", "select"),
                ],
            ),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Almarhum/almarhumah {nama_pewaris}, penduduk Desa {desa} beralamat terakhir di "
            "{alamat_lengkap}, telah meninggal dunia pada tanggal {tanggal_meninggal}. "
            "Berdasarkan surat pernyataan para ahli waris yang diketahui Pemerintah Desa, "
            "ahli waris almarhum/almarhumah adalah sebagai berikut."
        ),
    },
    {
        "code": "izin_keramaian",
        "title": "Surat Pengantar Izin Keramaian",
        "classification_code": "100.3.12",
        "annex": "100.3.12 Perizinan",
        "description": "Pengantar ke kepolisian untuk hajatan atau acara dengan keramaian.",
        "self_service": True,
        "required_documents": [*KTP_KK, PENGANTAR_RT],
        "form_schema": [
            *_person_fields(),
            _f("nama_acara", "Nama acara", help="Contoh: resepsi pernikahan, khitanan."),
            _f("tanggal_acara", "Tanggal acara", "date"),
            _f("waktu_acara", "Waktu", max_length=40, help="Contoh: 08.00\u201316.00 WIB"),
            _f("tempat_acara", "Tempat acara", "textarea", max_length=200),
            _f("hiburan", "Hiburan", required=False, help="Contoh: organ tunggal, marawis."),
            _f("jumlah_undangan", "Perkiraan jumlah undangan", "number", max_length=5),
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} yang akan "
            "menyelenggarakan {nama_acara} pada tanggal {tanggal_acara} pukul {waktu_acara} "
            "di {tempat_acara}. Surat ini diberikan sebagai pengantar untuk memperoleh izin "
            "keramaian dari kepolisian."
        ),
    },
    {
        "code": "domisili_usaha",
        "title": "Surat Keterangan Domisili Usaha",
        "classification_code": "500.3",
        "annex": "500.3 Koperasi, Usaha Kecil dan Menengah",
        "description": "Menerangkan bahwa tempat usaha Anda berada di desa ini.",
        "self_service": True,
        "validity_days": 180,
        "required_documents": [*KTP_KK, "Foto tempat usaha", "Bukti sewa atau kepemilikan tempat"],
        "form_schema": [
            *_person_fields(),
            _f("nama_usaha", "Nama usaha"),
            _f("jenis_usaha", "Jenis usaha"),
            _f("alamat_usaha", "Alamat usaha", "textarea", max_length=200),
            _f(
                "status_tempat",
                "Status tempat usaha",
                "select",
                options=["Milik sendiri", "Sewa/kontrak", "Pinjam pakai"],
            ),
            _f("mulai_usaha", "Berdiri sejak tahun", "number", max_length=4),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar pemilik usaha \u201c{nama_usaha}\u201d "
            "({jenis_usaha}) yang berdomisili di {alamat_usaha}, Desa {desa}, sejak tahun "
            "{mulai_usaha}, dengan status tempat {status_tempat}."
        ),
    },
    {
        "code": "domisili_lembaga",
        "title": "Surat Keterangan Domisili Lembaga",
        "classification_code": "400.10.3.1",
        "annex": "400.10.3.1 Lembaga Masyarakat",
        "description": "Untuk yayasan, kelompok tani, majelis taklim dan lembaga lain di desa.",
        "self_service": True,
        "validity_days": 180,
        "required_documents": ["KTP pengurus", "Akta/SK pendirian lembaga bila ada"],
        "form_schema": [
            *_person_fields(),
            _f("jabatan_pemohon", "Jabatan dalam lembaga", help="Contoh: ketua."),
            _f("nama_lembaga", "Nama lembaga"),
            _f("bidang_lembaga", "Bidang kegiatan"),
            _f("alamat_lembaga", "Alamat lembaga", "textarea", max_length=200),
            _f("tahun_berdiri", "Berdiri sejak tahun", "number", max_length=4),
            _f("nomor_akta", "Nomor akta/SK pendirian", required=False),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "{nama_lembaga}, lembaga yang bergerak di bidang {bidang_lembaga}, benar "
            "berdomisili di {alamat_lembaga}, Desa {desa}, sejak tahun {tahun_berdiri}, "
            "dengan orang tersebut di atas sebagai {jabatan_pemohon}."
        ),
    },
    {
        "code": "tanah",
        "title": "Surat Keterangan Kepemilikan Tanah",
        "classification_code": "500.17",
        "annex": "500.17 Pertanahan",
        "description": "Penguasaan sebidang tanah menurut catatan desa. Dilayani di loket.",
        "self_service": False,
        "print_mode": "counter",
        "required_documents": [
            *KTP_KK,
            "SPPT PBB tahun terakhir",
            "Bukti perolehan (akta jual beli, hibah, waris)",
        ],
        "form_schema": [
            *_person_fields(),
            _f(
                "letak_tanah",
                "Letak tanah",
                "textarea",
                max_length=200,
                help="Blok/kampung, RT/RW.",
            ),
            _f("luas_tanah", "Luas tanah (m\u00b2)", "number", max_length=8),
            _f("nomor_persil", "Nomor persil/Letter C", required=False),
            _f("nop_sppt", "NOP SPPT PBB", required=False),
            _f(
                "asal_tanah",
                "Asal perolehan",
                "select",
                options=["Warisan", "Jual beli", "Hibah", "Lainnya"],
            ),
            _f("batas_utara", "Batas utara"),
            _f("batas_timur", "Batas timur"),
            _f("batas_selatan", "Batas selatan"),
            _f("batas_barat", "Batas barat"),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Menurut catatan Pemerintah Desa {desa}, orang tersebut di atas menguasai sebidang "
            "tanah seluas {luas_tanah} m\u00b2 yang terletak di {letak_tanah}, yang diperoleh "
            "dari {asal_tanah}, dengan batas-batas sebagaimana tersebut di atas. Surat ini "
            "bukan bukti hak atas tanah."
        ),
    },
    {
        "code": "bepergian",
        "title": "Surat Keterangan Bepergian",
        "classification_code": "100.2.5",
        "annex": "100.2.5 Fasilitasi Pelayanan Umum (B-251)",
        "description": "Surat jalan untuk bepergian ke luar daerah.",
        "self_service": True,
        "validity_days": 30,
        "required_documents": [*KTP_KK],
        "form_schema": [
            *_person_fields(),
            _f(
                "tujuan_bepergian",
                "Tujuan",
                "textarea",
                max_length=200,
                help="Alamat atau kota tujuan.",
            ),
            _f("tanggal_berangkat", "Tanggal berangkat", "date"),
            _f("tanggal_kembali", "Rencana tanggal kembali", "date", required=False),
            *_group(
                "pengikut",
                "Pengikut",
                3,
                [
                    ("nama", "nama", "text"),
                    ("nik", "NIK", "nik"),
                    ("hubungan", "hubungan keluarga", "select"),
                ],
            ),
            _KEPERLUAN,
            _PHONE,
        ],
        "body_template": (
            "Orang tersebut di atas adalah benar penduduk Desa {desa} yang akan bepergian ke "
            "{tujuan_bepergian} mulai tanggal {tanggal_berangkat}, diikuti {jumlah_pengikut} "
            "orang."
        ),
    },
]
