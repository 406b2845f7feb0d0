"""Counter entry (issue 14): an operator files a request for a walk-in resident, any
type, counter-only ones included; a half-filled one waits as a draft; the resident gets a
receipt with the pickup QR; after signing the letter is printed and handed over."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from office_server.database import Database
from office_server.letter_types import service as letter_types
from office_server.letters.models import Letter
from office_server.requests import service as requests_service
from office_server.requests.lifecycle import Status
from tests.support.letter_samples import APPLICANT_NAME, APPLICANT_NIK, filled_form
from tests.web.test_admin_pages import login

COUNTER_ONLY = ("kelahiran", "kematian", "pindah")


def _status(db: Database, request_id: int) -> str:
    with db.session() as s:
        return requests_service.get(s, request_id=request_id).status


@pytest.mark.parametrize("code", COUNTER_ONLY)
def test_counter_request_goes_draft_submitted_signed_printed(
    client: TestClient, sqlite_db: Database, code: str
) -> None:
    csrf = login(client, "operator")
    catalog = client.get("/operator/loket")
    assert f'href="/operator/loket/{code}"' in catalog.text
    with sqlite_db.session() as s:
        lt = letter_types.get_by_code(s, code=code)
        assert not lt.self_service
        full = filled_form(lt.fields)
    first_field = next(iter(full))

    # Half-filled: saved as a draft, nothing required is asked for yet.
    r = client.post(
        f"/operator/loket/{code}",
        data={
            "csrf_token": csrf,
            "applicant_nik": APPLICANT_NIK,
            "applicant_name": APPLICANT_NAME,
            f"form_data.{first_field}": full[first_field],
            "simpan": "draf",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    request_id = int(re.search(r"/operator/permohonan/(\d+)", r.headers["location"])[1])  # type: ignore[index]
    assert _status(sqlite_db, request_id) == Status.DRAFT
    page = client.get(r.headers["location"])
    assert "Belum Lengkap" in page.text and 'id="submit-draft"' in page.text

    # Submitting it half-filled is refused with what is missing; it stays a draft.
    r = client.post(f"/operator/permohonan/{request_id}/ajukan", data={"csrf_token": csrf})
    assert r.status_code == 422
    assert "wajib diisi" in html.unescape(r.text)
    assert _status(sqlite_db, request_id) == Status.DRAFT

    # Completed on the request page, then filed: the receipt carries the pickup QR.
    r = client.post(
        f"/operator/permohonan/{request_id}/ubah",
        data={"csrf_token": csrf, **{f"form_data.{k}": v for k, v in full.items()}},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    receipt = client.post(f"/operator/permohonan/{request_id}/ajukan", data={"csrf_token": csrf})
    assert receipt.status_code == 201, receipt.text
    assert receipt.headers["cache-control"] == "no-store"
    assert "<svg" in receipt.text and "TANDA TERIMA" in receipt.text
    secret = re.search(r'id="secret">([A-Z2-7 ]+)<', receipt.text)[1].replace(" ", "")  # type: ignore[index]
    with sqlite_db.session() as s:
        req = requests_service.get(s, request_id=request_id)
        assert req.status == Status.SUBMITTED and req.channel == "counter"
        resident_view = requests_service.get_for_resident(s, code=req.public_code, secret=secret)
        assert resident_view.id == req.id

    r = client.post(f"/operator/permohonan/{request_id}/aksi/approve", data={"csrf_token": csrf})
    assert _status(sqlite_db, request_id) == Status.AWAITING_SIGNATURE

    with TestClient(client.app) as signer:
        signer_csrf = login(signer, "kades")
        r = signer.post(
            f"/operator/permohonan/{request_id}/tandatangan", data={"csrf_token": signer_csrf}
        )
        assert r.status_code == 200, r.text
    assert _status(sqlite_db, request_id) == Status.READY

    pdf = client.get(f"/operator/permohonan/{request_id}/surat.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    r = client.post(
        f"/operator/permohonan/{request_id}/serahkan",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with sqlite_db.session() as s:
        req = requests_service.get(s, request_id=request_id)
        assert req.status == Status.PICKED_UP
        letter = s.query(Letter).filter_by(request_id=request_id).one()
        assert letter.print_count == 1


def test_counter_only_types_stay_closed_to_the_phone(client: TestClient) -> None:
    with TestClient(client.app) as phone:
        r = phone.post(
            "/api/v1/requests",
            json={
                "letter_type": "kelahiran",
                "applicant_nik": APPLICANT_NIK,
                "applicant_name": APPLICANT_NAME,
                "form_data": {},
            },
        )
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "counter_only"


def test_hand_over_before_signing_is_refused(client: TestClient, sqlite_db: Database) -> None:
    csrf = login(client, "operator")
    with sqlite_db.session() as s:
        full = filled_form(letter_types.get_by_code(s, code="kematian").fields)
    r = client.post(
        "/operator/loket/kematian",
        data={
            "csrf_token": csrf,
            "applicant_nik": APPLICANT_NIK,
            "applicant_name": APPLICANT_NAME,
            "simpan": "ajukan",
            **{f"form_data.{k}": v for k, v in full.items()},
        },
    )
    assert r.status_code == 201, r.text
    request_id = int(re.search(r"/operator/permohonan/(\d+)", r.text)[1])  # type: ignore[index]
    r = client.post(f"/operator/permohonan/{request_id}/serahkan", data={"csrf_token": csrf})
    assert "tidak dapat dilakukan" in r.text
    assert _status(sqlite_db, request_id) == Status.SUBMITTED


def test_a_wrong_counter_form_comes_back_with_every_problem(client: TestClient) -> None:
    csrf = login(client, "operator")
    r = client.post(
        "/operator/loket/pindah",
        data={
            "csrf_token": csrf,
            "applicant_nik": "123",
            "applicant_name": APPLICANT_NAME,
            "simpan": "draf",
        },
    )
    assert r.status_code == 422
    assert 'aria-invalid="true"' in r.text and APPLICANT_NAME in r.text


def test_a_death_before_the_birth_is_refused(client: TestClient, sqlite_db: Database) -> None:
    csrf = login(client, "operator")
    with sqlite_db.session() as s:
        full = filled_form(letter_types.get_by_code(s, code="kematian").fields)
    full["tanggal_lahir_almarhum"], full["tanggal_meninggal"] = "2020-01-02", "2019-05-05"
    r = client.post(
        "/operator/loket/kematian",
        data={
            "csrf_token": csrf,
            "applicant_nik": APPLICANT_NIK,
            "applicant_name": APPLICANT_NAME,
            "simpan": "ajukan",
            **{f"form_data.{k}": v for k, v in full.items()},
        },
    )
    assert r.status_code == 422
    assert "Tanggal meninggal sebelum tanggal lahir." in html.unescape(r.text)


def test_kiosk_sends_a_wet_signature_letter_to_the_counter(sqlite_db: Database) -> None:
    from loket_protocol.qr import pickup_payload
    from office_server.kiosks import service as kiosks
    from office_server.letters import service as letters_service
    from office_server.requests import counter
    from tests.server.helpers import OPERATOR, operator

    settings = sqlite_db.settings
    with sqlite_db.session() as s:
        outcomes = {}
        for code in ("kelahiran", "domisili"):
            lt = letter_types.get_by_code(s, code=code)
            form = filled_form(lt.fields)
            request, secret = counter.file_now(
                s,
                letter_type_code=code,
                applicant_nik=APPLICANT_NIK,
                applicant_name=APPLICANT_NAME,
                form_data=form,
                phone=None,
                actor=OPERATOR,
            )
            requests_service.transition(s, request, "approve", actor=OPERATOR)
            letters_service.sign(s, request, signer=operator(s, "kades"), settings=settings)
            kiosk, _ = kiosks.add(s, name=f"anjungan-{code}")
            payload = pickup_payload(settings.public_url_upper, request.public_code, secret)
            result = kiosks.scan(s, kiosk=kiosk, payload=payload, settings=settings)
            outcomes[code] = (result.outcome, result.claim is not None, result.message)
        s.commit()
    assert outcomes["kelahiran"][:2] == ("collect_at_counter", False)
    assert "loket" in outcomes["kelahiran"][2]
    assert outcomes["domisili"][:2] == ("ready", True)
