"""Letters to PDF: every seeded type in every layout, read back as text and as a QR."""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, cast

import pypdf
import pypdfium2
import pytest
import zxingcpp
from PIL import Image, ImageDraw
from pypdf.generic import DictionaryObject

from office_server.letters.context import compare_rows, format_tanggal
from office_server.letters.rendering import (
    Layout,
    LetterContent,
    TemplateError,
    VillageHeader,
    render_letter_pdf,
    validate_template_source,
)
from office_server.qr_images import qr_svg

LAYOUTS: tuple[Layout, ...] = ("A4", "F4", "thermal80", "thermal58")
PAGE_MM = {"A4": (210, 297), "F4": (215, 330), "thermal80": (72, None), "thermal58": (48, None)}
# Dots across the printable width at 203 dpi, as printer_drivers rasterises a roll page.
ROLL_DOTS = {"thermal80": 576, "thermal58": 384}
VERIFY_URL = "HTTP://192.168.1.10:8000/V/K7QX2MZP4RTW6YBN3CDF5GHJ2LKM7NPQ"
LONG_NAME = "Muhammad Abdurrahman Wahid Al-Fatih bin Sulaiman Nur'aini Ñoño Élodie"


def _logo_png() -> bytes:
    image = Image.new("RGBA", (400, 480), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(20, 20), (380, 20), (380, 300), (200, 460), (20, 300)], fill="#1b5e20")
    draw.ellipse((120, 100, 280, 260), fill="#fdd835")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


VILLAGE = VillageHeader(
    name="Sukamaju",
    kode_desa="DS-2004",
    kecamatan="Cikande",
    kabupaten="Serang",
    provinsi="Banten",
    address="Jl. Raya Sukamaju No. 1",
    postal_code="42186",
    phone="(0254) 401234",
    email="pemdes@sukamaju.desa.id",
    logo_png=_logo_png(),
    head_name="H. Ahmad Suganda",
    head_title="Kepala Desa",
)


def _person(name: str, *, sex: str = "Laki-laki", job: str = "Wiraswasta") -> list[tuple[str, str]]:
    return [
        ("Nama", name),
        ("NIK", "3604011201900001" if sex == "Laki-laki" else "3604015208920002"),
        ("Tempat/Tgl Lahir", "Serang, 12 Januari 1990"),
        ("Jenis Kelamin", sex),
        ("Agama", "Islam"),
        ("Status Perkawinan", "Kawin"),
        ("Pekerjaan", job),
        ("Alamat", "Kp. Sukamaju RT 002/RW 003, Desa Sukamaju"),
    ]


