"""Pre-fill without exposure (issue 15): the short form when the village has a register,
the letter written from the register in proper case, the full form when nothing matches
(saying nothing of why), no register value in any resident-facing answer, the operator's
side-by-side view, the rate limit on matching, and the offline QR's short form.
On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from loket_protocol.qr import encode_offline_request
from office_server.audit.models import AuditEvent
from office_server.config import Settings
from office_server.database import Database
from office_server.kiosks import service as kiosks
from office_server.main import create_app
from office_server.requests.models import LetterRequest
from office_server.requests.prefill import NO_MATCH_MESSAGE
from office_server.residents.models import Resident
from office_server.residents.prefill import name_key
from office_server.residents.proper_case import proper_case
from tests.server.test_api import login, request_id
from tests.support import factories
from tests.support.factories import make_nik

BIRTH = date(1985, 3, 9)
NIK = make_nik(BIRTH, female=True, serial=77)
REGISTER = {
    "name": "SITI AMINAH BINTI H. AHMAD",
    "birth_place": "PANDEGLANG",
    "sex": "P",
    "religion": "HINDU",
    "occupation": "PENYULUH PERTANIAN",
    "address": "KP. SUKAWARNA HILIR NO. 41",
    "rt": "003",
    "rw": "002",
    "dusun": "II",
    "no_kk": "3604120903850042",
    "shdk": "ISTRI",
    "marital_status": "CERAI HIDUP",
    "education": "SLTA / SEDERAJAT",
    "citizenship": "WNI",
}
# What a resident-facing answer must never carry, as the register or a letter writes it.
SECRETS = ("pandeglang", "penyuluh", "sukawarna", "3604120903850042")
# The letter type's own fields, what the short form still asks.
OWN = {"lama_tinggal": "2015", "keperluan": "Melamar pekerjaan"}


def _assert_nothing_of_the_register(body: str) -> None:
    low = body.lower()
    for value in SECRETS:
        assert value not in low, value
    # The selects (religion, marital status, education) list every option; none may be
    # chosen for the resident, and no JSON may carry one.
    assert "<option selected>" not in body
    assert not re.search(r'"(hindu|cerai hidup|slta[^"]*)"', low)


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    with db.session() as s:
        s.add(Resident(nik=NIK, birth_date=BIRTH, **REGISTER))
        s.commit()
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


def _short(name: str = "siti aminah binti h ahmad", nik: str = NIK, **extra: str) -> dict[str, str]:
    return {
        "short": "1",
        "applicant_nik": nik,
        "applicant_name": name,
        "form_data.tanggal_lahir": BIRTH.isoformat(),
        **{f"form_data.{k}": v for k, v in OWN.items()},
        **extra,
    }


def _hidden(html: str) -> dict[str, str]:
    """The review page's hidden inputs: what "Kirim" posts."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_short_form_files_and_the_letter_carries_the_register_in_proper_case(
    client: TestClient, db: Database
) -> None:
    form = client.get("/surat/domisili").text
    assert 'name="short" value="1"' in form
    assert 'name="form_data.keperluan"' in form and 'name="form_data.tanggal_lahir"' in form
    for held in ("agama", "alamat", "pekerjaan", "no_kk", "rt", "dusun", "tempat_lahir"):
        assert f'name="form_data.{held}"' not in form

    review = client.post("/surat/domisili", data=_short())
    assert review.status_code == 200, review.text
    assert "Periksa kembali" in review.text and "data kependudukan desa" in review.text
    _assert_nothing_of_the_register(review.text)

    result = client.post("/surat/domisili/kirim", data=_hidden(review.text))
    assert result.status_code == 201, result.text
    _assert_nothing_of_the_register(result.text)
    code = re.search(r'<p class="code" id="code">(\w+)</p>', result.text)[1]  # type: ignore[index]
    secret = re.search(r'id="secret">([A-Z0-9 ]+)<', result.text)[1].replace(" ", "")  # type: ignore[index]

    with db.session(write=False) as s:
        req = s.scalars(select(LetterRequest).where(LetterRequest.public_code == code)).one()
        resident = s.scalars(select(Resident).where(Resident.nik == NIK)).one()
        assert req.register_resident_id == resident.id
        # Only what was typed is stored with the request.
        assert set(req.form_data) == {"tanggal_lahir", *OWN}

    status = client.post("/status", data={"code": code, "secret": secret})
    assert status.status_code == 200 and "Sedang Diperiksa" in status.text
    _assert_nothing_of_the_register(status.text)
    api_status = client.get(f"/api/v1/requests/{code}/status", headers={"X-Pickup-Secret": secret})
    _assert_nothing_of_the_register(api_status.text)

    csrf = login(client, "operator")
    rid = request_id(client, code)
    assert client.post(f"/api/v1/operator/requests/{rid}/approve", headers=csrf).status_code == 200
    csrf = login(client, "kades")
    assert client.post(f"/api/v1/operator/requests/{rid}/sign", headers=csrf).status_code == 200
    login(client, "operator")
    text = " ".join(
        _pdf_text(client.get(f"/api/v1/operator/requests/{rid}/letter.pdf").content).split()
    )
    for printed in (
        "Siti Aminah binti H. Ahmad",  # the register's spelling, in proper case
        "Pandeglang",
        "Perempuan",
        "Hindu",
        "Cerai Hidup",
        "SLTA/Sederajat",
        "Penyuluh Pertanian",
        "WNI",
        "3604120903850042",
        "Kp. Sukawarna Hilir No. 41",
        "Dusun II",
        "Melamar pekerjaan",
    ):
        assert printed in text, printed
    assert "SITI AMINAH" not in text and "HINDU" not in text


