"""The client seam: shapes parsed, errors translated, retries only where they are safe.

The transport is httpx.MockTransport here (the seam httpx offers for this); the real
server is exercised by test_kiosk_e2e.py.
"""

from __future__ import annotations

import hashlib
import json
import socket

import httpx
import pytest

from kiosk_app.api_client import (
    ApiError,
    BadResponse,
    Claim,
    FiledRequest,
    IntegrityError,
    KioskApiClient,
    RateLimited,
    RetryPolicy,
    ServerUnreachable,
    Unauthorized,
    ValidationFailed,
    looks_like_garbage,
)


def client(handler: object, attempts: int = 3) -> KioskApiClient:
    return KioskApiClient(
        "http://kantor.desa:8000/",
        "secret-key",
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        retry=RetryPolicy(attempts=attempts, sleep=lambda _s: None),
    )


def error(status: int, code: str, **extra: object) -> httpx.Response:
    body = {"error": {"code": code, "message": "Pesan", "message_en": "Message", **extra}}
    return httpx.Response(status, json=body)


def test_scan_result_is_parsed_and_auth_header_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "kind": "pickup",
                "outcome": "ready",
                "message": "Surat Anda siap.",
                "message_en": "Your letter is ready.",
                "request": {
                    "code": "K7M2QX9P",
                    "letter_type_title": "Surat Keterangan Domisili",
                    "status": "ready",
                    "status_label": "Siap Diambil",
                    "submitted_at": "2026-11-20T09:00:00+07:00",
                    "correction_message": None,
                    "rejection_reason": None,
                },
                "claim": {
                    "claim_id": "c1",
                    "letter_number": "400/001/DS/XI/2026",
                    "pdf_sha256": "AB" * 32,
                    "pdf_size": 10,
                },
                "pickup_qr": None,
                "extra_field_from_a_newer_server": True,
            },
        )

    with client(handler) as api:
        result = api.scan("HTTP://X/S/K7M2QX9P#" + "A" * 32)
    assert result.outcome == "ready" and result.claim is not None
    assert result.claim.pdf_sha256 == "ab" * 32
    assert result.request is not None and result.request.status_label == "Siap Diambil"
    assert result.localized("en") == "Your letter is ready."
    req = seen[0]
    assert req.url.path == "/api/v1/kiosk/scans"
    assert req.headers["authorization"] == "Bearer secret-key"
    assert json.loads(req.content) == {"payload": "HTTP://X/S/K7M2QX9P#" + "A" * 32}


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, "kiosk_unauthorized", Unauthorized),
        (422, "validation_error", ValidationFailed),
        (429, "rate_limited", RateLimited),
        (409, "conflict", ApiError),
    ],
)
def test_error_bodies_become_kiosk_errors(status: int, code: str, cls: type) -> None:
    api = client(lambda _r: error(status, code, fields={"applicant_nik": "NIK salah."}))
    with api, pytest.raises(cls) as info:
        api.health()
    exc = info.value
    assert exc.code == code and exc.localized("id") == "Pesan" and exc.localized("en") == "Message"
    if cls is ValidationFailed:
        assert exc.fields == {"applicant_nik": "NIK salah."}


def test_idempotent_post_is_retried_with_the_same_key() -> None:
    keys: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["idempotency-key"])
        if len(keys) == 1:
            raise httpx.ConnectError("refused")
        if len(keys) == 2:
            return httpx.Response(503)
        return httpx.Response(
            201,
            json={
                "ticket_id": "t",
                "number": "A-012",
                "service_date": "2026-11-28",
                "waiting_before": 3,
                "follow_url": "http://x/q/t",
            },
        )

    with client(handler) as api:
        ticket = api.take_ticket(service="A", idempotency_key="k-1")
    assert ticket.number == "A-012" and ticket.waiting_before == 3
    assert keys == ["k-1", "k-1", "k-1"]


def test_a_filed_request_carries_its_pickup_secret() -> None:
    secret = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    qr = f"HTTP://X/S/K7M2QX9P#{secret}"
    filed = {"code": "K7M2QX9P", "pickup_qr": qr, "status": "submitted"}
    scan = {
        "kind": "offline_request",
        "outcome": "filed",
        "message": "Terkirim.",
        "request": {"code": "K7M2QX9P", "status": "submitted"},
        "pickup_qr": qr,
    }
    answers = {
        "/api/v1/kiosk/requests": {**filed, "pickup_secret": secret},
        "/api/v1/kiosk/scans": {**scan, "pickup_secret": secret},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answers[request.url.path])

    def file(api: KioskApiClient) -> FiledRequest:
        return api.file_request(
            letter_type="SKD",
            applicant_nik="3604011708900001",
            applicant_name="Siti",
            form_data={},
            phone=None,
            idempotency_key="k",
        )

    with client(handler) as api:
        assert (file(api).code, file(api).pickup_secret) == ("K7M2QX9P", secret)
        assert api.scan(qr).pickup_secret == secret
        # A server older than the field: no secret, everything else as before.
        answers = {"/api/v1/kiosk/requests": filed, "/api/v1/kiosk/scans": scan}
        assert file(api).pickup_secret == "" and file(api).pickup_qr == qr
        assert api.scan(qr).pickup_secret is None and api.scan(qr).pickup_qr == qr
        assert api.scan(qr).already_filed is False


