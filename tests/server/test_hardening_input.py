"""Issue 11, resident input: one normalisation step on every channel (NFC, CRLF -> LF;
lone surrogates, control and hidden direction characters refused per field), numbers
that are numbers, offline QRs that cannot crash the server or void a ticket."""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import base45
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from loket_protocol import qr as qp
from office_server.config import Settings
from office_server.database import Database
from office_server.errors import ValidationFailed
from office_server.kiosks import service as kiosks
from office_server.letter_types.catalog import SEED_LETTER_TYPES
from office_server.letter_types.forms import FieldSpec, clean_form, parse_schema
from office_server.main import create_app
from office_server.requests.models import LetterRequest
from office_server.security import new_secret, sha256_hex
from tests.server.test_api import login, request_id, secret_of
from tests.support import factories


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    """Both databases: PostgreSQL refuses to store a lone surrogate, SQLite stored it."""
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


@pytest.fixture
def kiosk_headers(db: Database) -> dict[str, str]:
    with db.session() as session:
        _, key = kiosks.add(session, name="anjungan-1")
        session.commit()
    return {"Authorization": f"Bearer {key}"}


def post_json(
    client: TestClient, url: str, body: Any, headers: dict[str, str] | None = None
) -> Response:
    # json.dumps escapes a lone surrogate as \ud800, as a hostile client would send it
    # (httpx's own json= cannot even encode one).
    return client.post(
        url,
        content=json.dumps(body),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def body_with(serial: int, **form: Any) -> dict[str, Any]:
    body = factories.request_body(serial=serial)
    body["form_data"].update(form)
    return body


def stored_requests(db: Database) -> list[LetterRequest]:
    with db.session() as session:
        rows = list(session.scalars(select(LetterRequest).order_by(LetterRequest.id)))
        session.expunge_all()
        return rows


def offline_qr(serial: int, key: str | None = "phone-key-1", **form: Any) -> str:
    body = body_with(serial, **form)
    data = {"v": 1, "t": body["letter_type"], "n": body["applicant_nik"]}
    data |= {"m": body["applicant_name"], "f": body["form_data"]}
    if key:
        data["k"] = key
    return qp.encode_offline_request(data)


def raw_offline_qr(json_text: bytes) -> str:
    return "LD1O:" + base45.b45encode(zlib.compress(json_text, 9)).decode()


def scan(client: TestClient, headers: dict[str, str], payload: str) -> dict[str, Any]:
    r = client.post("/api/v1/kiosk/scans", json={"payload": payload}, headers=headers)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


# --- item 3: a lone UTF-16 surrogate ------------------------------------------------------


def test_a_lone_surrogate_is_refused_per_field_and_nothing_is_stored(
    client: TestClient, db: Database
) -> None:
    r = post_json(client, "/api/v1/requests", body_with(1, pekerjaan="Pet\ud800ani"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"] == {
        "form_data.pekerjaan": "Pekerjaan berisi karakter rusak yang tidak dapat disimpan. "
        "Ketik ulang isian ini."
    }
    # Before anything reads it: the idempotency replay hashes the body, a form key is
    # echoed in the answer, the letter type code goes into a query.
    key = {"Idempotency-Key": "surrogate-1"}
    r = post_json(client, "/api/v1/requests", body_with(2, pekerjaan="Pet\udfffani"), key)
    assert r.status_code == 422 and "rusak" in r.json()["error"]["fields"]["form_data.pekerjaan"]
    body = factories.request_body(serial=3)
    body["form_data"]["al\ud800amat"] = "x"
    r = post_json(client, "/api/v1/requests", body)
    assert r.status_code == 422
    assert r.json()["error"]["fields"] == {
        "form_data": "Ada isian yang tidak dikenal untuk jenis surat ini."
    }
    r = post_json(client, "/api/v1/requests", {**body_with(4), "letter_type": "domi\ud800sili"})
    assert r.status_code == 422 and r.json()["error"]["fields"]["letter_type"]
    r = post_json(client, "/api/v1/requests", {**body_with(5), "phone": "0812\ud8003456789"})
    assert r.status_code == 422 and r.json()["error"]["fields"]["phone"]
    assert stored_requests(db) == []
    login(client, "operator")
    assert client.get("/api/v1/operator/requests").json() == []


# --- items 9, 16 and NFC: one normalisation on every channel ------------------------------


def test_crlf_from_a_browser_textarea_is_one_line_break(client: TestClient, db: Database) -> None:
    """Chromium sends a two-line textarea as CRLF; it was refused as a control character."""
    form = {
        "applicant_nik": factories.make_nik(serial=11),
        "applicant_name": "Budi Santoso",
        **{f"form_data.{k}": v for k, v in factories.domisili_form().items()},
        "form_data.alamat": "Kp. Sukamaju\r\nRT 002/RW 003",
    }
    review = client.post("/surat/domisili", data=form)
    assert review.status_code == 200, re.findall(r'class="err"[^>]*>([^<]+)<', review.text)
    key = re.search(r'name="key" value="([^"]+)"', review.text)
    assert key
    filed = client.post("/surat/domisili/kirim", data={**form, "key": key.group(1)})
    assert filed.status_code == 201
    # The JSON API and an old Mac's lone CR too.
    r = post_json(client, "/api/v1/requests", body_with(12, alamat="Kp. Sukamaju\rRT 004"))
    assert r.status_code == 201, r.text
    assert [r.form_data["alamat"] for r in stored_requests(db)] == [
        "Kp. Sukamaju\nRT 002/RW 003",
        "Kp. Sukamaju\nRT 004",
    ]


def test_text_is_stored_in_nfc(client: TestClient, db: Database) -> None:
    decomposed = "Nur'aini N\u0303on\u0303o"  # what some keyboards send for "Ñoño"
    body = {**body_with(13, tempat_lahir="Cipanan\u0303"), "applicant_name": decomposed}
    assert post_json(client, "/api/v1/requests", body).status_code == 201
    (row,) = stored_requests(db)
    assert row.applicant_name == "Nur'aini Ñoño"
    assert row.form_data["tempat_lahir"] == "Cipanañ"


BIDI = "Jl. \u202eAWAS\u202c RT 01"  # prints as "Jl. SAWA RT 01"


def _filed(client: TestClient, serial: int) -> tuple[dict[str, Any], int]:
    created = post_json(client, "/api/v1/requests", body_with(serial))
    assert created.status_code == 201
    login(client, "operator")
    return created.json(), request_id(client, created.json()["code"])


def via_api(client: TestClient, headers: dict[str, str], serial: int) -> str:
    r = post_json(client, "/api/v1/requests", body_with(serial, alamat=BIDI))
    assert r.status_code == 422
    return str(r.json()["error"]["fields"]["form_data.alamat"])


def via_kiosk_form(client: TestClient, headers: dict[str, str], serial: int) -> str:
    r = post_json(client, "/api/v1/kiosk/requests", body_with(serial, alamat=BIDI), headers)
    assert r.status_code == 422
    return str(r.json()["error"]["fields"]["form_data.alamat"])


def via_offline_qr(client: TestClient, headers: dict[str, str], serial: int) -> str:
    answer = scan(client, headers, offline_qr(serial, alamat=BIDI))
    assert answer["outcome"] == "invalid" and answer["pickup_qr"] is None
    return str(answer["message"])


def via_web_form(client: TestClient, headers: dict[str, str], serial: int) -> str:
    form = {
        "applicant_nik": factories.make_nik(serial=serial),
        "applicant_name": "Budi Santoso",
        **{f"form_data.{k}": v for k, v in factories.domisili_form().items()},
        "form_data.alamat": BIDI,
    }
    for url in ("/surat/domisili", "/surat/domisili/kirim"):
        page = client.post(url, data={**form, "key": "k" * 20})
        assert page.status_code == 422
    return str(re.search(r'id="e-alamat"[^>]*>([^<]+)<', page.text).group(1))  # type: ignore[union-attr]


def via_resident_correction(client: TestClient, headers: dict[str, str], serial: int) -> str:
    created, rid = _filed(client, serial)
    csrf = login(client, "operator")
    reason = {"reason": "Alamat kurang lengkap"}
    client.post(f"/api/v1/operator/requests/{rid}/ask-correction", json=reason, headers=csrf)
    r = post_json(
        client,
        f"/api/v1/requests/{created['code']}/corrections",
        {"form_data": {"alamat": BIDI}},
        {"X-Pickup-Secret": secret_of(created)},
    )
    assert r.status_code == 422
    return str(r.json()["error"]["fields"]["form_data.alamat"])


def via_operator_correction(client: TestClient, headers: dict[str, str], serial: int) -> str:
    _, rid = _filed(client, serial)
    csrf = login(client, "operator")
    body = {"form_data": {"alamat": BIDI}}
    r = client.patch(
        f"/api/v1/operator/requests/{rid}",
        content=json.dumps(body),
        headers={"Content-Type": "application/json", **csrf},
    )
    assert r.status_code == 422
    return str(r.json()["error"]["fields"]["form_data.alamat"])


@pytest.mark.parametrize(
    "channel",
    [
        via_api,
        via_kiosk_form,
        via_offline_qr,
        via_web_form,
        via_resident_correction,
        via_operator_correction,
    ],
)
def test_a_bidi_override_is_refused_on_every_channel(
    client: TestClient,
    db: Database,
    kiosk_headers: dict[str, str],
    channel: Callable[[TestClient, dict[str, str], int], str],
) -> None:
    """ "Jl. <RLO>AWAS<PDF> RT 01" printed as "Jl. SAWA RT 01" in the signed letter."""
    message = channel(client, kiosk_headers, 21)
    assert "Alamat" in message and "arah tulisan" in message, message
    # Nothing with the override was stored, on any channel.
    assert all(BIDI not in json.dumps(r.form_data) for r in stored_requests(db))
    assert all(r.form_data["alamat"] == "Kp. Sukamaju RT 002/RW 003" for r in stored_requests(db))


def test_an_operators_reason_is_normalised_like_the_residents_input(
    client: TestClient, db: Database
) -> None:
    """The resident reads it on the status page and the kiosk; a two-line reason from
    Chromium comes as CRLF."""
    created, rid = _filed(client, 51)
    csrf = login(client, "operator")
    url = f"/api/v1/operator/requests/{rid}/ask-correction"
    r = post_json(client, url, {"reason": "Foto KTP \ud800buram"}, csrf)
    assert r.status_code == 422, r.text  # refused already by the API's schema
    r = post_json(client, url, {"reason": f"Perbaiki {BIDI}"}, csrf)
    assert r.status_code == 422, r.text
    message = r.json()["error"]["message"]
    assert message.startswith("Alasan berisi") and "arah tulisan" in message
    assert stored_requests(db)[0].status == "submitted"
    r = post_json(client, url, {"reason": "Foto KTP buram.\r\nAlamat kurang lengkap."}, csrf)
    assert r.status_code == 200, r.text
    status = client.get(
        f"/api/v1/requests/{created['code']}/status",
        headers={"X-Pickup-Secret": secret_of(created)},
    )
    assert status.json()["correction_message"] == "Foto KTP buram.\nAlamat kurang lengkap."


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a\u200bb", "invisible"),  # zero-width space
        ("\ufeffKp. Sukamaju", "invisible"),  # a stray byte-order mark
        ("a\u2066b\u2069", "bidi_control"),
        ("a\x00b", "control"),
        ("a\x1bb", "control"),
        ("a\x7fb", "control"),
        ("a\x9bb", "control"),  # C1
        ("a\ud83d", "surrogate"),
        # "Zalgo": more combining marks in a row than Unicode's stream-safe bound (30).
        ("a" + "\u0301\u0316" * 16, "combining"),
        # Each of these decomposes into two combining marks though it is none itself.
        ("\u0f40" + "\u0f73" * 16, "combining"),
    ],
)
def test_clean_text_refuses_what_no_one_types(text: str, code: str) -> None:
    from loket_protocol.fields import clean_text  # new with issue 11

    with pytest.raises(ValueError) as info:
        clean_text(text)
    assert getattr(info.value, "code", None) == code


