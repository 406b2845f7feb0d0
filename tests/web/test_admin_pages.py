"""Admin and signer pages through plain form posts (the browser tour covers the looks)."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from office_server.seed import DEMO_PASSWORDS
from tests.web.test_browser import OPERATOR_PAGES


def login(client: TestClient, username: str) -> str:
    page = client.get("/operator/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/operator/login",
        data={
            "username": username,
            "password": DEMO_PASSWORDS[username],
            "csrf_token": token.group(1),
        },
    )
    assert r.status_code == 200
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert fresh
    return fresh.group(1)


def test_signer_lands_on_the_signing_list(client: TestClient) -> None:
    login(client, "kades")
    r = client.get("/operator")
    assert r.url.path == "/operator/tanda-tangan"
    assert "Menunggu tanda tangan" in r.text


def test_announcement_appears_on_the_public_page(client: TestClient) -> None:
    csrf = login(client, "admin")
    r = client.post(
        "/admin/pengumuman",
        data={"csrf_token": csrf, "title": "Kantor tutup Jumat", "body": "Libur nasional."},
    )
    assert r.status_code == 200 and "Kantor tutup Jumat" in r.text
    assert "Kantor tutup Jumat" in client.get("/").text
    item = re.search(r'/admin/pengumuman/(\d+)/tampil"[^>]*>.{0,200}Sembunyikan', r.text, re.S)
    assert item
    client.post(
        f"/admin/pengumuman/{item.group(1)}/tampil", data={"csrf_token": csrf, "published": "0"}
    )
    assert "Kantor tutup Jumat" not in client.get("/").text


def test_village_profile_edit_is_validated(client: TestClient) -> None:
    csrf = login(client, "admin")
    page = client.get("/admin/desa").text
    fields = dict(re.findall(r'name="(\w+)" type="[a-z]+" value="([^"]*)"', page))
    fields.update({"csrf_token": csrf, "office_hours": "Senin–Kamis 08.00–14.00", "about": ""})
    fields["name"] = ""
    bad = client.post("/admin/desa", data=fields)
    assert bad.status_code == 422 and "Wajib diisi." in bad.text
    fields["name"] = "Sukamaju"
    ok = client.post("/admin/desa", data=fields)
    assert ok.status_code == 200 and "Tersimpan." in ok.text
    assert "Senin–Kamis 08.00–14.00" in client.get("/").text


def test_kiosk_key_shown_once_then_revoked(client: TestClient) -> None:
    csrf = login(client, "admin")
    r = client.post("/admin/anjungan", data={"csrf_token": csrf, "name": "Anjungan Aula"})
    assert r.status_code == 201
    key = re.search(r'id="new-key">([^<]+)<', r.text)
    assert key
    headers = {"Authorization": f"Bearer {key.group(1)}"}
    assert client.post("/api/v1/kiosk/tickets", json={}, headers=headers).status_code == 201
    assert key.group(1) not in client.get("/admin/anjungan").text
    kiosk_id = re.search(r"/admin/anjungan/(\d+)/cabut", r.text)
    assert kiosk_id
    client.post(f"/admin/anjungan/{kiosk_id.group(1)}/cabut", data={"csrf_token": csrf})
    assert client.post("/api/v1/kiosk/tickets", json={}, headers=headers).status_code == 401


def test_operator_account_added_and_disabled(client: TestClient) -> None:
    csrf = login(client, "admin")
    r = client.post(
        "/admin/operator",
        data={
            "csrf_token": csrf,
            "username": "sekdes",
            "full_name": "Rina Marlina",
            "role": "signer",
            "title": "Sekretaris Desa",
            "password": "pendek",
        },
    )
    assert r.status_code == 422 and "paling sedikit 8" in r.text
    r = client.post(
        "/admin/operator",
        data={
            "csrf_token": csrf,
            "username": "sekdes",
            "full_name": "Rina Marlina",
            "role": "signer",
            "title": "Sekretaris Desa",
            "password": "sandi-sekdes-1",
        },
    )
    assert r.status_code == 200 and "sekdes" in r.text


def test_letter_type_can_be_switched_off(client: TestClient) -> None:
    csrf = login(client, "admin")
    page = client.get("/admin/surat/skck").text
    schema = re.search(r'<textarea id="form_schema"[^>]*>(.*?)</textarea>', page, re.S)
    assert schema
    data = {
        "csrf_token": csrf,
        "title": "Surat Pengantar SKCK",
        "classification_code": "400.12.2.6",
        "description": "Pengantar ke kepolisian.",
        "required_documents": "Fotokopi KTP",
        "template_name": "keterangan",
        "body_template": "Berkelakuan baik.",
        "form_schema": "[{broken",
        "self_service": "1",
    }
    bad = client.post("/admin/surat/skck", data=data)
    assert bad.status_code == 422 and "JSON" in bad.text
    data["form_schema"] = html.unescape(schema.group(1))
    ok = client.post("/admin/surat/skck", data=data, follow_redirects=False)
    assert ok.status_code == 303
    assert "/surat/skck" not in client.get("/surat").text  # "active" was left unticked
    assert client.get("/surat/skck").status_code == 404


def test_letter_settings_and_logo(client: TestClient, sqlite_db: object) -> None:
    import io

    from PIL import Image

    csrf = login(client, "admin")
    page = client.get("/admin/desa").text
    fields = dict(re.findall(r'name="(\w+)" type="[a-z]+" value="([^"]*)"', page))
    fields = {k: html.unescape(v) for k, v in fields.items()}
    fields.update({"csrf_token": csrf, "about": "", "number_format": "{kode}/{nomor.real}/{tahun}"})
    bad = client.post("/admin/desa", data=fields)
    assert bad.status_code == 422 and "tidak dikenal: nomor.real" in html.unescape(bad.text)
    fields.update(
        {
            "number_format": "{kode}/{nomor:04}/{kode_desa}/{tahun}",
            "number_scope": "shared",
            "paper_size": "thermal80",
            "head_nip": "19700101 199003 1 001",
        }
    )
    assert client.post("/admin/desa", data=fields).status_code == 200
    fields["paper_size"] = "A3"
    assert client.post("/admin/desa", data=fields).status_code == 422

    png = io.BytesIO()
    Image.new("RGB", (1200, 1200), "darkgreen").save(png, format="PNG")
    files = {"logo": ("logo.png", png.getvalue(), "image/png")}
    ok = client.post("/admin/desa/logo", data={"csrf_token": csrf}, files=files)
    assert ok.status_code == 200 and "Tersimpan." in ok.text
    junk = {"logo": ("logo.png", b"not an image", "image/png")}
    r = client.post("/admin/desa/logo", data={"csrf_token": csrf}, files=junk)
    assert r.status_code == 422 and "bukan gambar" in r.text

    from office_server.database import Database
    from office_server.village.models import VillageProfile

    assert isinstance(sqlite_db, Database)
    with sqlite_db.session(write=False) as s:
        profile = s.get(VillageProfile, 1)
        assert profile is not None and profile.logo_png is not None
        with Image.open(io.BytesIO(profile.logo_png)) as logo:
            assert max(logo.size) == 600
        assert (profile.number_scope, profile.paper_size) == ("shared", "thermal80")
        assert profile.number_format == "{kode}/{nomor:04}/{kode_desa}/{tahun}"


def test_every_operator_page_has_a_plain_title_and_one_main(client: TestClient) -> None:
    login(client, "admin")
    for path in OPERATOR_PAGES:
        page = client.get(path).text
        title = re.search(r"<title>(.*?)</title>", page, re.S)
        assert title and "<" not in title.group(1), path
        assert page.count("<main") == 1, path
