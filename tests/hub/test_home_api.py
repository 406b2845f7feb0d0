"""The residents' side of a real hub over HTTPS, as the internet sees it: unknown and
inactive villages look the same, a double tap is one request, bodies and boxes are
checked, rate limits answer 429 with Retry-After in Indonesian, the headers are strict.

Each test speaks from a loopback address of its own (127.0.0.x), so the per-address
limits of one test do not reach another."""

from __future__ import annotations

import json
import re
import ssl
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from loket_protocol import sealed
from tests.hub.home import KODE, filing_body, hub_over_tls, sealed_requests
from tests.support import databases
from tests.sync.harness import Hub

pytestmark = pytest.mark.postgres

OTHER = "36.04.01.2002"
LIMITS = {
    "LOKET_REGENCY_FILING_PER_IP_PER_MINUTE": "1",
    "LOKET_REGENCY_FILING_PER_IP_BURST": "5",
    "LOKET_REGENCY_STATUS_PER_IP_PER_MINUTE": "1",
    "LOKET_REGENCY_STATUS_PER_IP_BURST": "5",
    "LOKET_REGENCY_STATUS_PER_VILLAGE_PER_MINUTE": "1",
    "LOKET_REGENCY_STATUS_PER_VILLAGE_BURST": "12",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, Any]]:
    if not databases.postgres_admin_url():
        pytest.skip("PostgreSQL is not running (make services)")
    with hub_over_tls(tmp_path_factory.mktemp("home-api"), **LIMITS) as (hub, key):
        for kode in (OTHER, "36.04.01.2003"):
            hub.hub_cli(
                "add-village",
                "--kode-desa",
                kode,
                "--name",
                kode,
                "--out",
                str(hub.folder.parent / f"cred-{kode}.json"),
            )
        hub.hub_cli("village-pages", "--kode-desa", "36.04.01.2003", "--off")
        yield hub, key


def _client(hub: Hub, source: str) -> httpx.Client:
    context = ssl.create_default_context(cafile=str(hub.web_ca))
    transport = httpx.HTTPTransport(local_address=source, verify=context)
    return httpx.Client(base_url=hub.web_url, transport=transport, timeout=60)


def test_unknown_and_inactive_villages_are_the_same_404(served: tuple[Hub, Any]) -> None:
    hub, _ = served
    with _client(hub, "127.0.0.2") as client:
        open_page = client.get(f"/{KODE}/surat")
        assert open_page.status_code == 200 and "Surat Keterangan Domisili" in open_page.text
        # The QR upper-cases the address: the village is found all the same.
        assert client.get(f"/{KODE.upper()}/surat").status_code == 200
        answers = [
            client.get(f"/{kode}{path}")
            for kode in ("36.04.01.2003", "36.04.99.9999")
            for path in ("/", "/surat", "/surat/domisili", "/S/H2345678", "/sw.js")
        ]
        assert {a.status_code for a in answers} == {404}
        pages = {a.text for a in answers if a.headers["content-type"].startswith("text/html")}
        assert len(pages) == 1 and "Halaman tidak ditemukan" in pages.pop()
        api = [
            client.post(f"/{kode}/api/status", json={"code": "H2345678", "secret_hash": "0" * 64})
            for kode in ("36.04.01.2003", "36.04.99.9999")
        ]
        assert {a.status_code for a in api} == {404}
        assert api[0].json() == api[1].json()


def test_headers_are_strict(served: tuple[Hub, Any]) -> None:
    hub, _ = served
    with _client(hub, "127.0.0.3") as client:
        page = client.get(f"/{KODE}/surat/domisili")
    policy = page.headers["content-security-policy"]
    for part in ("default-src 'none'", "script-src 'self'", "connect-src 'self'"):
        assert part in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    # The form renders no value: the hub has none to render.
    form = page.text.split('id="req"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'value="[^"]', form) is None