# type_code -> (title, subject name, rows, body, purpose), worded as the seeded types are.
SEEDED: dict[str, tuple[str, str, list[tuple[str, str]], list[str], str]] = {
    "domisili": (
        "Surat Keterangan Domisili",
        "Budi Santoso",
        [*_person("Budi Santoso"), ("Tinggal sejak", "2015")],
        [
            "Orang tersebut di atas adalah benar penduduk yang berdomisili di Kp. Sukamaju "
            "RT 002/RW 003, Desa Sukamaju, sejak tahun 2015 sampai sekarang."
        ],
        "Melamar pekerjaan di PT Maju Jaya",
    ),
    "sktm": (
        "Surat Keterangan Tidak Mampu",
        "Siti Aminah",
        [*_person("Siti Aminah", sex="Perempuan", job="Mengurus Rumah Tangga")],
        [
            "Orang tersebut di atas adalah benar penduduk Desa Sukamaju dan berdasarkan "
            "pengetahuan kami termasuk keluarga kurang mampu, dengan penghasilan keluarga "
            "sekitar Rp 1.200.000 per bulan dan menanggung 4 orang anggota keluarga."
        ],
        "Keringanan biaya berobat di RSUD Serang",
    ),
    "usaha": (
        "Surat Keterangan Usaha",
        "Dedi Kurniawan",
        [
            *_person("Dedi Kurniawan", job="Pedagang"),
            ("Nama usaha", "Warung Sembako Berkah"),
            ("Jenis usaha", "Warung sembako"),
            ("Alamat usaha", "Jl. Pasar Sukamaju No. 12, RT 001/RW 001"),
            ("Usaha berjalan sejak (tahun)", "2018"),
        ],
        [
            "Orang tersebut di atas adalah benar penduduk Desa Sukamaju yang mempunyai usaha "
            "warung sembako dengan nama \u201cWarung Sembako Berkah\u201d, yang telah berjalan "
            "sejak tahun 2018."
        ],
        "Pengajuan Kredit Usaha Rakyat (KUR)",
    ),
    "skck": (
        "Surat Pengantar SKCK",
        "Rizky Pratama",
        _person("Rizky Pratama", job="Pelajar/Mahasiswa"),
        [
            "Orang tersebut di atas adalah benar penduduk Desa Sukamaju dan sepanjang "
            "pengetahuan kami berkelakuan baik, tidak pernah tersangkut perkara pidana, serta "
            "tidak terlibat penyalahgunaan narkoba."
        ],
        "Persyaratan melamar pekerjaan",
    ),
    "kelahiran": (
        "Surat Keterangan Kelahiran",
        "Aisyah Putri Ramadhani",
        [
            ("Nama bayi", "Aisyah Putri Ramadhani"),
            ("Jenis kelamin bayi", "Perempuan"),
            ("Tempat lahir bayi", "Serang"),
            ("Tanggal lahir bayi", "3 Maret 2026"),
            ("Jam lahir", "14.30 WIB"),
            ("Anak ke-", "2"),
            ("Nama ayah", "Andi Firmansyah"),
            ("NIK ayah", "3604011201900003"),
            ("Nama ibu", "Nur'aini"),
            ("NIK ibu", "3604015208920004"),
            ("Alamat orang tua", "Kp. Sukamaju RT 002/RW 003"),
            ("Hubungan pelapor dengan bayi", "Ayah kandung"),
        ],
        [
            "Telah lahir seorang anak perempuan bernama Aisyah Putri Ramadhani di Serang pada "
            "tanggal 3 Maret 2026, anak ke-2 dari ayah Andi Firmansyah dan ibu Nur'aini."
        ],
        "Pengurusan akta kelahiran",
    ),
    "kematian": (
        "Surat Keterangan Kematian",
        "Sukardi bin Marta",
        [
            ("Nama yang meninggal", "Sukardi bin Marta"),
            ("NIK yang meninggal", "3604010101450001"),
            ("Jenis kelamin", "Laki-laki"),
            ("Tanggal lahir", "1 Januari 1945"),
            ("Alamat terakhir", "Kp. Sukamaju RT 001/RW 002"),
            ("Tanggal meninggal", "20 Februari 2026"),
            ("Tempat meninggal", "Rumah duka, Kp. Sukamaju"),
            ("Sebab meninggal", "Usia lanjut"),
            ("Nama pelapor", "Ujang Sukardi"),
            ("Hubungan pelapor dengan yang meninggal", "Anak kandung"),
        ],
        [
            "Telah meninggal dunia Sukardi bin Marta pada tanggal 20 Februari 2026 di rumah "
            "duka karena usia lanjut. Keterangan ini dilaporkan oleh pemohon selaku anak "
            "kandung."
        ],
        "Pengurusan akta kematian",
    ),
    "pindah": (
        "Surat Keterangan Pindah",
        "Hendra Gunawan",
        [
            *_person("Hendra Gunawan", job="Karyawan Swasta"),
            ("Alamat tujuan pindah", "Jl. Melati No. 5, Kel. Cipocok Jaya, Kota Serang"),
            ("Alasan pindah", "Pekerjaan"),
            ("Jumlah anggota keluarga yang ikut", "3"),
        ],
        [
            "Orang tersebut di atas adalah benar penduduk Desa Sukamaju yang akan pindah ke "
            "Jl. Melati No. 5, Kota Serang, dengan alasan pekerjaan, diikuti 3 orang anggota "
            "keluarga."
        ],
        "Pengurusan pindah domisili",
    ),
    "belum_menikah": (
        "Surat Keterangan Belum Menikah",
        "Dewi Lestari",
        [
            *[
                (label, "Belum Kawin" if label == "Status Perkawinan" else value)
                for label, value in _person("Dewi Lestari", sex="Perempuan", job="Guru")
            ]
        ],
        [
            "Orang tersebut di atas adalah benar penduduk Desa Sukamaju dan sepanjang "
            "pengetahuan kami sampai saat ini belum pernah menikah."
        ],
        "Persyaratan pendaftaran CPNS",
    ),
    "penghasilan_ortu": (
        "Surat Keterangan Penghasilan Orang Tua",
        "Agus Salim",
        [
            *_person("Agus Salim", job="Petani/Pekebun"),
            ("Nama anak", "Rina Agustina"),
            ("Sekolah/kampus anak", "Universitas Sultan Ageng Tirtayasa"),
            ("Penghasilan per bulan", "Rp 2.500.000"),
        ],
        [
            "Orang tersebut di atas adalah benar orang tua dari Rina Agustina, mahasiswa "
            "Universitas Sultan Ageng Tirtayasa, dengan penghasilan rata-rata Rp 2.500.000 "
            "per bulan."
        ],
        "Pengajuan beasiswa KIP Kuliah",
    ),
    "beda_identitas": (
        "Surat Keterangan Beda Identitas",
        "Slamet Riyadi",
        [
            *_person("Slamet Riyadi"),
            ("Nama (KTP)", "Slamet Riyadi"),
            ("Nama (Ijazah SD)", "Selamet Riyadi"),
            ("Tanggal lahir (KTP)", "12 Januari 1990"),
            ("Tanggal lahir (Ijazah SD)", "21 Januari 1990"),
        ],
        [
            "Orang tersebut di atas adalah benar penduduk Desa Sukamaju. Data pada KTP dan "
            "Ijazah SD tersebut di atas adalah benar satu orang yang sama."
        ],
        "Pengurusan pencairan dana pensiun",
    ),
}