def test_no_match_asks_the_full_form_and_says_nothing_of_why(client: TestClient) -> None:
    answers = [
        client.post("/surat/domisili", data=_short(name="Siti Aminah")),  # a word short
        client.post("/surat/domisili", data=_short(nik=make_nik(BIRTH, female=True, serial=78))),
    ]
    for answer in answers:
        assert answer.status_code == 200
        assert NO_MATCH_MESSAGE in answer.text
        assert 'name="short"' not in answer.text
        # The full form, as without a register, with what was typed kept.
        assert 'name="form_data.agama"' in answer.text and 'name="form_data.alamat"' in answer.text
        assert "Melamar pekerjaan" in answer.text
        assert (
            "NIK tidak" not in answer.text
            and "tanggal lahir"
            not in answer.text.split(NO_MATCH_MESSAGE)[0].lower().split("<main")[-1]
        )
        _assert_nothing_of_the_register(answer.text)
    # The two reasons read alike: only the typed values differ.
    strip = [re.sub(r'value="[^"]*"|\d{16}|Siti Aminah[^<"]*', "", a.text) for a in answers]
    assert strip[0] == strip[1]

    # The full form filed after it works as today, unlinked.
    body = factories.domisili_form(BIRTH, female=True)
    full = {
        "applicant_nik": make_nik(BIRTH, female=True, serial=78),
        "applicant_name": "Siti Aminah",
        **{f"form_data.{k}": v for k, v in {**body, **OWN}.items()},
    }
    review = client.post("/surat/domisili", data=full)
    assert review.status_code == 200 and "Periksa kembali" in review.text
    assert client.post("/surat/domisili/kirim", data=_hidden(review.text)).status_code == 201


def test_a_short_form_sent_without_the_review_is_matched_again(client: TestClient) -> None:
    """The review's answer is not trusted: "Kirim" with a short form that matches nobody
    files nothing and gets the full form."""
    sent = client.post("/surat/domisili/kirim", data={**_short(name="Orang Lain"), "key": "k1"})
    assert sent.status_code == 200 and NO_MATCH_MESSAGE in sent.text
    assert 'name="form_data.agama"' in sent.text
    _assert_nothing_of_the_register(sent.text)


def test_matching_is_rate_limited(db: Database, settings: Settings) -> None:
    with db.session() as s:
        s.add(Resident(nik=NIK, birth_date=BIRTH, **REGISTER))
        s.commit()
    limited = settings.model_copy(update={"lookup_rate_per_minute": 3})
    with TestClient(create_app(limited, db)) as client:
        for i in range(3):
            miss = client.post("/surat/domisili", data=_short(name=f"Tebakan {'x' * i}"))
            assert NO_MATCH_MESSAGE in miss.text
        # Now even the right data waits: a guesser cannot tell a hit from the limit.
        refused = client.post("/surat/domisili", data=_short())
        assert refused.status_code == 429
        assert "Terlalu banyak percobaan" in refused.text
        assert int(refused.headers["Retry-After"]) > 0
        assert 'name="short" value="1"' in refused.text  # the short form, typing kept
        _assert_nothing_of_the_register(refused.text)


