"""The pages without a browser: what the server sends (headers, forms, errors, language)."""

from __future__ import annotations

import gc
import re
import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient

from office_server.seed import DEMO_PASSWORDS
from tests.support import factories


def form_body(serial: int = 301) -> dict[str, str]:
    body = {
        "applicant_nik": factories.make_nik(serial=serial),
        "applicant_name": "Budi Santoso",
    }
    body.update({f"form_data.{k}": v for k, v in factories.domisili_form().items()})
    return body


def submit(client: TestClient, serial: int = 301) -> tuple[str, str]:
    review = client.post("/surat/domisili", data=form_body(serial))
    assert review.status_code == 200
    key = re.search(r'name="key" value="([^"]+)"', review.text)
    assert key
    result = client.post("/surat/domisili/kirim", data={**form_body(serial), "key": key.group(1)})
    assert result.status_code == 201
    assert result.headers["cache-control"] == "no-store"
    code = re.search(r'id="code">([^<]+)<', result.text)
    secret = re.search(r'id="secret">([^<]+)<', result.text)
    assert code and secret
    return code.group(1), secret.group(1).replace(" ", "")


def test_home_shows_the_village_and_its_services(client: TestClient) -> None:
    r = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    for text in (
        "Kantor Desa Sukamaju",
        "Senin–Jumat",
        "Surat Keterangan Domisili",
        "Fotokopi KTP",
        "Layanan surat mandiri sudah dibuka",
        "0254-123456",
    ):
        assert text in r.text
    # Counter-only letters are listed, but without a form.
    assert "/surat/kelahiran" not in r.text
    assert client.get("/surat/kelahiran").status_code == 404


def test_english_switch_is_remembered(client: TestClient) -> None:
    r = client.get("/?lang=en")
    assert "Request a letter" in r.text
    assert r.cookies.get("lang") == "en" or "lang=en" in r.headers.get("set-cookie", "")
    assert "Request a letter" in client.get("/surat").text
    assert "Buat permohonan surat" in client.get("/surat?lang=id").text


def test_server_checks_every_field_and_says_why_next_to_it(client: TestClient) -> None:
    body = form_body()
    body["applicant_nik"] = "1234"
    body["form_data.tanggal_lahir"] = "2999-01-01"
    body.pop("form_data.agama")
    r = client.post("/surat/domisili", data=body)
    assert r.status_code == 422
    assert re.search(r'id="e-applicant_nik"[^>]*>NIK harus 16 angka', r.text)
    assert re.search(r'id="e-tanggal_lahir"[^>]*>Tanggal lahir tidak boleh di masa depan', r.text)
    assert re.search(r'id="e-agama"[^>]*>Agama wajib diisi', r.text)
    assert 'value="Kp. Sukamaju RT 002/RW 003"' not in r.text  # textarea keeps it instead
    assert "Kp. Sukamaju RT 002/RW 003" in r.text


def test_submitting_twice_files_one_request(client: TestClient) -> None:
    review = client.post("/surat/domisili", data=form_body(302))
    key = re.search(r'name="key" value="([^"]+)"', review.text)
    assert key
    first = client.post("/surat/domisili/kirim", data={**form_body(302), "key": key.group(1)})
    again = client.post("/surat/domisili/kirim", data={**form_body(302), "key": key.group(1)})
    code = re.search(r'id="code">([^<]+)<', first.text)
    assert code and code.group(1) in again.text


def test_status_needs_code_and_secret_in_the_body(client: TestClient) -> None:
    code, secret = submit(client)
    page = client.get(f"/S/{code}")
    assert page.status_code == 200 and secret not in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    wrong = client.post("/status", data={"code": code, "secret": "A" * 32})
    assert wrong.status_code == 404 and "tidak ditemukan" in wrong.text
    ok = client.post("/status", data={"code": code.lower(), "secret": secret})
    assert ok.status_code == 200 and "Sedang Diperiksa" in ok.text
    assert ok.headers["cache-control"] == "no-store"


