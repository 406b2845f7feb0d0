"""Photos of required documents (issue 15): kept as clean JPEGs outside the web root,
refused with nothing kept, limited in number, shown only to operators (audited), deleted
after the village's retention period."""

from __future__ import annotations

import html
import io
import re
import stat
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageFile
from sqlalchemy import func, select

from office_server import housekeeping
from office_server.audit.models import AuditEvent
from office_server.config import Settings
from office_server.database import Database, utcnow
from office_server.requests import documents, photos
from office_server.requests.models import LetterRequest, RequestDocument
from tests.server.test_hardening_images import png_of_zeros
from tests.support import factories
from tests.support.photo_samples import GPS_IFD, MAKE, phone_jpeg
from tests.web.test_admin_pages import login


def file_request(client: TestClient, serial: int = 1) -> tuple[str, str]:
    r = client.post("/api/v1/requests", json=factories.request_body(serial=serial))
    assert r.status_code == 201, r.text
    created = r.json()
    return created["code"], created["pickup_qr"].split("#", 1)[1]


def put(
    client: TestClient, code: str, secret: str, data: bytes, *, kind: int = 0, key: str = ""
) -> Any:
    return client.put(
        f"/api/v1/requests/{code}/documents/{key or uuid.uuid4()}",
        params={"jenis": kind},
        content=data,
        headers={"X-Pickup-Secret": secret, "Content-Type": "image/jpeg"},
    )


def rows(db: Database) -> int:
    with db.session(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(RequestDocument)) or 0)


def files(settings: Settings) -> list[Path]:
    folder = settings.documents_dir
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_photo_is_kept_once_as_a_clean_upright_jpeg(
    client: TestClient, sqlite_db: Database, settings: Settings
) -> None:
    code, secret = file_request(client)
    photo = phone_jpeg(800, 600)
    with Image.open(io.BytesIO(photo)) as sent:
        assert sent.getexif().get_ifd(GPS_IFD)  # the sample does carry a position
    key = str(uuid.uuid4())
    first = put(client, code, secret, photo, key=key)
    assert first.status_code == 201, first.text
    again = put(client, code, secret, photo, key=key)  # the retry after a dropped link
    assert again.status_code == 200 and again.json() == first.json()
    assert rows(sqlite_db) == 1
    [kept] = files(settings)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.documents_dir.stat().st_mode) == 0o700
    assert not kept.is_relative_to(Path("office_server/static").resolve())
    with Image.open(kept) as stored:
        assert stored.format == "JPEG"
        assert "exif" not in stored.info and not stored.getexif()
        assert MAKE not in stored.getexif()
        assert stored.size == (600, 800)  # turned upright by its orientation tag
        assert stored.getpixel((stored.width - 10, 10))[0] < 80  # the dark corner, turned
    assert b"PhoneMaker" not in kept.read_bytes()
    # The same key with another photo is a conflict, not an overwrite.
    other = put(client, code, secret, phone_jpeg(seed=2), key=key)
    assert other.status_code == 409
    assert "isi lain" in other.json()["error"]["message"]
    listed = client.get(
        f"/api/v1/requests/{code}/documents", headers={"X-Pickup-Secret": secret}
    ).json()
    assert listed["kinds"][-1] == documents.OTHER_KIND
    assert [d["key"] for d in listed["documents"]] == [key]