def _content(type_code: str, **changes: Any) -> LetterContent:
    title, _name, rows, body, purpose = SEEDED[type_code]
    content = LetterContent(
        type_code=type_code,
        title=title.upper(),
        number="400.12.2.2/007/DS-2004/III/2026",
        issued_on=date(2026, 11, 28),
        place="Sukamaju",
        signer_name="H. Ahmad Suganda",
        signer_title="Kepala Desa",
        signer_nip=None,
        rows=rows,
        body_paragraphs=body,
        purpose=purpose,
        verification_url=VERIFY_URL,
        signed_note="Ditandatangani secara elektronik",
    )
    return replace(content, **changes)


def _squash(text: str) -> str:
    # Narrow layouts wrap names and numbers over lines; compare the characters only.
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _first_page_image(pdf: bytes, layout: str) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        width_pt = page.get_width()
        if layout in ROLL_DOTS:
            # What the thermal head gets: the page scaled to its dot width, 1 bit deep.
            scale = ROLL_DOTS[layout] / width_pt
            image = page.render(scale=scale).to_pil().convert("L")
            return image.point(lambda v: 255 if v > 127 else 0, mode="1").convert("L")
        return page.render(scale=150 / 72).to_pil().convert("L")
    finally:
        document.close()


def _decoded_qr(image: Image.Image) -> list[str]:
    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [barcode.text for barcode in zxingcpp.read_barcodes(image, formats=qr_only)]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("type_code", list(SEEDED))