def test_operator_sees_register_and_typed_side_by_side(client: TestClient, db: Database) -> None:
    """A full form (the JSON API, as the kiosk sends) from a registered resident is linked
    silently (the answer is the same either way); the operator sees where it differs, and
    the letter uses the register."""
    form = {**factories.domisili_form(BIRTH, female=True), "pekerjaan": "Guru", "agama": "Hindu"}
    created = client.post(
        "/api/v1/requests",
        json={
            "letter_type": "domisili",
            "applicant_nik": NIK,
            "applicant_name": "Siti Aminah binti H. Ahmad",
            "form_data": form,
        },
    )
    assert created.status_code == 201, created.text
    _assert_nothing_of_the_register(created.text)
    login(client, "operator")
    rid = request_id(client, created.json()["code"])
    page = client.get(f"/operator/permohonan/{rid}").text
    view = page.split('id="register-view"')[1].split("</table>")[0]
    rows = {label.strip(): bool(flag) for flag, label in re.findall(
        r'<tr( class="mismatch")?><th scope="row">([^<]+)', view)}  # fmt: skip
    assert rows["Pekerjaan"] is True and rows["Agama"] is False
    assert rows["Tempat lahir"] is True  # "Serang" typed, "Pandeglang" registered
    assert "Penyuluh Pertanian" in view and "Guru" in view
    assert re.search(r'<td class="uses">Penyuluh Pertanian</td><td>Guru</td>', view)
    # Register-held fields are corrected in the register, not on the request.
    assert 'name="form_data.pekerjaan"' not in page and 'name="form_data.keperluan"' in page
    with db.session(write=False) as s:
        viewed = s.scalars(select(AuditEvent).where(AuditEvent.action == "resident_view")).all()
        assert [e.details["request_id"] for e in viewed] == [rid]
    preview = _pdf_text(client.get(f"/operator/permohonan/{rid}/pratinjau.pdf").content)
    assert "Penyuluh Pertanian" in preview and "Guru" not in preview


def _offline(fields: dict[str, Any], name: str, key: str) -> str:
    return encode_offline_request(
        {"v": 1, "k": key, "t": "domisili", "n": NIK, "m": name, "p": None, "f": fields, "s": 1}
    )


def test_offline_qr_of_a_short_form_is_filed_by_the_kiosk(client: TestClient, db: Database) -> None:
    with db.session() as s:
        _, key = kiosks.add(s, name="anjungan-1")
        s.commit()
    kiosk = {"Authorization": f"Bearer {key}"}
    fields = {"tanggal_lahir": BIRTH.isoformat(), **OWN}
    payload = _offline(fields, "SITI AMINAH BINTI H AHMAD", "a1")
    filed = client.post("/api/v1/kiosk/scans", json={"payload": payload}, headers=kiosk)
    assert filed.json()["outcome"] == "filed", filed.text
    _assert_nothing_of_the_register(filed.text)
    missed = client.post(
        "/api/v1/kiosk/scans", json={"payload": _offline(fields, "Orang Lain", "a2")},
        headers=kiosk,
    )  # fmt: skip
    assert missed.json()["outcome"] == "no_register_match"
    assert "formulir lengkap" in missed.json()["message"]
    _assert_nothing_of_the_register(missed.text)


@pytest.mark.parametrize(
    ("written", "printed"),
    [
        ("SITI AMINAH BINTI H. AHMAD", "Siti Aminah binti H. Ahmad"),
        ("HJ. NUR'AINI", "Hj. Nur'aini"),
        ("KP. SUKAMAJU NO. 4 RT.01", "Kp. Sukamaju No. 4 RT.01"),
        ("DUSUN II", "Dusun II"),
        ("HAMENGKU BUWONO X", "Hamengku Buwono X"),
        ("PETANI/PEKEBUN", "Petani/Pekebun"),
        ("PEGAWAI NEGERI SIPIL (PNS)", "Pegawai Negeri Sipil (PNS)"),
        ("al-fatih", "Al-Fatih"),
        ("CIVIL DI MIX", "Civil Di Mix"),  # no roman numerals past XXXIX
    ],
)
def test_proper_case(written: str, printed: str) -> None:
    assert proper_case(written) == printed


def test_name_matching_forgives_form_not_letters() -> None:
    key = name_key("SITI AMINAH BINTI H. AHMAD")
    for same in (
        "siti aminah binti h ahmad",
        "Siti  Aminah Binti H.Ahmad",
        "SITI AMINAH BINTI H AHMAD",
    ):
        assert name_key(same) == key
    for other in ("Siti Aminah", "Siti Aminah binti Ahmad", "Sity Aminah binti H. Ahmad"):
        assert name_key(other) != key
    assert name_key("Nur Aini") == name_key("NUR'AINI") == name_key("Nurâini")