def test_an_offline_qr_filed_before_says_so() -> None:
    """Issue 11 item 4: the same ticket again, marked, instead of a new secret."""
    qr = "HTTP://X/S/K7M2QX9P#" + "A" * 32
    answer = {
        "kind": "offline_request",
        "outcome": "filed",
        "message": "Permohonan dari kode QR ini sudah terkirim sebelumnya.",
        "request": {"code": "K7M2QX9P", "status": "submitted"},
        "pickup_qr": qr,
        "pickup_secret": "A" * 32,
        "already_filed": True,
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    with client(handler) as api:
        scan = api.scan("LD1O:ABC")
    assert scan.already_filed is True and scan.pickup_qr == qr
    answer["already_filed"] = "ya"
    with client(handler) as api, pytest.raises(BadResponse):
        api.scan("LD1O:ABC")


def test_scan_is_not_repeated_after_it_may_have_reached_the_server() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    with client(handler) as api, pytest.raises(ServerUnreachable):
        api.scan("LD1O:ABC")
    assert len(calls) == 1


def test_unreachable_server_after_retries() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    api = KioskApiClient(
        f"http://127.0.0.1:{port}", "k", timeout=1, retry=RetryPolicy(sleep=lambda _s: None)
    )
    with pytest.raises(ServerUnreachable):
        api.health()
    api.close()


def test_pdf_is_checked_against_the_announced_hash() -> None:
    pdf = b"%PDF-1.7 letter"
    good = Claim("c1", "N/1", hashlib.sha256(pdf).hexdigest(), len(pdf))
    bad = Claim("c1", "N/1", "0" * 64, len(pdf))
    handler = lambda _r: httpx.Response(  # noqa: E731
        200, content=pdf, headers={"X-Content-SHA256": good.pdf_sha256}
    )
    with client(handler) as api:
        assert api.claim_pdf(good) == pdf
        with pytest.raises(IntegrityError):
            api.claim_pdf(bad)


def test_unexpected_shapes_are_bad_responses() -> None:
    api = client(lambda _r: httpx.Response(200, json={"kind": "pickup"}))
    with api, pytest.raises(BadResponse):
        api.scan("X" * 10)
    api = client(lambda _r: httpx.Response(200, text="<html>"))
    with api, pytest.raises(BadResponse):
        api.health()


def test_garbage_prefilter() -> None:
    assert looks_like_garbage("")
    assert looks_like_garbage("   ")
    assert looks_like_garbage("A" * 4001)
    assert not looks_like_garbage("https://wa.me/628123")  # another app's QR: server decides


def test_a_document_photo_is_resent_under_the_same_key_after_a_timeout() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            raise httpx.WriteTimeout("the LAN dropped mid-photo", request=request)
        return httpx.Response(200, json={"key": "k", "kind": "KTP", "bytes": 3, "channel": "kiosk"})

    api = client(handler)
    stored_now = api.put_document(
        "K7M2QX9P", "S" * 26, key="7b1e4c1a-0d5e-4a57-9b8f-2f3c4d5e6f70", kind=0, jpeg=b"\xff\xd8x"
    )
    assert stored_now is False  # the server had it already: 200, not 201
    assert len(seen) == 2 and seen[0].url == seen[1].url
    assert str(seen[1].url).endswith("/documents/7b1e4c1a-0d5e-4a57-9b8f-2f3c4d5e6f70?jenis=0")
    assert seen[1].method == "PUT" and seen[1].content == b"\xff\xd8x"
    assert seen[1].headers["X-Pickup-Secret"] == "S" * 26
    assert seen[1].headers["Content-Type"] == "image/jpeg"


def test_document_kinds_must_be_a_list_of_names() -> None:
    api = client(lambda _r: httpx.Response(200, json={"kinds": ["KTP", "KK"]}))
    assert api.document_kinds("K7M2QX9P", "S" * 26) == ["KTP", "KK"]
    bad = client(lambda _r: httpx.Response(200, json={"kinds": [1, 2]}))
    with pytest.raises(BadResponse):
        bad.document_kinds("K7M2QX9P", "S" * 26)
