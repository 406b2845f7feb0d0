"""Every seeded letter type, issued for real and rendered in every layout (issue 14):
its text read back and checked for the fields, the classification code, the signer
chain (Kades, a.n. by the Sekdes, u.b. by a Kaur), the validity and the completed
address; the specimen and stamp found as images on kiosk letters; PAdES still verifies.

Set LOKET_LETTER_SHOTS=<folder> to also write every page as a PNG (pdftoppm) to look at.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import unicodedata
from datetime import timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from office_server.database import Database
from office_server.letter_types.catalog import SEED_LETTER_TYPES
from office_server.letter_types.models import LetterType
from office_server.letters import service as letters_service
from office_server.letters import signing, wording
from office_server.letters.context import format_tanggal
from office_server.letters.rendering import LAYOUTS, render_letter_pdf
from office_server.operators import service as operators
from office_server.requests import service as requests_service
from office_server.requests.models import Channel
from office_server.village import service as village
from tests.server.helpers import OPERATOR, operator
from tests.support.letter_samples import APPLICANT_NAME, APPLICANT_NIK, filled_form

SHOTS = os.environ.get("LOKET_LETTER_SHOTS")
CHAINS = {
    "kades": ["Kepala Desa Sukamaju,"],
    "sekdes": ["a.n. Kepala Desa Sukamaju", "Sekretaris Desa,"],
    "kaur": ["a.n. Kepala Desa Sukamaju", "Sekretaris Desa", "u.b. Kepala Urusan Umum,"],
}


def _png(size: tuple[int, int], draw: Any) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw(ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


SPECIMEN = _png(
    (600, 200),
    lambda d: d.line([(20, 150), (200, 40), (380, 160), (580, 60)], fill=(0, 0, 120), width=9),
)
STAMP = _png(
    (400, 400), lambda d: d.ellipse((10, 10, 390, 390), outline=(90, 40, 160, 230), width=14)
)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def image_sizes(pdf: bytes) -> list[tuple[int, int]]:
    sizes = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            sizes.append(Image.open(io.BytesIO(image.data)).size)
    return sizes


def shoot(pdf: bytes, name: str) -> None:
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", str(source), str(folder / name)],
        check=True,
    )
    source.unlink()


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> dict[str, Any]:
    """All 22+ types issued once (F4, signed) by Kades, Sekdes and Kaur in turn."""
    from office_server.config import Settings
    from tests.support import databases

    data_dir = tmp_path_factory.mktemp("every-type")
    settings = Settings(data_dir=data_dir, public_url="http://desa.test:8000")
    db = Database(settings, url=databases.sqlite_copy(sqlite_template, settings.data_dir))
    out: dict[str, Any] = {"db": db, "settings": settings, "letters": {}}
    with db.session() as s:
        profile = village.get_profile(s)
        profile.postal_code = "42186"
        out["place"] = (
            f"Desa {profile.name}, Kecamatan {profile.kecamatan}, "
            f"Kabupaten {profile.kabupaten}, Provinsi {profile.provinsi}"
        )
        village.set_stamp(s, data=STAMP)
        signers = {"kades": operator(s, "kades")}
        for username, title in (("sekdes", "Sekretaris Desa"), ("kaur", "Kepala Urusan Umum")):
            signers[username] = operators.create(
                s,
                username=username,
                full_name=f"{username} contoh",
                role="signer",
                password="a-long-password-123",
                title=title,
            )
        s.flush()
        for signer in signers.values():
            village.set_signature(s, operator_id=signer.id, data=SPECIMEN)
        names = list(signers)
        for i, spec in enumerate(SEED_LETTER_TYPES):
            lt = s.scalars(select(LetterType).where(LetterType.code == spec["code"])).one()
            form = filled_form(lt.fields)
            request, _, _ = requests_service.create(
                s,
                letter_type_code=lt.code,
                applicant_nik=APPLICANT_NIK,
                applicant_name=APPLICANT_NAME,
                form_data=form,
                phone=None,
                channel=Channel.COUNTER,
                actor=OPERATOR,
            )
            requests_service.transition(s, request, "approve", actor=OPERATOR)
            who = names[i % 3]
            letter = letters_service.sign(s, request, signer=signers[who], settings=settings)
            out["letters"][lt.code] = {
                "request_id": request.id,
                "signer": who,
                "number": letter.number,
                "form": form,
                "issued_on": letter.issued_on,
                "pdf": letters_service.pdf_bytes(letter, settings=settings),
            }
        s.commit()
    yield out
    db.dispose()


def _check_text(code: str, info: dict[str, Any], text: str, *, roll: bool, place: str) -> None:
    spec = next(t for t in SEED_LETTER_TYPES if t["code"] == code)
    flat = squash(text)
    # Rolls hyphenate long labels ("Kewarganega-/raan"): read both ways.
    joined = squash(re.sub(r"[-\u2010\u00ad]\n", "", text))

    def has(phrase: str) -> bool:
        return squash(phrase) in flat or squash(phrase) in joined

    assert squash(spec["title"].upper()) in flat
    assert squash(f"Nomor: {spec['classification_code']}/001/DS-2004/") in flat
    for line in CHAINS[info["signer"]]:
        assert has(line), (code, line)
    if info["signer"] == "kades":
        assert "a.n." not in text
    assert squash(", Kode Pos 42186") in flat
    days = spec.get("validity_days")
    if days:
        until = format_tanggal(info["issued_on"] + timedelta(days=days))
        assert has(f"berlaku sampai dengan tanggal {until}"), code
    else:
        assert "berlakusampai" not in flat
    # The applicant's name in proper case, never as typed; no hint in a label.
    assert squash("Siti Aminah") in flat and "AMINAH" not in text
    assert "(contoh" not in text.lower() and "{" not in text
    fields = {f["name"] for f in spec["form_schema"]}
    if "tanggal_lahir" in fields:
        for label in ("No. KK", "Pendidikan", "Kewarganegaraan", "Tempat/Tgl. Lahir"):
            assert has(label), (code, label)
    if "alamat" in fields:
        assert has(place), code
        assert has("RT 002 RW 003"), code
    if "keperluan" in fields:
        # Typed as a sentence, printed once.
        assert has("keperluan: Melamar pekerjaan."), code
        assert "dibuat untuk keperluan: Surat ini" not in text
    for name in fields:
        if name.endswith("_1_nama"):
            assert has(wording.proper_case(info["form"][name])), (code, name)
    if roll:
        assert squash("SALINAN RINGKAS") in flat


@pytest.mark.parametrize("code", [t["code"] for t in SEED_LETTER_TYPES])
def test_issued_letter_reads_right_and_verifies(issued: dict[str, Any], code: str) -> None:
    info = issued["letters"][code]
    pdf = info["pdf"]
    _check_text(code, info, pdf_text(pdf), roll=False, place=issued["place"])
    spec = next(t for t in SEED_LETTER_TYPES if t["code"] == code)
    sizes = image_sizes(pdf)
    if spec.get("print_mode", "kiosk") == "kiosk":
        # Shrunk to print size, the specimen keeps its 3:1 and the stamp its 1:1 shape.
        assert any(abs(w / h - 3) < 0.05 for w, h in sizes), sizes
        assert any(w == h for w, h in sizes), sizes
        assert "Ditandatangani secara elektronik" in pdf_text(pdf)
    else:
        assert not any(abs(w / h - 3) < 0.05 for w, h in sizes), sizes
        assert "secara elektronik" not in pdf_text(pdf)
    check = signing.check_pdf(pdf, data_dir=issued["settings"].data_dir)
    assert check.ok, check
    shoot(pdf, f"{code}-F4-issued")


@pytest.mark.parametrize("layout", [name for name in LAYOUTS if name != "F4"])
def test_every_type_in_every_layout(issued: dict[str, Any], layout: str) -> None:
    db: Database = issued["db"]
    with db.session() as s:
        profile = village.get_profile(s)
        for code, info in issued["letters"].items():
            request = requests_service.get(s, request_id=info["request_id"])
            signer = operator(s, {"kades": "kades"}.get(info["signer"], info["signer"]))
            content = letters_service.letter_content(
                request,
                profile,
                number=info["number"],
                issued_on=info["issued_on"],
                signer_name=signer.full_name,
                signer_title=signer.title or profile.head_title,
                signer_nip=signer.nip,
                verification_url="HTTP://DESA.LOCAL/V/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                signature_png=signer.signature_png,
            )
            pdf = render_letter_pdf(letters_service.village_header(profile), content, layout=layout)
            _check_text(code, info, pdf_text(pdf), roll=LAYOUTS[layout].roll, place=issued["place"])
            shoot(pdf, f"{code}-{layout}")