def test_a_fix_sent_when_none_is_asked_says_so(client: TestClient) -> None:
    """The fix form of /status/perbaiki sent for a request that waits for no correction
    (already sent back from another tab, or rejected meanwhile): its values were checked
    first, and the 422 page showed no form to put the errors next to, so no reason at all.
    The request's status is checked first now: a 409 that says why."""
    code, secret = submit(client, 311)
    fix = {"code": code, "secret": secret, "form_data.alamat": "x" * 600}
    r = client.post("/status/perbaiki", data=fix)
    assert r.status_code == 409, r.status_code
    assert re.search(r'class="box bad" role="alert">Permohonan \w+ tidak dapat', r.text)


def test_files_sent_in_a_page_form_are_closed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page that reads its form itself left the uploaded parts open (FastAPI closes
    only the forms it parses for File() and Form() parameters): Python warned about an
    unclosed file for each one it collected."""
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    part = {"applicant_name": ("nama.txt", b"Budi", "text/plain")}
    for url in ("/surat/domisili", "/surat/domisili/ubah", "/status", "/status/perbaiki"):
        assert client.post(url, data=form_body(312), files=part).status_code < 500
    gc.collect()
    assert not [u for u in unraisable if "SpooledTemporaryFile" in repr(u.object)]


def test_pwa_files(client: TestClient) -> None:
    sw = client.get("/sw.js")
    assert sw.status_code == 200
    assert '"/surat/domisili"' in sw.text and "/surat/kelahiran" not in sw.text
    assert "/static/qr.js?v=" in sw.text
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    form = client.get("/surat/domisili").text
    assert 'rel="manifest"' in form and "/static/form.js?v=" in form
    assert "qr.js" not in re.sub(r'data-qr="[^"]+"', "", form)  # loaded only when needed


def test_html_login_waits_after_repeated_failures(client: TestClient) -> None:
    page = client.get("/operator/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    for _ in range(5):
        r = client.post(
            "/operator/login",
            data={"username": "operator", "password": "salah", "csrf_token": token.group(1)},
        )
        assert r.status_code == 401
    r = client.post(
        "/operator/login",
        data={
            "username": "operator",
            "password": DEMO_PASSWORDS["operator"],
            "csrf_token": token.group(1),
        },
    )
    assert r.status_code == 429 and "Tunggu 2 detik" in r.text
    assert r.headers["retry-after"] == "2"
    cookie = r.headers.get("set-cookie", "")
    assert "loket_session" not in cookie or ("httponly" in cookie.lower())


def test_login_sets_a_strict_httponly_cookie(client: TestClient) -> None:
    page = client.get("/operator/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/operator/login",
        data={
            "username": "admin",
            "password": DEMO_PASSWORDS["admin"],
            "csrf_token": token.group(1),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/operator"
    cookie = r.headers["set-cookie"].lower()
    assert "loket_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    # The session's new CSRF token is in every form of the dashboard.
    dash = client.get("/operator")
    assert dash.status_code == 200
    assert re.search(r'name="csrf_token" value="[^"]{20,}"', dash.text)


def test_display_audio_is_generated_and_cached(client: TestClient, sqlite_db: Any) -> None:
    from office_server.audit.service import SYSTEM
    from office_server.queue import service as queue

    # Only a number really called to that counter today is spoken.
    assert client.get("/display/suara/A-001/1.wav").status_code == 404
    with sqlite_db.session() as session:
        queue.take(session)
        queue.call_next(session, counter_no=1, actor=SYSTEM)
        session.commit()
    r = client.get("/display/suara/A-001/1.wav")
    assert r.status_code == 200 and r.content[:4] == b"RIFF"
    assert client.get("/display/suara/A-001/2.wav").status_code == 404
    assert client.get("/display/suara/../1.wav").status_code == 404
    assert client.get("/display/suara/A-012; rm/1.wav").status_code == 404


def test_security_and_cache_headers(client: TestClient) -> None:
    import re

    page = client.get("/")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    api = client.get("/api/v1/letter-types")
    assert (
        api.headers["x-content-type-options"] == "nosniff" and "x-frame-options" not in api.headers
    )
    asset = re.search(r'href="(/static/[^"]+\?v=[^"]+)"', page.text)
    assert asset, "the page links its CSS by content hash"
    cached = client.get(asset.group(1))
    assert cached.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = client.get(asset.group(1).split("?")[0])
    assert "immutable" not in plain.headers.get("cache-control", "")