def test_clean_text_keeps_what_people_type() -> None:
    from loket_protocol.fields import clean_text

    assert (
        clean_text("Kp. Sukamaju\r\nRT 02\rRW 03\u2028No. 4") == "Kp. Sukamaju\nRT 02\nRW 03\nNo. 4"
    )
    assert clean_text("Nur\u2019aini\tÑoño 👍 سلام") == "Nur\u2019aini\tÑoño 👍 سلام"
    # Vietnamese stacks two marks on a letter; 30 in a row is still text.
    assert clean_text("Nguye\u0302\u0303n") == "Nguyễn"
    assert clean_text("a" + "\u0316\u0301" * 15) == unicodedata.normalize(
        "NFC", "a" + "\u0316\u0301" * 15
    )


def test_a_long_run_of_combining_marks_is_refused_before_it_is_normalised(
    client: TestClient, db: Database
) -> None:
    """NFC sorts each run of combining marks by insertion, holding the GIL: one anonymous
    240 KB body of them took 10 s of the server's CPU (1 MB: minutes), before any length
    check. Refused from the run's length now, on every channel that normalises."""
    zalgo = "Kp. Sukamaju" + "\u0301\u0316" * 20
    r = post_json(client, "/api/v1/requests", body_with(61, alamat=zalgo))
    assert r.status_code == 422, r.text
    message = r.json()["error"]["fields"]["form_data.alamat"]
    assert message.startswith("Alamat") and "tanda" in message and "berturut-turut" in message
    assert stored_requests(db) == []


