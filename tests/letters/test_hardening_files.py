"""The verification upload under attack (issue 11, items 2 and 10a): the signature check
runs off the event loop with a bound, is bounded per PDF, and uploads are limited per
client; a PDF that breaks the parser is an answer, not a 500."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from office_server.config import Settings
from office_server.database import Database
from office_server.letters import signing
from office_server.letters.archive import Archive
from office_server.letters.signing import SignatureCheck
from office_server.main import create_app
from tests.letters.test_archive_and_verification import issue_letters
from tests.support import databases

# Generous deadlines for a state to be reached; nothing here measures speed.
DEADLINE = 30


def pdf_of(objects: list[bytes]) -> bytes:
    """A well-formed PDF (catalog first) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def many_signature_fields(count: int) -> bytes:
    """About 1 MB for 13,500: what stalled the server for seconds per upload."""
    fields = b" ".join(b"%d 0 R" % (3 + i) for i in range(count))
    return pdf_of(
        [
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [" + fields + b"] >> >>",
            b"<< /Type /Pages /Kids [] /Count 0 >>",
            *(b"<</FT/Sig/T(%d)>>" % i for i in range(count)),
        ]
    )


def nested_arrays(depth: int) -> bytes:
    return pdf_of(
        [
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields " + b"[" * depth + b" >> >>",
            b"<< /Type /Pages /Kids [] /Count 0 >>",
        ]
    )


def upload(client: TestClient | httpx.Client, token: str, pdf: bytes) -> httpx.Response:
    return client.post(f"/v/{token}", files={"pdf": ("surat.pdf", pdf, "application/pdf")})


@pytest.fixture
def held_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[threading.Semaphore, threading.Event]]:
    """Every signature check blocks until the test releases it; `started` counts the
    checks that are running."""
    started = threading.Semaphore(0)
    release = threading.Event()

    def held_check(pdf: bytes, *, data_dir: Path) -> SignatureCheck:
        started.release()
        release.wait(DEADLINE)
        return SignatureCheck(False, False, False, "")

    monkeypatch.setattr(signing, "check_pdf", held_check)
    try:
        yield started, release
    finally:
        release.set()


def test_the_server_answers_while_signature_checks_run_and_refuses_more_than_its_bound(
    client: TestClient,
    sqlite_db: Database,
    held_checks: tuple[threading.Semaphore, threading.Event],
) -> None:
    """Item 2: the check ran inside the event loop, so one upload stopped every answer."""
    started, release = held_checks
    (letter,) = issue_letters(sqlite_db, 1)
    token = letter.verification_token
    pdf = Archive(sqlite_db.settings.archive_dir).read(letter.pdf_sha256)
    with ThreadPoolExecutor(max_workers=4) as pool:
        try:
            running = [pool.submit(upload, client, token, pdf) for _ in range(2)]
            for _ in running:
                assert started.acquire(timeout=DEADLINE), "a second check never started"
            # Both checks hold their threads: the server still answers others...
            health = pool.submit(client.get, "/healthz").result(timeout=DEADLINE)
            assert health.status_code == 200
            # ...and one upload more is told to come back, not queued behind them.
            busy = pool.submit(upload, client, token, pdf).result(timeout=DEADLINE)
            assert busy.status_code == 503 and busy.headers["Retry-After"]
            assert "sedang sibuk" in busy.text and letter.number in busy.text
        finally:
            release.set()
        for answer in running:
            assert answer.result(timeout=DEADLINE).status_code == 200
    # The slots are free again.
    release.set()
    assert upload(client, token, pdf).status_code == 200


def test_a_pdf_with_thousands_of_signature_fields_is_not_walked(
    client: TestClient, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 2: the work per PDF is bounded (counted in objects parsed, not in seconds)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    pdf = many_signature_fields(13_500)
    assert len(pdf) < 1_000_000  # under the body limit, as in the attack
    parsed = 0
    original = PdfFileReader.get_object

    def counting(self: PdfFileReader, *args: object, **kwargs: object) -> object:
        nonlocal parsed
        parsed += 1
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(PdfFileReader, "get_object", counting)
    check = signing.check_pdf(pdf, data_dir=sqlite_db.settings.data_dir)
    assert not check.signed and "terlalu banyak kolom isian" in check.problem
    assert parsed <= signing.MAX_FORM_FIELDS + 10  # main parsed all 13,500

    (letter,) = issue_letters(sqlite_db, 1)
    page = upload(client, letter.verification_token, pdf)
    assert page.status_code == 200 and "Tidak cocok." in page.text
    assert "tidak dapat diperiksa" in page.text


def test_a_pdf_of_nested_arrays_is_an_answer_not_a_500(
    client: TestClient, sqlite_db: Database
) -> None:
    """Item 10a: 20,000 nested `[` made pyHanko's parser raise RecursionError."""
    (letter,) = issue_letters(sqlite_db, 1)
    page = upload(client, letter.verification_token, nested_arrays(20_000))
    assert page.status_code == 200, page.status_code
    assert "tidak dapat diperiksa" in page.text and "rusak" in page.text
    check = signing.check_pdf(b"[" * 20_000, data_dir=sqlite_db.settings.data_dir)
    assert not check.ok


def test_uploads_are_limited_per_client(tmp_path: Path, sqlite_template: Path) -> None:
    """Item 2: only failed token lookups were limited; a real token allowed any number of
    uploads, each costing a signature check."""
    settings = Settings(
        data_dir=tmp_path / "data", public_url="http://desa.test:8000", verify_uploads_per_minute=3
    )
    db = Database(settings, url=databases.sqlite_copy(sqlite_template, settings.data_dir))
    try:
        (letter,) = issue_letters(db, 1)
        pdf = Archive(settings.archive_dir).read(letter.pdf_sha256)
        with TestClient(create_app(settings, db)) as client:
            for _ in range(3):
                assert upload(client, letter.verification_token, pdf).status_code == 200
            refused = upload(client, letter.verification_token, pdf)
            assert refused.status_code == 429
            assert "Terlalu banyak unggahan" in refused.text
            # Looking at the letter is not an upload.
            assert client.get(f"/v/{letter.verification_token}").status_code == 200
    finally:
        db.dispose()