def _truncated() -> bytes:
    photo = phone_jpeg(800, 600)
    return photo[: len(photo) // 2]


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (png_of_zeros(20_000, 20_000), 422, "terlalu besar (lebih dari 16 juta piksel)"),
        (png_of_zeros(5_000, 5_000), 422, "terlalu besar (lebih dari 16 juta piksel)"),
        (b"%PDF-1.7\n" + b"0" * 5000, 422, "bukan foto"),
        (_truncated(), 422, "bukan foto"),
        (b"", 422, "kosong"),
        (b"\xff\xd8" + bytes(700_000), 413, "terlalu besar (lebih dari 600 KB)"),
    ],
    ids=["bomb-20000", "bomb-5000", "not-an-image", "truncated", "empty", "oversize"],
)
def test_a_bad_upload_is_refused_and_nothing_is_kept(
    client: TestClient,
    sqlite_db: Database,
    settings: Settings,
    data: bytes,
    status: int,
    message: str,
) -> None:
    code, secret = file_request(client)
    r = put(client, code, secret, data)
    assert r.status_code == status, r.text
    assert message in r.json()["error"]["message"]
    assert rows(sqlite_db) == 0
    assert files(settings) == []


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp"])
def test_a_truncated_photo_is_refused_even_where_pillow_would_load_it(
    monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole server process."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with Image.open(io.BytesIO(phone_jpeg(400, 300))) as source:
        out = io.BytesIO()
        source.save(out, format=kind.upper())  # without the EXIF: stays 400 wide
    whole = out.getvalue()
    assert photos.clean_jpeg(whole).width == 400  # the whole file is fine
    for cut in (len(whole) // 3, len(whole) // 2, len(whole) - 40):
        with pytest.raises(photos.PhotoRefused, match="bukan foto"):
            photos.clean_jpeg(whole[:cut])


def test_counts_are_limited_per_document_and_per_request(
    client: TestClient, sqlite_db: Database, settings: Settings
) -> None:
    code, secret = file_request(client)
    small = phone_jpeg(200, 150, gps=False)
    for _ in range(documents.MAX_PER_KIND):
        assert put(client, code, secret, small, kind=0).status_code == 201
    fourth = put(client, code, secret, small, kind=0)
    assert fourth.status_code == 422
    assert "tidak bisa menambah lagi" in fourth.json()["error"]["message"]
    kinds = len(client.get(
        f"/api/v1/requests/{code}/documents", headers={"X-Pickup-Secret": secret}
    ).json()["kinds"])  # fmt: skip
    sent = documents.MAX_PER_KIND
    kind = 1
    while sent < documents.MAX_PER_REQUEST:
        if put(client, code, secret, small, kind=kind % kinds).status_code == 201:
            sent += 1
        kind += 1
    over = put(client, code, secret, small, kind=kinds - 1)
    assert over.status_code == 422
    assert f"Sudah ada {documents.MAX_PER_REQUEST} foto" in over.json()["error"]["message"]
    assert rows(sqlite_db) == documents.MAX_PER_REQUEST
    assert len(files(settings)) == documents.MAX_PER_REQUEST
    assert put(client, code, secret, small, kind=99).status_code == 422  # unknown kind


def test_a_wrong_secret_or_a_finished_request_keeps_nothing(
    client: TestClient, sqlite_db: Database, settings: Settings
) -> None:
    code, secret = file_request(client)
    assert put(client, code, "A" * 26, phone_jpeg()).status_code == 404
    cancel = client.post(f"/api/v1/requests/{code}/cancel", headers={"X-Pickup-Secret": secret})
    assert cancel.status_code == 200
    late = put(client, code, secret, phone_jpeg())
    assert late.status_code == 409
    assert "sudah selesai" in late.json()["error"]["message"]
    assert rows(sqlite_db) == 0 and files(settings) == []


def test_only_operators_open_photos_and_each_opening_is_audited(
    client: TestClient, sqlite_db: Database
) -> None:
    code, secret = file_request(client)
    assert put(client, code, secret, phone_jpeg()).status_code == 201
    with sqlite_db.session(write=False) as session:
        request_id = session.scalars(
            select(LetterRequest.id).where(LetterRequest.public_code == code)
        ).one()
        doc_id = session.scalars(select(RequestDocument.id)).one()
    url = f"/operator/permohonan/{request_id}/dokumen/{doc_id}"
    anonymous = client.get(url, follow_redirects=False)
    assert anonymous.status_code in (303, 401) and not anonymous.content.startswith(b"\xff\xd8")
    login(client, "operator")
    page = client.get(f"/operator/permohonan/{request_id}").text
    assert f'src="{url}/kecil"' in page
    photo = client.get(url)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["cache-control"] == "no-store"
    thumb = client.get(f"{url}/kecil")
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert max(small.size) <= 320
    assert client.get(f"/operator/permohonan/{request_id}/dokumen/{doc_id + 1}").status_code == 404
    with sqlite_db.session(write=False) as session:
        opened = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "view_document")
        ).all()
        assert [e.details for e in opened] == [{"document": doc_id, "thumbnail": False}]
        assert opened[0].actor_type == "operator" and opened[0].request_id == request_id
    assert "membuka foto dokumen" in client.get(f"/operator/permohonan/{request_id}").text


def _finish(db: Database, code: str, *, days_ago: int, status: str = "picked_up") -> None:
    with db.unit_of_work() as session:
        req = session.scalars(select(LetterRequest).where(LetterRequest.public_code == code)).one()
        req.status = status
        req.status_changed_at = utcnow() - timedelta(days=days_ago)