# --- a NUL character: PostgreSQL cannot hold one ------------------------------------------


NUL_REQUESTS = [
    ("GET", "/api/v1/requests/AB%00CDEFG/status", {"headers": {"X-Pickup-Secret": "A" * 32}}),
    ("POST", "/api/v1/requests/AB%00CDEFG/cancel", {"headers": {"X-Pickup-Secret": "A" * 32}}),
    ("POST", "/status", {"data": {"code": "AB\x00CDEFG", "secret": "A" * 32}}),
    ("POST", "/status/perbaiki", {"data": {"code": "AB\x00CDEFG", "secret": "A" * 32}}),
    ("GET", "/surat/domi%00sili", {}),
    ("POST", "/surat/domi%00sili", {"data": {"applicant_nik": "1"}}),
    ("GET", "/antrean/%00", {}),
    ("GET", "/api/v1/queue/tickets/%00", {}),
    ("POST", "/api/v1/auth/login", {"json": {"username": "ad\x00min", "password": "x" * 8}}),
    ("POST", "/operator/login", {"data": {"username": "ad\x00min", "password": "x" * 8}}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), NUL_REQUESTS)
def test_a_nul_character_is_refused_alike_on_both_databases(
    client: TestClient, method: str, url: str, kwargs: dict[str, Any]
) -> None:
    """Codes, ticket ids, letter type codes and user names went into queries as sent: on
    PostgreSQL (which cannot hold a NUL in text) each was a 500 with a DataError in the
    log, on SQLite a 404. Refused alike now, before any statement is sent."""
    if url == "/operator/login":
        page = client.get(url).text
        kwargs["data"]["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]
    r = client.request(method, url, **kwargs)
    assert r.status_code == 400, r.text[:300]
    text = r.json()["error"]["message"] if url.startswith("/api/") else r.text
    assert "karakter yang tidak diizinkan" in text


def test_a_nul_character_in_the_form_key_files_nothing(client: TestClient, db: Database) -> None:
    """The key of the web form (one filing per filled form) is looked up too."""
    form = {
        "applicant_nik": factories.make_nik(serial=71),
        "applicant_name": "Budi Santoso",
        **{f"form_data.{k}": v for k, v in factories.domisili_form().items()},
        "key": "abc\x00def",
    }
    r = client.post("/surat/domisili/kirim", data=form)
    assert r.status_code == 400 and "karakter yang tidak diizinkan" in r.text
    assert stored_requests(db) == []


# --- item 17: numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [2010.5, "2010.5", "20.10", "2010,5", "2.01", "1.0000", 0.0025, float("nan")]
)
def test_a_decimal_or_garbled_number_is_refused(
    client: TestClient, db: Database, value: Any
) -> None:
    r = post_json(client, "/api/v1/requests", body_with(31, lama_tinggal=value))
    assert r.status_code == 422, r.text
    message = r.json()["error"]["fields"]["form_data.lama_tinggal"]
    assert message.startswith("Menetap sejak tahun harus berupa angka bulat")
    assert stored_requests(db) == []