def test_every_seeded_type_renders_in_every_layout(
    type_code: str, layout: Layout, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="weasyprint")
    content = _content(type_code)

    pdf = render_letter_pdf(VILLAGE, content, layout=layout)

    # WeasyPrint reports CSS it ignores and images it cannot load only in its log.
    assert [r.getMessage() for r in caplog.records] == []
    text = _squash(_text(pdf))
    name = SEEDED[type_code][1]
    for expected in (content.number, name, content.purpose, content.title):
        assert _squash(expected) in text
    assert _squash("Demikian surat") in text
    assert _squash("Pindai untuk memeriksa keaslian surat") in text
    assert _decoded_qr(_first_page_image(pdf, layout)) == [VERIFY_URL]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_page_size_and_roll_trimmed_to_content(layout: Layout) -> None:
    pdf = render_letter_pdf(VILLAGE, _content("domisili"), layout=layout)

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in reader.pages[0].mediabox.upper_right)
    expected_width, expected_height = PAGE_MM[layout]
    assert len(reader.pages) == 1
    assert width_mm == pytest.approx(expected_width, abs=0.1)
    if expected_height is not None:
        assert height_mm == pytest.approx(expected_height, abs=0.1)
    else:
        assert 120 < height_mm < 400


@pytest.mark.parametrize("layout", LAYOUTS)
def test_long_non_ascii_name_survives_and_wraps_inside_the_page(layout: Layout) -> None:
    rows = [("Nama", LONG_NAME), *SEEDED["domisili"][2][1:]]
    content = _content("domisili", rows=rows, signer_name="Nur'aini Ñoño Élodie")

    pdf = render_letter_pdf(VILLAGE, content, layout=layout)

    text = _text(pdf)
    assert _squash(LONG_NAME) in _squash(text)
    assert "Nur'aini Ñoño Élodie" in unicodedata.normalize("NFC", text)
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        textpage = page.get_textpage()
        page_width = page.get_width()
        rights = [textpage.get_charbox(i)[2] for i in range(textpage.count_chars())]
        textpage.close()
    finally:
        document.close()
    assert max(rights) <= page_width - 1  # nothing runs off the right edge


def test_concurrent_renders_from_threads_all_succeed() -> None:
    jobs = [(code, layout) for code in ("domisili", "usaha") for layout in ("A4", "thermal58")]

    with ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(
            pool.map(lambda job: render_letter_pdf(VILLAGE, _content(job[0]), layout=job[1]), jobs)
        )

    for (code, _layout), pdf in zip(jobs, pdfs, strict=True):
        assert _squash(SEEDED[code][1]) in _squash(_text(pdf))


@pytest.mark.parametrize("type_code", ["kelahiran", "kematian"])
def test_birth_and_death_keep_the_generic_layout_for_applicant_only_rows(type_code: str) -> None:
    # Rows about the applicant alone must not be presented as the child or the deceased.
    rows = [("Nama", "Ujang Sukardi"), ("NIK", "3604011201900001"), ("Alamat", "Kp. Sukamaju")]

    text = _text(render_letter_pdf(VILLAGE, _content(type_code, rows=rows), layout="A4"))

    assert "menerangkan dengan sebenarnya bahwa:" in _squash_spaces(text)
    for sectioned in ("telah lahir seorang anak", "Anak dari:", "telah meninggal dunia pada:"):
        assert sectioned not in _squash_spaces(text)
    assert "Ujang Sukardi" in text


