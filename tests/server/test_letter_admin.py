"""What an admin sets for issue 14: the stamp and a signer's specimen (transparent PNGs
through the logo's hardened checks), and per type the print mode and the validity."""

from __future__ import annotations

import io
import json

from fastapi.testclient import TestClient
from PIL import Image

from office_server.database import Database
from office_server.letter_types import service as letter_types
from office_server.village import service as village
from tests.server.helpers import operator
from tests.web.test_admin_pages import login


def _png(mode: str, color: tuple[int, ...], size: tuple[int, int] = (300, 100)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format="PNG")
    return out.getvalue()


TRANSPARENT = _png("RGBA", (0, 0, 0, 0))
OPAQUE = _png("RGB", (255, 255, 255))


def test_stamp_and_specimen_must_be_transparent(client: TestClient, sqlite_db: Database) -> None:
    csrf = login(client, "admin")
    page = client.get("/admin/desa")
    assert "Cap desa" in page.text and "Spesimen tanda tangan" in page.text
    assert "F4" in page.text and "Bank" in page.text  # which institutions want the original
    with sqlite_db.session() as s:
        kades_id = operator(s, "kades").id

    r = client.post(
        "/admin/desa/stempel",
        data={"csrf_token": csrf},
        files={"stamp": ("cap.png", OPAQUE, "image/png")},
    )
    assert r.status_code == 422 and "transparan" in r.text
    r = client.post(
        f"/admin/desa/spesimen/{kades_id}",
        data={"csrf_token": csrf},
        files={"specimen": ("ttd.jpg", b"not an image", "image/jpeg")},
    )
    assert r.status_code == 422 and "bukan gambar" in r.text
    with sqlite_db.session() as s:
        assert village.get_profile(s).stamp_png is None
        assert operator(s, "kades").signature_png is None

    uploads = (("/admin/desa/stempel", "stamp"), (f"/admin/desa/spesimen/{kades_id}", "specimen"))
    for url, field in uploads:
        r = client.post(
            url,
            data={"csrf_token": csrf},
            files={field: ("x.png", TRANSPARENT, "image/png")},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
    with sqlite_db.session() as s:
        assert village.get_profile(s).stamp_png
        assert operator(s, "kades").signature_png


def test_admin_sets_print_mode_and_validity(client: TestClient, sqlite_db: Database) -> None:
    csrf = login(client, "admin")
    with sqlite_db.session() as s:
        lt = letter_types.get_by_code(s, code="skck")
        data = {
            "csrf_token": csrf,
            "title": lt.title,
            "description": lt.description,
            "classification_code": lt.classification_code,
            "required_documents": "\n".join(lt.required_documents),
            "self_service": "1",
            "active": "1",
            "template_name": lt.template_name,
            "body_template": lt.body_template,
            "form_schema": json.dumps(lt.form_schema),
            "print_mode": "counter",
            "validity_days": "14",
        }
    r = client.post("/admin/surat/skck", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    with sqlite_db.session() as s:
        lt = letter_types.get_by_code(s, code="skck")
        assert (lt.print_mode, lt.validity_days) == ("counter", 14)
    data["validity_days"] = "minggu depan"
    r = client.post("/admin/surat/skck", data=data)
    assert r.status_code == 422 and "Masa berlaku" in r.text