@pytest.mark.parametrize(
    ("value", "stored"), [(2010, "2010"), (2010.0, "2010"), (" 2010 ", "2010")]
)
def test_a_whole_number_is_stored_as_its_digits(
    client: TestClient, db: Database, value: Any, stored: str
) -> None:
    r = post_json(client, "/api/v1/requests", body_with(32, lama_tinggal=value))
    assert r.status_code == 201, r.text
    assert stored_requests(db)[0].form_data["lama_tinggal"] == stored


def test_thousands_dots_are_still_accepted() -> None:
    income = [FieldSpec(name="penghasilan", label="Penghasilan (Rp)", type="number")]
    assert clean_form(income, {"penghasilan": "1.500.000"}) == {"penghasilan": "1500000"}
    assert clean_form(income, {"penghasilan": "750000"}) == {"penghasilan": "750000"}
    for garbled in ("1.500.00", "1.5", "1,500,000", "Rp 1.500.000", "-5"):
        with pytest.raises(ValidationFailed):
            clean_form(income, {"penghasilan": garbled})


# --- items 10b and 10d: offline QRs that crashed the server -------------------------------


DEEP = raw_offline_qr(b'{"v":1,"f":' + b"[" * 3000 + b"]" * 3000 + b"}")
SURROGATE = raw_offline_qr(b'{"v":1,"k":"\\udfff","t":"domisili","n":"1","m":"x","f":{}}')
SURROGATE_NO_KEY = raw_offline_qr(b'{"v":1,"t":"domisili","n":"1","m":"x","f":{"a":"\\ud800"}}')