def test_double_tap_is_one_request_and_one_box(served: tuple[Hub, Any]) -> None:
    hub, key = served
    body = filing_body(key)
    with _client(hub, "127.0.0.4") as client:
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(
                pool.map(lambda _: client.post(f"/{KODE}/api/permohonan", json=body), range(2))
            )
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        codes = {a.json()["code"] for a in answers}
        assert len(codes) == 1
        code = codes.pop()
        assert code.startswith("H") and len(code) == 8
        # A retry later (the answer was lost): the same code, no second box.
        again = client.post(f"/{KODE}/api/permohonan", json=body)
        assert again.json() == {"code": code}
    assert hub.scalar("SELECT count(*) FROM hub_filings WHERE code = :c", c=code) == 1
    boxes = [r for r in sealed_requests(hub) if r.code == code]
    assert len(boxes) == 1 and str(boxes[0].request_id) == body["request_id"]


def test_bad_bodies_and_boxes_are_refused_and_change_nothing(served: tuple[Hub, Any]) -> None:
    hub, key = served
    before = hub.scalar("SELECT count(*) FROM hub_filings")
    good = filing_body(key)
    other_key = sealed.new_private_key()
    with _client(hub, "127.0.0.5") as client:
        too_big = client.post(
            f"/{KODE}/api/permohonan",
            content=json.dumps({**good, "pad": "x" * 20_000}),
            headers={"content-type": "application/json"},
        )
        assert too_big.status_code == 413
        assert too_big.json()["error"]["message"] == "Isian terlalu besar."
        not_json = client.post(f"/{KODE}/api/permohonan", content=b"{nope")
        assert not_json.status_code == 422
        assert "Muat ulang" in not_json.json()["error"]["message"]
        plain_text = client.post(
            f"/{KODE}/api/permohonan",
            json={**good, "box": {**good["box"], "ct": "NIK 3604121708900001"}},
        )
        assert plain_text.status_code == 422
        stale_key = filing_body(other_key)
        answer = client.post(f"/{KODE}/api/permohonan", json=stale_key)
        assert answer.status_code == 409 and "Muat ulang" in answer.json()["error"]["message"]
    assert hub.scalar("SELECT count(*) FROM hub_filings") == before


def test_rate_limits_answer_429_with_retry_after(served: tuple[Hub, Any]) -> None:
    hub, key = served
    with _client(hub, "127.0.0.6") as client:
        answers = [client.post(f"/{KODE}/api/permohonan", json=filing_body(key)) for _ in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        refused = answers[-1]
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["error"]["message"].startswith("Terlalu banyak permintaan.")
        lookups = [
            client.post(
                f"/{KODE}/api/status", json={"code": "H2345678", "secret_hash": "0" * 64}
            ).status_code
            for _ in range(6)
        ]
        assert lookups == [404] * 5 + [429]
    # Per village: many addresses, each under its own limit, still meet the village's.
    seen = []
    for n in range(20, 40):
        with _client(hub, f"127.0.0.{n}") as client:
            seen.append(
                client.post(
                    f"/{OTHER}/api/status", json={"code": "H2345678", "secret_hash": "0" * 64}
                ).status_code
            )
    assert seen[:12] == [404] * 12 and set(seen[12:]) == {429}


def test_status_needs_the_secret(served: tuple[Hub, Any]) -> None:
    hub, key = served
    secret = "B" * 26
    body = filing_body(key, secret=secret, request_id=uuid.uuid4())
    with _client(hub, "127.0.0.7") as client:
        code = client.post(f"/{KODE}/api/permohonan", json=body).json()["code"]
        wrong = client.post(f"/{KODE}/api/status", json={"code": code, "secret_hash": "1" * 64})
        unknown = client.post(
            f"/{KODE}/api/status", json={"code": "H0000000", "secret_hash": body["secret_hash"]}
        )
        assert wrong.status_code == unknown.status_code == 404
        assert wrong.json() == unknown.json()
        right = client.post(
            f"/{KODE}/api/status", json={"code": code, "secret_hash": body["secret_hash"]}
        )
        assert right.status_code == 200
        assert right.json()["status"] == "sent" and right.json()["problems"] == []