def test_retention_deletes_photos_after_the_set_days_and_not_before(
    client: TestClient, sqlite_db: Database, settings: Settings
) -> None:
    csrf = login(client, "admin")
    page = client.get("/admin/desa").text
    assert 'name="document_retention_days"' in page
    fields = {
        k: html.unescape(v)
        for k, v in re.findall(r'name="(\w+)" type="[a-z]+" value="([^"]*)"', page)
    }
    fields.update({"csrf_token": csrf, "about": "", "document_retention_days": "0"})
    bad = client.post("/admin/desa", data=fields)
    assert bad.status_code == 422 and "Isi jumlah hari, 1 sampai 365." in bad.text
    fields["document_retention_days"] = "10"
    assert client.post("/admin/desa", data=fields).status_code == 200

    done, secret_done = file_request(client, serial=1)
    rejected, secret_rejected = file_request(client, serial=2)
    open_one, secret_open = file_request(client, serial=3)
    for code, secret in ((done, secret_done), (rejected, secret_rejected), (open_one, secret_open)):
        assert put(client, code, secret, phone_jpeg()).status_code == 201
    _finish(sqlite_db, done, days_ago=0)
    _finish(sqlite_db, rejected, days_ago=0, status="rejected")
    _finish(sqlite_db, open_one, days_ago=400, status="submitted")  # old but not finished

    now = utcnow()
    housekeeping.run_once(sqlite_db, settings, clock=lambda: now + timedelta(days=9))
    assert rows(sqlite_db) == 3 and len(files(settings)) == 3
    housekeeping.run_once(sqlite_db, settings, clock=lambda: now + timedelta(days=11))
    assert rows(sqlite_db) == 1 and len(files(settings)) == 1
    with sqlite_db.session(write=False) as session:
        [purge] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "purge_documents")
        ).all()
        assert purge.details == {
            "documents": 2,
            "requests": 2,
            "orphan_files": 0,
            "retention_days": 10,
        }
        assert purge.request_id is None


def test_a_file_left_without_a_row_is_swept(
    client: TestClient, sqlite_db: Database, settings: Settings
) -> None:
    code, secret = file_request(client)
    assert put(client, code, secret, phone_jpeg()).status_code == 201
    store = documents.DocumentStore(settings.documents_dir)
    leftover = store.write(b"a transaction that never committed")
    now = utcnow()
    housekeeping.run_once(sqlite_db, settings, clock=lambda: now)
    assert (settings.documents_dir / leftover).exists()  # too young: may be committing now
    housekeeping.run_once(sqlite_db, settings, clock=lambda: now + timedelta(hours=2))
    assert not (settings.documents_dir / leftover).exists()
    assert rows(sqlite_db) == 1 and len(files(settings)) == 1


def test_store_repeat_and_purge_on_both_databases(db: Database, settings: Settings) -> None:
    """The service on SQLite and PostgreSQL: a repeat of the same key stores nothing new,
    and the retention sweep takes the rows and the files of finished requests only."""
    from office_server.audit.service import RESIDENT
    from tests.server.helpers import file_request as file_in_session

    store = documents.DocumentStore(settings.documents_dir)
    key, photo = str(uuid.uuid4()), phone_jpeg()
    with db.unit_of_work() as session:
        kept = file_in_session(session, serial=1)
        gone = file_in_session(session, serial=2)
        for req, document_key in ((kept, key), (gone, str(uuid.uuid4()))):
            _, created = documents.store(
                session, req, store=store, document_key=document_key, kind_index=0,
                data=photo, channel="web", actor=RESIDENT,
            )  # fmt: skip
            assert created
        gone.status = "picked_up"
        gone.status_changed_at = utcnow() - timedelta(days=31)
        kept_id = kept.id
    with db.unit_of_work() as session:
        req = session.get(LetterRequest, kept_id)
        assert req is not None
        again, created = documents.store(
            session, req, store=store, document_key=key, kind_index=0,
            data=photo, channel="web", actor=RESIDENT,
        )  # fmt: skip
        assert not created and again.request_id == kept_id
    assert rows(db) == 2 and len(files(settings)) == 2
    with db.unit_of_work() as session:
        purged = documents.purge_expired(session, store=store, now=utcnow())
    assert (purged.documents, purged.requests) == (1, 1)
    assert rows(db) == 1 and len(files(settings)) == 1