@pytest.mark.parametrize("payload", [DEEP, SURROGATE, SURROGATE_NO_KEY])
def test_a_damaged_offline_qr_is_a_payload_error_not_a_500(
    client: TestClient, kiosk_headers: dict[str, str], db: Database, payload: str
) -> None:
    assert len(payload) <= qp.MAX_OFFLINE_PAYLOAD_CHARS
    with pytest.raises(qp.PayloadError, match="rusak"):
        qp.parse(payload)
    answer = scan(client, kiosk_headers, payload)
    assert (answer["kind"], answer["outcome"]) == ("unknown", "invalid")
    assert "rusak" in answer["message"]
    assert stored_requests(db) == []


def test_an_offline_qr_nested_within_the_bound_is_refused_cleanly(
    client: TestClient, kiosk_headers: dict[str, str]
) -> None:
    nested = raw_offline_qr(
        b'{"v":1,"k":"x","t":"domisili","n":"1","m":"x","f":{"alamat":[[["x"]]]}}'
    )
    answer = scan(client, kiosk_headers, nested)
    assert answer["outcome"] == "invalid" and "Alamat" in answer["message"], answer


# --- item 4: an offline QR scanned again ---------------------------------------------------


def test_an_offline_qr_scanned_again_keeps_the_residents_ticket(
    client: TestClient, kiosk_headers: dict[str, str], db: Database
) -> None:
    payload = offline_qr(41)
    first = scan(client, kiosk_headers, payload)
    assert first["outcome"] == "filed"
    # Shown again (by the resident, or a kiosk retrying after a lost answer): the same
    # request and the same ticket, nothing replaced.
    again = scan(client, kiosk_headers, payload)
    status = f"/api/v1/requests/{first['request']['code']}/status"
    held = {"X-Pickup-Secret": first["pickup_secret"]}
    assert client.get(status, headers=held).status_code == 200
    assert again["outcome"] == "filed"
    assert again["request"]["code"] == first["request"]["code"]
    assert (again["pickup_qr"], again["pickup_secret"]) == (
        first["pickup_qr"],
        first["pickup_secret"],
    )
    assert (first.get("already_filed"), again.get("already_filed")) == (False, True)
    assert "tetap berlaku" in again["message"]
    assert len(stored_requests(db)) == 1
    # Another phone's QR gets its own secret.
    other = scan(client, kiosk_headers, offline_qr(42, key="phone-key-2"))
    assert other["outcome"] == "filed" and other["pickup_secret"] != first["pickup_secret"]


