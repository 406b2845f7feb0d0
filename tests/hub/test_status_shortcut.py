"""The status lookups' own way past FastAPI (regency_hub.resident_pages.StatusShortcut)
answers as FastAPI's routes do, on a real hub over HTTPS: the same headers as the filing
API's answers, the same body limit (declared or streamed), the same refusals, and other
methods on its path still get FastAPI's 405."""

from __future__ import annotations

import hashlib
import ssl
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.hub.home import KODE, filing_body, hub_over_tls
from tests.support import databases
from tests.sync.harness import Hub

pytestmark = pytest.mark.postgres

# Per answer, not per route: left out of the comparison.
_PER_ANSWER = {"content-length", "date", "retry-after"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, Any]]:
    if not databases.postgres_admin_url():
        pytest.skip("PostgreSQL is not running (make services)")
    with hub_over_tls(tmp_path_factory.mktemp("status-shortcut")) as (hub, key):
        yield hub, key


@pytest.fixture
def client(served: tuple[Hub, Any]) -> Iterator[httpx.Client]:
    hub, _ = served
    context = ssl.create_default_context(cafile=str(hub.web_ca))
    with httpx.Client(base_url=hub.web_url, verify=context, timeout=60) as http:
        yield http


def _route_headers(answer: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in answer.headers.items() if k not in _PER_ANSWER}


def test_answers_carry_the_same_headers_as_fastapis(
    served: tuple[Hub, Any], client: httpx.Client
) -> None:
    _, key = served
    secret = "D" * 26
    body = filing_body(key, secret=secret, request_id=uuid.uuid4())
    filed = client.post(f"/{KODE}/api/permohonan", json=body)
    assert filed.status_code == 200
    found = client.post(
        f"/{KODE}/api/status",
        json={
            "code": filed.json()["code"],
            "secret_hash": hashlib.sha256(secret.encode()).hexdigest(),
        },
    )
    assert found.status_code == 200 and found.json()["status"] == "sent"
    assert _route_headers(found) == _route_headers(filed)
    assert found.headers["cache-control"] == "no-store"
    assert "connect-src 'self'" in found.headers["content-security-policy"]
    # Refusals alike: unreadable bodies through FastAPI's route and through the shortcut.
    refused = [
        client.post(f"/{KODE}/api/{api}", content=b"{nope") for api in ("permohonan", "status")
    ]
    assert [a.status_code for a in refused] == [422, 422]
    assert refused[0].json() == refused[1].json()
    assert _route_headers(refused[0]) == _route_headers(refused[1])


def test_the_body_limit_holds_declared_or_streamed(client: httpx.Client) -> None:
    padded = b'{"code": "H2345678", "secret_hash": "' + b"0" * 20_000 + b'"}'
    declared = client.post(f"/{KODE}/api/status", content=padded)
    # No Content-Length: chunked, counted as it arrives.
    streamed = client.post(f"/{KODE}/api/status", content=iter([padded[:10_000], padded[10_000:]]))
    assert "content-length" not in streamed.request.headers
    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert answer.json() == {"error": {"message": "Isian terlalu besar."}}
    small = client.post(
        f"/{KODE}/api/status", content=iter([b'{"code": "H2345678", ', b'"secret_hash": "x"}'])
    )
    assert small.status_code == 404
    assert "tidak cocok" in small.json()["error"]["message"]


def test_other_methods_on_the_path_get_fastapis_405(client: httpx.Client) -> None:
    answer = client.get(f"/{KODE}/api/status")
    assert answer.status_code == 405
    assert answer.json() == {"detail": "Method Not Allowed"}
    assert answer.headers["allow"] == "POST"