def _squash_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_fonts_are_embedded() -> None:
    pdf = render_letter_pdf(VILLAGE, _content("domisili"), layout="A4")

    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    resources = cast(DictionaryObject, page["/Resources"].get_object())
    fonts = cast(DictionaryObject, resources["/Font"].get_object())
    assert fonts
    for ref in fonts.values():
        for descendant in ref.get_object().get("/DescendantFonts", [ref]):
            descriptor = descendant.get_object()["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)


def test_signer_other_than_head_signs_on_behalf_of_the_head() -> None:
    content = _content(
        "skck", signer_name="Siti Rahmawati", signer_title="Sekretaris Desa", signer_nip="1980"
    )

    text = _text(render_letter_pdf(VILLAGE, content, layout="A4"))

    assert "a.n. Kepala Desa Sukamaju" in text
    assert "NIP. 1980" in text
    assert "Demikian surat pengantar ini" in text


def test_village_override_directory_wins_and_falls_back(tmp_path: Path) -> None:
    (tmp_path / "domisili.html").write_text(
        '{% extends "keterangan.html" %}{% block closing %}<p>PENUTUP DESA</p>{% endblock %}',
        encoding="utf-8",
    )

    own = _text(
        render_letter_pdf(VILLAGE, _content("domisili"), layout="A4", template_dir=tmp_path)
    )
    builtin = _text(
        render_letter_pdf(VILLAGE, _content("sktm"), layout="A4", template_dir=tmp_path)
    )

    assert "PENUTUP DESA" in own
    assert "PENUTUP DESA" not in builtin and "Demikian surat keterangan" in builtin


def _assert_indonesian(error: TemplateError) -> None:
    assert error.message == str(error)
    assert re.search(r"\b(Templat|templat)\b", error.message)
    assert re.search(r"\b(tidak|salah|gagal)\b", error.message)


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("{% if letter.title %}<p>{{ letter.title }}</p>", "Penulisan templat salah"),
        ("<p>{{ letter.title }</p>", "Penulisan templat salah"),
        ("<p>{{ nama_kepala_desa }}</p>", "'nama_kepala_desa'"),
        ("<p>{{ ''.__class__ }}</p>", "'__class__'"),
        ("{{ letter.__class__.__mro__[1].__subclasses__() }}", "'__class__'"),
        ("{{ letter['_private'] }}", "'_private'"),
        ("{% extends 'base.html' %}{% block content %}{{ letter.nomor }}{% endblock %}", "nomor"),
        ("{{ letter.rows.append(('x', 'y')) }}", "tidak diizinkan"),
        ("{{ 'x' * 100000000 }}", "tidak diizinkan"),
        ("{% include 'tidak_ada.html' %}", "tidak ditemukan"),
    ],
)
def test_broken_or_unsafe_template_is_rejected_in_indonesian(source: str, needle: str) -> None:
    with pytest.raises(TemplateError) as caught:
        validate_template_source(source)

    _assert_indonesian(caught.value)
    assert needle in caught.value.message


def test_every_builtin_template_validates() -> None:
    builtin = Path(__file__).resolve().parents[2] / "office_server" / "templates" / "letters"
    for path in sorted(builtin.glob("*.html")):
        validate_template_source(path.read_text(encoding="utf-8"))


def test_broken_template_on_disk_fails_the_render_whole(tmp_path: Path) -> None:
    (tmp_path / "domisili.html").write_text(
        '{% extends "keterangan.html" %}{% block content %}{{ letter.tanggal }}{% endblock %}',
        encoding="utf-8",
    )

    with pytest.raises(TemplateError) as caught:
        render_letter_pdf(VILLAGE, _content("domisili"), layout="A4", template_dir=tmp_path)

    _assert_indonesian(caught.value)
    assert "'tanggal'" in caught.value.message and "baris 1" in caught.value.message


def test_indonesian_dates() -> None:
    assert format_tanggal(date(2026, 11, 28)) == "28 November 2026"
    assert format_tanggal(date(2026, 1, 5)) == "5 Januari 2026"
    assert format_tanggal(date(2026, 8, 17)) == "17 Agustus 2026"


def test_upper_case_url_gets_the_smaller_alphanumeric_qr() -> None:
    assert qr_svg(VERIFY_URL)[1] < qr_svg(VERIFY_URL.lower())[1]


def test_compare_rows_needs_two_documents_per_label() -> None:
    comparison = compare_rows(
        [("Nama (KTP)", "A"), ("Nama (Ijazah)", "B"), ("Penghasilan (Rp)", "1"), ("NIK", "2")]
    )

    assert comparison.columns == ["KTP", "Ijazah"]
    assert comparison.rows == [("Nama", ["A", "B"])]
    assert comparison.rest == [("Penghasilan (Rp)", "1"), ("NIK", "2")]