def test_an_offline_qr_whose_secret_cannot_be_derived_again_voids_nothing(
    client: TestClient, kiosk_headers: dict[str, str], db: Database
) -> None:
    """Filed before the secret was derived (or the server's key changed since): the
    rescan says to use the ticket, and that ticket keeps working."""
    payload = offline_qr(43, key=None)  # a phone that sent no key: the content is the key
    first = scan(client, kiosk_headers, payload)
    held = new_secret()
    with db.session() as session:
        row = session.scalars(select(LetterRequest)).one()
        row.secret_hash = sha256_hex(held)
        session.commit()
    again = scan(client, kiosk_headers, payload)
    assert (again["outcome"], again["pickup_qr"], again["pickup_secret"]) == (
        "in_progress",
        None,
        None,
    )
    assert "sudah terkirim sebelumnya" in again["message"]
    assert again["request"]["code"] == first["request"]["code"]
    status = f"/api/v1/requests/{first['request']['code']}/status"
    assert client.get(status, headers={"X-Pickup-Secret": held}).status_code == 200


# --- fuzz: whatever comes in, a clean refusal or clean text -------------------------------

# Hypothesis never draws a surrogate on its own; the awkward ones are mixed in by hand.
_AWKWARD = st.sampled_from(["\r", "\r\n", "\x00", "\x85", "\u200b", "\u202e", "\ufeff", "n\u0303"])
_ANY_TEXT = st.lists(
    st.characters(codec=None) | st.integers(0xD800, 0xDFFF).map(chr) | _AWKWARD, max_size=30
).map("".join)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_ANY_TEXT, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT)
def test_clean_text_gives_clean_text_or_a_refusal(text: str) -> None:
    from loket_protocol.fields import TextRefused, clean_text

    try:
        cleaned = clean_text(text)
    except TextRefused as refused:
        assert refused.message
        return
    cleaned.encode("utf-8")
    assert "\r" not in cleaned and unicodedata.is_normalized("NFC", cleaned)
    assert clean_text(cleaned) == cleaned


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["v", "k", "t", "n", "m", "f", "p", "x"]), _JSON))
def test_any_offline_json_parses_or_is_a_payload_error(data: dict[str, Any]) -> None:
    data.setdefault("v", 1)
    text = json.dumps(data, separators=(",", ":")).encode()  # \\ud800 escaped, as a phone could
    try:
        parsed = qp.parse(raw_offline_qr(text))
    except qp.PayloadError:
        return
    assert isinstance(parsed, qp.OfflineRequestPayload)
    json.dumps(parsed.data, ensure_ascii=False).encode("utf-8")  # no lone surrogate left


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["alamat", "lama_tinggal", "pekerjaan", "x"]), _JSON))
def test_any_form_values_are_refused_per_field_or_cleaned(values: dict[str, Any]) -> None:
    from office_server.requests.submission import normalize_input  # new with issue 11

    domisili = next(t for t in SEED_LETTER_TYPES if t["code"] == "domisili")
    fields = parse_schema(domisili["form_schema"])
    try:
        _, form = normalize_input({"applicant_name": "Budi"}, values, fields=fields)
        cleaned = clean_form(fields, form)
    except ValidationFailed as exc:
        assert exc.fields and all(isinstance(m, str) and m for m in exc.fields.values())
        json.dumps(exc.fields, ensure_ascii=False).encode("utf-8")
        return
    json.dumps(cleaned, ensure_ascii=False).encode("utf-8")
