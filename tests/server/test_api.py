"""The JSON API through the app: residents, operators, kiosks, queue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loket_protocol.qr import encode_offline_request
from office_server.config import Settings
from office_server.database import Database
from office_server.kiosks import service as kiosks
from office_server.main import create_app
from office_server.seed import DEMO_PASSWORDS
from tests.support import factories


def login(client: TestClient, username: str = "admin") -> dict[str, str]:
    r = client.post(
        "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORDS[username]}
    )
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": r.json()["csrf_token"]}


def file(client: TestClient, **overrides: Any) -> dict[str, Any]:
    body = {**factories.request_body(), **overrides}
    r = client.post("/api/v1/requests", json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def secret_of(created: dict[str, Any]) -> str:
    return str(created["pickup_qr"].split("#", 1)[1])


def request_id(client: TestClient, code: str) -> int:
    return int(client.get("/api/v1/operator/requests", params={"code": code}).json()[0]["id"])


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    """The API on both databases: the same behaviour on SQLite and PostgreSQL."""
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


@pytest.fixture
def kiosk_headers(db: Database) -> dict[str, str]:
    with db.session() as session:
        _, key = kiosks.add(session, name="anjungan-1")
        session.commit()
    return {"Authorization": f"Bearer {key}"}


def make_ready(client: TestClient, created: dict[str, Any]) -> None:
    csrf = login(client, "operator")
    rid = request_id(client, created["code"])
    assert client.post(f"/api/v1/operator/requests/{rid}/approve", headers=csrf).status_code == 200
    csrf = login(client, "kades")
    r = client.post(f"/api/v1/operator/requests/{rid}/sign", headers=csrf)
    assert r.status_code == 200, r.text
    client.post("/api/v1/auth/logout")


def test_health_docs_and_catalog(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "village": "Sukamaju"}
    assert client.get("/openapi.json").json()["info"]["title"] == "Loket Desa"
    assert client.get("/docs").status_code == 200
    catalog = client.get("/api/v1/letter-types").json()
    codes = {t["code"] for t in catalog}
    assert {
        "domisili", "sktm", "usaha", "skck", "kelahiran", "kematian", "pindah",
        "belum_menikah", "penghasilan_ortu", "beda_identitas",
    } <= codes  # fmt: skip
    domisili = next(t for t in catalog if t["code"] == "domisili")
    assert domisili["self_service"] is True
    born = next(f for f in domisili["fields"] if f["name"] == "tanggal_lahir")
    assert born["type"] == "date"


def test_file_request_and_follow_status_with_the_secret(client: TestClient) -> None:
    created = file(client)
    assert created["status"] == "submitted"
    assert created["status_label"] == "Sedang Diperiksa"
    assert created["pickup_qr"].startswith("HTTP://DESA.TEST:8000/S/" + created["code"] + "#")
    assert len(secret_of(created)) == 26  # 128 bits of base32
    assert factories.make_nik() not in created["pickup_qr"]
    status = client.get(
        f"/api/v1/requests/{created['code']}/status",
        headers={"X-Pickup-Secret": secret_of(created)},
    )
    assert status.status_code == 200
    assert "applicant_nik" not in status.json() and "Budi" not in status.text
    # Lower-case code as typed by a person still works.
    assert (
        client.get(
            f"/api/v1/requests/{created['code'].lower()}/status",
            headers={"X-Pickup-Secret": secret_of(created)},
        ).status_code
        == 200
    )


def test_status_without_the_right_secret_is_404_and_guessing_is_limited(
    client: TestClient,
) -> None:
    created = file(client)
    wrong = {"X-Pickup-Secret": "A" * 32}
    r = client.get(f"/api/v1/requests/{created['code']}/status", headers=wrong)
    assert r.status_code == 404
    assert "tidak ditemukan" in r.json()["error"]["message"]
    assert client.get(f"/api/v1/requests/{created['code']}/status").status_code == 422
    codes = [
        client.get(f"/api/v1/requests/{created['code']}/status", headers=wrong).status_code
        for _ in range(40)
    ]
    assert codes[-1] == 429 and 404 in codes
    # The right secret is also refused while blocked: the limiter is per client.
    right = {"X-Pickup-Secret": secret_of(created)}
    assert (
        client.get(f"/api/v1/requests/{created['code']}/status", headers=right).status_code == 429
    )


def test_validation_errors_are_indonesian_per_field_and_change_nothing(client: TestClient) -> None:
    csrf = login(client)
    before = client.get("/api/v1/operator/requests").json()
    body = factories.request_body()
    body["applicant_nik"] = "123"
    body["applicant_name"] = "Budi 123"
    body["form_data"] = {**body["form_data"], "tanggal_lahir": "2099-01-01", "agama": "Jedi"}
    body["form_data"]["unknown_field"] = "x"
    del body["form_data"]["alamat"]
    r = client.post("/api/v1/requests", json=body)
    assert r.status_code == 422
    fields = r.json()["error"]["fields"]
    assert fields["applicant_nik"] == "NIK harus 16 angka (yang diisi 3 angka)."
    assert "huruf" in fields["applicant_name"]
    assert "masa depan" in fields["form_data.tanggal_lahir"]
    assert "pilih salah satu" in fields["form_data.agama"]
    assert "wajib diisi" in fields["form_data.alamat"]
    assert "tidak dikenal" in fields["form_data.unknown_field"]
    assert client.get("/api/v1/operator/requests").json() == before
    assert csrf


def test_form_must_agree_with_the_nik(client: TestClient) -> None:
    body = factories.request_body()
    body["form_data"]["tanggal_lahir"] = "1991-08-17"
    body["form_data"]["jenis_kelamin"] = "Perempuan"
    fields = client.post("/api/v1/requests", json=body).json()["error"]["fields"]
    assert "tidak sama dengan tanggal lahir pada NIK" in fields["form_data.tanggal_lahir"]
    assert "tidak sesuai dengan NIK" in fields["form_data.jenis_kelamin"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("not json", 422),
        ({"letter_type": "domisili"}, 422),
        ({**factories.request_body(), "extra": 1}, 422),
        ({**factories.request_body(), "letter_type": "surat_sakti"}, 404),
        ({**factories.request_body(), "letter_type": "kematian"}, 403),
    ],
)
def test_bad_bodies_are_refused_cleanly(client: TestClient, body: Any, status: int) -> None:
    if isinstance(body, str):
        r = client.post(
            "/api/v1/requests", content=body, headers={"Content-Type": "application/json"}
        )
    else:
        r = client.post("/api/v1/requests", json=body)
    assert r.status_code == status
    assert r.json()["error"]["message"]


def test_oversized_body_is_413(client: TestClient) -> None:
    big = {**factories.request_body(), "applicant_name": "A" * 2_000_000}
    assert client.post("/api/v1/requests", json=big).status_code == 413


def test_idempotent_submission(client: TestClient) -> None:
    body = factories.request_body()
    key = {"Idempotency-Key": "c0ffee00-1111-2222-3333-444455556666"}
    first = client.post("/api/v1/requests", json=body, headers=key).json()
    again = client.post("/api/v1/requests", json=body, headers=key)
    assert again.status_code == 201
    assert again.json()["code"] == first["code"]
    # Only the latest secret works (the first response was presumably lost).
    url = f"/api/v1/requests/{first['code']}/status"
    assert client.get(url, headers={"X-Pickup-Secret": secret_of(first)}).status_code == 404
    assert client.get(url, headers={"X-Pickup-Secret": secret_of(again.json())}).status_code == 200
    other = {**body, "applicant_name": "Orang Lain"}
    assert client.post("/api/v1/requests", json=other, headers=key).status_code == 409
    login(client)
    assert len(client.get("/api/v1/operator/requests").json()) == 1


def test_operator_routes_need_login_csrf_and_role(client: TestClient) -> None:
    created = file(client)
    assert client.get("/api/v1/operator/requests").status_code == 401
    login(client, "operator")
    rid = request_id(client, created["code"])
    assert client.post(f"/api/v1/operator/requests/{rid}/approve").status_code == 403  # no CSRF
    csrf = login(client, "operator")
    assert client.post(f"/api/v1/operator/requests/{rid}/approve", headers=csrf).status_code == 200
    r = client.post(f"/api/v1/operator/requests/{rid}/sign", headers=csrf)
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_role"
    csrf = login(client, "kades")
    assert client.get("/api/v1/operator/requests").status_code == 403  # signer is not operator
    assert client.post(f"/api/v1/operator/requests/{rid}/sign", headers=csrf).status_code == 200


def test_login_failures_slow_the_address_and_lock_no_account(client: TestClient) -> None:
    with TestClient(client.app, client=("10.0.0.7", 50000)) as desk:
        login(desk, "operator")  # the operator's own browser, at her desk
        for _ in range(5):
            r = client.post(
                "/api/v1/auth/login", json={"username": "operator", "password": "salah"}
            )
            assert r.status_code == 401 and r.json()["error"]["code"] == "login_failed"
        # The sixth try waits, whatever the password: the guesser learns nothing meanwhile.
        r = client.post(
            "/api/v1/auth/login",
            json={"username": "operator", "password": DEMO_PASSWORDS["operator"]},
        )
        assert r.status_code == 429 and r.headers["retry-after"] == "2"
        assert r.json()["error"]["message"].startswith("Terlalu banyak percobaan masuk. Tunggu")
        # No account is locked: from her own browser the operator logs in at once.
        login(desk, "operator")


def test_operator_actions_and_invalid_transition_is_409(client: TestClient) -> None:
    created = file(client)
    csrf = login(client, "operator")
    rid = request_id(client, created["code"])
    detail = client.get(f"/api/v1/operator/requests/{rid}").json()
    assert detail["applicant_nik"] == factories.make_nik()
    assert set(detail["allowed_actions"]) >= {"approve", "reject", "ask_correction", "cancel"}
    r = client.post(f"/api/v1/operator/requests/{rid}/reject", json={}, headers=csrf)
    assert r.status_code == 409 and r.json()["error"]["code"] == "reason_required"
    r = client.post(
        f"/api/v1/operator/requests/{rid}/ask-correction",
        json={"reason": "Foto KTP buram, mohon isi alamat lengkap"},
        headers=csrf,
    )
    assert r.json()["status"] == "needs_correction"
    r = client.post(f"/api/v1/operator/requests/{rid}/approve", headers=csrf)
    assert r.status_code == 409
    assert "Perlu Perbaikan" in r.json()["error"]["message"]
    assert client.get(f"/api/v1/operator/requests/{rid}").json()["status"] == "needs_correction"

    # The resident sees the message and fixes the field with the secret.
    url = f"/api/v1/requests/{created['code']}"
    headers = {"X-Pickup-Secret": secret_of(created)}
    status = client.get(f"{url}/status", headers=headers).json()
    assert status["correction_message"] == "Foto KTP buram, mohon isi alamat lengkap"
    assert status["form_data"]["alamat"]
    fixed = client.post(
        f"{url}/corrections",
        json={"form_data": {"alamat": "Kp. Sukamaju RT 004/RW 001 No. 12"}},
        headers=headers,
    )
    assert fixed.status_code == 200 and fixed.json()["status"] == "submitted"

    r = client.patch(
        f"/api/v1/operator/requests/{rid}",
        json={"form_data": {"pekerjaan": "Wiraswasta"}},
        headers=csrf,
    )
    assert r.json()["form_data"]["pekerjaan"] == "Wiraswasta"
    r = client.post(
        f"/api/v1/operator/requests/{rid}/reject", json={"reason": "Bukan warga"}, headers=csrf
    )
    assert r.json()["status"] == "rejected"
    assert r.json()["rejection_reason"] == "Bukan warga"


def test_a_fix_when_none_is_asked_is_a_conflict_before_its_values_are_checked(
    client: TestClient,
) -> None:
    created = file(client)
    r = client.post(
        f"/api/v1/requests/{created['code']}/corrections",
        json={"form_data": {"alamat": "x" * 600}},
        headers={"X-Pickup-Secret": secret_of(created)},
    )
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "invalid_transition"
    assert "Sedang Diperiksa" in r.json()["error"]["message"]


def test_kiosk_claim_print_and_retries(client: TestClient, kiosk_headers: dict[str, str]) -> None:
    created = file(client)
    scan = client.post(
        "/api/v1/kiosk/scans", json={"payload": created["pickup_qr"]}, headers=kiosk_headers
    ).json()
    assert scan["outcome"] == "in_progress" and scan["claim"] is None
    make_ready(client, created)

    first = client.post(
        "/api/v1/kiosk/scans", json={"payload": created["pickup_qr"]}, headers=kiosk_headers
    ).json()
    assert first["outcome"] == "ready"
    assert first["claim"]["paper"] == "F4"  # the demo village prints on folio
    again = client.post(
        "/api/v1/kiosk/scans", json={"payload": created["pickup_qr"]}, headers=kiosk_headers
    ).json()
    claim_id = first["claim"]["claim_id"]
    assert again["claim"]["claim_id"] == claim_id  # a double scan is one claim

    pdf = client.get(f"/api/v1/kiosk/claims/{claim_id}/pdf", headers=kiosk_headers)
    assert pdf.content.startswith(b"%PDF-")
    assert pdf.headers["X-Content-SHA256"] == first["claim"]["pdf_sha256"]

    failed = client.post(
        f"/api/v1/kiosk/claims/{claim_id}/failed",
        json={"reason": "kertas habis"},
        headers=kiosk_headers,
    )
    assert failed.json() == {"status": "ready"}
    r = client.post(f"/api/v1/kiosk/claims/{claim_id}/printed", headers=kiosk_headers)
    assert r.status_code == 409  # the failed claim is closed; scan again

    retry = client.post(
        "/api/v1/kiosk/scans", json={"payload": created["pickup_qr"]}, headers=kiosk_headers
    ).json()
    new_claim = retry["claim"]["claim_id"]
    assert new_claim != claim_id
    for _ in range(2):  # a confirmation retried after a lost response
        r = client.post(f"/api/v1/kiosk/claims/{new_claim}/printed", headers=kiosk_headers)
        assert r.json() == {"status": "picked_up"}
    # A finished claim hands out no more copies: reprints go through the operator.
    assert (
        client.get(f"/api/v1/kiosk/claims/{new_claim}/pdf", headers=kiosk_headers).status_code
        == 409
    )
    done = client.post(
        "/api/v1/kiosk/scans", json={"payload": created["pickup_qr"]}, headers=kiosk_headers
    ).json()
    assert done["outcome"] == "already_picked_up" and "sudah diambil" in done["message"]


@pytest.mark.parametrize(
    ("payload", "kind", "outcome"),
    [
        ("hello", "unknown", "invalid"),
        ("https://wa.me/6281234567890", "unknown", "invalid"),
        ("HTTP://DESA.TEST:8000/S/ABCDEFGH#" + "A" * 32, "pickup", "not_found"),
        ("HTTP://DESA.TEST:8000/V/" + "A" * 32, "verification", "invalid"),
        ("LD1O:%%%%", "unknown", "invalid"),
    ],
)
def test_kiosk_scan_of_foreign_or_forged_codes(
    client: TestClient, kiosk_headers: dict[str, str], payload: str, kind: str, outcome: str
) -> None:
    r = client.post("/api/v1/kiosk/scans", json={"payload": payload}, headers=kiosk_headers)
    assert r.status_code == 200
    assert (r.json()["kind"], r.json()["outcome"]) == (kind, outcome)
    assert r.json()["message"]


def test_kiosk_needs_a_valid_key(client: TestClient, db: Database) -> None:
    assert client.post("/api/v1/kiosk/scans", json={"payload": "x"}).status_code == 401
    with db.session() as session:
        kiosk, key = kiosks.add(session, name="dicabut")
        kiosks.revoke(session, kiosk_id=kiosk.id, actor=kiosks.actor_for(kiosk))
        session.commit()
    r = client.post(
        "/api/v1/kiosk/scans", json={"payload": "x"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "kiosk_unauthorized"


def test_offline_request_qr_is_filed_once(
    client: TestClient, kiosk_headers: dict[str, str]
) -> None:
    body = factories.request_body(name="Nur'aini Ñoño")
    payload = encode_offline_request(
        {"v": 1, "k": "phone-key-1", "t": body["letter_type"], "n": body["applicant_nik"],
         "m": body["applicant_name"], "f": body["form_data"]}
    )  # fmt: skip
    first = client.post("/api/v1/kiosk/scans", json={"payload": payload}, headers=kiosk_headers)
    assert first.json()["outcome"] == "filed"
    assert first.json()["pickup_qr"].startswith("HTTP://DESA.TEST:8000/S/")
    again = client.post("/api/v1/kiosk/scans", json={"payload": payload}, headers=kiosk_headers)
    assert again.json()["request"]["code"] == first.json()["request"]["code"]
    make_ready(client, {"code": first.json()["request"]["code"]})
    later = client.post("/api/v1/kiosk/scans", json={"payload": payload}, headers=kiosk_headers)
    assert later.json()["pickup_qr"] is None  # the ticket the resident holds stays valid
    assert "tiket" in later.json()["message"] and later.json()["request"]["status"] == "ready"
    login(client)
    rows = client.get("/api/v1/operator/requests").json()
    assert [(r["channel"], r["applicant_name"]) for r in rows] == [("offline_qr", "Nur'aini Ñoño")]

    bad = encode_offline_request(
        {"v": 1, "t": "domisili", "n": "1234", "m": "X", "f": body["form_data"]}
    )
    r = client.post("/api/v1/kiosk/scans", json={"payload": bad}, headers=kiosk_headers).json()
    assert r["outcome"] == "invalid" and "NIK" in r["message"]


def test_queue_tickets(client: TestClient, kiosk_headers: dict[str, str]) -> None:
    key = {"Idempotency-Key": "tiket-1", **kiosk_headers}
    first = client.post("/api/v1/kiosk/tickets", json={}, headers=key).json()
    assert client.post("/api/v1/kiosk/tickets", json={}, headers=key).json() == first
    second = client.post("/api/v1/kiosk/tickets", json={}, headers=kiosk_headers).json()
    assert (first["number"], second["number"], second["waiting_before"]) == ("A-001", "A-002", 1)
    csrf = login(client, "operator")
    called = client.post(
        "/api/v1/operator/queue/call-next", json={"counter_no": 1}, headers=csrf
    ).json()
    assert (called["number"], called["counter_no"]) == ("A-001", 1)
    recalled = client.post(f"/api/v1/operator/queue/{called['ticket_id']}/recall", headers=csrf)
    assert recalled.json()["call_count"] == 2
    client.post(f"/api/v1/operator/queue/{second['ticket_id']}/skip", headers=csrf)
    r = client.post("/api/v1/operator/queue/call-next", json={"counter_no": 1}, headers=csrf)
    assert r.status_code == 404 and "Tidak ada antrean" in r.json()["error"]["message"]
    board = client.get("/api/v1/queue/board").json()
    assert board["called"][0]["number"] == "A-001" and board["waiting"] == 0


def test_secret_typed_from_paper_is_forgiven(client: TestClient) -> None:
    created = file(client)
    secret = secret_of(created)
    typed = " ".join(secret[i : i + 4] for i in range(0, 32, 4)).lower()
    typed = typed.replace("o", "0").replace("i", "1").replace("b", "8")
    r = client.get(f"/api/v1/requests/{created['code']}/status", headers={"X-Pickup-Secret": typed})
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "0812" * 10}, "phone"),
        (
            {"form_data": {**factories.domisili_form(), "lama_tinggal": "20²0"}},
            "form_data.lama_tinggal",
        ),
    ],
)
def test_odd_numbers_are_refused_not_crashed(
    client: TestClient, change: dict[str, Any], field: str
) -> None:
    r = client.post("/api/v1/requests", json={**factories.request_body(), **change})
    assert r.status_code == 422
    assert field in r.json()["error"]["fields"]
