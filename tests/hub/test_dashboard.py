"""The regency dashboard's pages against a real PostgreSQL, fed through the hub's ingest."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from loket_protocol import events
from regency_hub import ratelimit, staff, turnaround, villages
from regency_hub.database import HubDatabase
from regency_hub.ingest import IngestCounts
from regency_hub.models import HubSession, SentAnnouncement, Village
from regency_hub.web import create_app
from tests.hub.events import ingest, message, profile, request_life

pytestmark = pytest.mark.postgres

PASSWORD = "kabupaten-serang-1"
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def seeded(hub_db: HubDatabase) -> HubDatabase:
    """Three villages: two with letters in November 2026, one that never spoke."""
    with hub_db.unit_of_work() as session:
        villages.create_user(session, username="dinas", full_name="Dinas PMD", password=PASSWORD)
        for kode, name in (("36.04.01.2001", "A"), ("36.04.01.2002", "B"), ("36.04.02.2003", "C")):
            villages.add_village(session, kode_desa=kode, name=name)
    nov = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    batch = [
        message(kode, NOW, profile(kode, name, kecamatan))
        for kode, name, kecamatan in (
            ("36.04.01.2001", "Sukamaju", "Cikande"),
            ("36.04.01.2002", "Cibodas", "Cikande"),
            ("36.04.02.2003", "Tanjung", "Kragilan"),
        )
    ]
    # Sukamaju: four SKTM, ready after 2, 4, 6, 8 hours, picked up 1 hour later; three
    # of the four at the kiosk. One SKU never ready.
    for i, hours in enumerate((2, 4, 6, 8)):
        batch += request_life(
            "36.04.01.2001",
            f"SKTM{i:04d}",
            letter_type="SKTM",
            filed=nov + timedelta(days=i),
            ready_after=timedelta(hours=hours),
            picked_after=timedelta(hours=1),
            via="kiosk" if i < 3 else "counter",
        )
    batch += request_life("36.04.01.2001", "SKU00001", letter_type="SKU", filed=nov)
    # Cibodas: one SKU filed at 01:00 WIB on 1 November (still 31 October in UTC), and
    # one in October by WIB too.
    batch += request_life(
        "36.04.01.2002", "SKU00002", letter_type="SKU", filed=datetime(2026, 10, 31, 18, tzinfo=UTC)
    )
    batch += request_life(
        "36.04.01.2002", "SKU00003", letter_type="SKU", filed=datetime(2026, 10, 15, tzinfo=UTC)
    )
    counts = ingest(hub_db, batch)
    assert counts.stored == len(batch) and counts.refused == 0
    # Tanjung last spoke two days ago.
    with hub_db.unit_of_work() as session:
        session.execute(
            update(Village)
            .where(Village.kode_desa == "36.04.02.2003")
            .values(last_received_at=NOW - timedelta(days=2), last_event_at=NOW - timedelta(days=2))
        )
    return hub_db


class Announcer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self.fail = False

    def __call__(self, event_id: str, raw: bytes) -> None:
        if self.fail:
            raise RuntimeError("announcement not acknowledged: TimeoutError")
        self.sent.append((event_id, raw))


@pytest.fixture
def announcer() -> Announcer:
    return Announcer()


@pytest.fixture
def client(seeded: HubDatabase, announcer: Announcer) -> Iterator[TestClient]:
    app = create_app(seeded, IngestCounts(), announce=announcer)
    with TestClient(app, base_url="http://hub.test", follow_redirects=False) as c:
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _login(client: TestClient, username: str = "dinas", password: str = PASSWORD) -> object:
    form = client.get("/masuk")
    return client.post(
        "/masuk", data={"username": username, "password": password, "csrf": _csrf(form.text)}
    )


def _turnaround_rows(page: str) -> list[tuple[float, float]]:
    """(median, p90) in hours of each leg as the page shows them ("4,9 jam")."""
    table = page[
        page.index('id="turnaround"') : page.index("</table>", page.index('id="turnaround"'))
    ]
    cells = re.findall(r"<td>([\d,]+) jam</td><td>([\d,]+) jam</td>", table)
    return [(float(a.replace(",", ".")), float(b.replace(",", "."))) for a, b in cells]


def _near(shown: float, exact: float) -> bool:
    return abs(shown - exact) <= exact * turnaround.RELATIVE_ERROR + 0.05


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/", "/desa", "/surat", "/umkm", "/pengumuman"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/masuk", path


def test_login_sets_a_strict_cookie_and_logout_ends_the_session(
    client: TestClient, seeded: HubDatabase
) -> None:
    answer = _login(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/desa"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    token = client.cookies["loket_hub_session"]
    page = client.get("/desa")
    assert page.status_code == 200
    assert "Content-Security-Policy" in page.headers and page.headers["Cache-Control"] == "no-store"
    # Without the form's token, no logout.
    assert client.post("/keluar", data={"csrf": "x"}).status_code == 403
    assert client.post("/keluar", data={"csrf": _csrf(page.text)}).status_code == 303
    with seeded.unit_of_work() as session:
        assert session.get(HubSession, staff._token_hash(token)) is None
    # The old cookie, replayed, opens nothing.
    client.cookies.set("loket_hub_session", token)
    assert client.get("/desa").headers["location"] == "/masuk"


def test_login_refuses_without_the_form_token(client: TestClient) -> None:
    answer = client.post("/masuk", data={"username": "dinas", "password": PASSWORD, "csrf": "x"})
    assert answer.status_code == 403
    assert "Sesi formulir tidak valid" in answer.text


def test_wrong_passwords_are_slowed_with_the_same_words_for_every_name(client: TestClient) -> None:
    for name in ("dinas-lama", "tidak-ada"):
        for _ in range(4):
            answer = _login(client, name, "salah-salah-salah")
            assert answer.status_code == 401
            assert "Nama pengguna atau kata sandi salah." in answer.text
        fifth = _login(client, name, "salah-salah-salah")
        assert fifth.status_code == 401
        sixth = _login(client, name, "salah-salah-salah")
        assert sixth.status_code == 429
        assert "Terlalu banyak percobaan masuk. Tunggu" in sixth.text
        assert 0 < int(sixth.headers["Retry-After"]) <= 31
    # Another name is not held up by them.
    assert _login(client).status_code == 303


def test_villages_page_flags_the_silent_and_filters_by_kecamatan(client: TestClient) -> None:
    _login(client)
    page = client.get("/desa").text
    assert "Sukamaju" in page and "Cibodas" in page and "Tanjung" in page
    assert "1 desa tidak mengirim kabar lebih dari 24 jam." in page
    rows = re.findall(r"<tr( class=\"silent\")?>\s*<td><a[^>]*>([^<]+)</a>", page)
    assert {name for cls, name in rows if cls} == {"Tanjung"}
    cikande = client.get("/desa", params={"kecamatan": "Cikande"}).text
    assert "Sukamaju" in cikande and "Cibodas" in cikande and "Tanjung" not in cikande
    assert "2 desa di Kecamatan Cikande" in cikande


def test_letters_page_counts_turnaround_and_kiosk_share(
    client: TestClient, seeded: HubDatabase
) -> None:
    _login(client)
    page = client.get("/surat", params={"bulan": "2026-11"}).text
    assert "Surat dan layanan, November 2026" in page
    # 4 SKTM + 1 SKU at Sukamaju; Cibodas's 01:00 WIB 1 November letter counts here.
    assert '<span class="big" id="total">6</span>' in page
    table = page[page.index('id="by-village"') :]
    assert re.search(r"<td>Sukamaju</td><td class=\"num\">4</td><td class=\"num\">1</td>", table)
    assert re.search(r"<td>Cibodas</td><td class=\"num\">0</td><td class=\"num\">1</td>", table)
    # filed -> ready over 2, 4, 6, 8 h: median 5 h, p90 7.4 h (percentile_cont's linear
    # interpolation); ready -> picked up 1 h each; filed -> picked up 3..9 h: median 6,
    # p90 8.4. Read from the histogram: each within 4.4 % (and the page's rounding).
    shown = _turnaround_rows(page)
    for (median, p90), exact in zip(shown, ((5.0, 7.4), (1.0, 1.0), (6.0, 8.4)), strict=True):
        assert _near(median, exact[0]) and _near(p90, exact[1]), (shown, exact)
    assert "selisih paling banyak 4,4 %" in page
    assert '<span class="big" id="kiosk-share">75%</span>' in page
    # The charts are inline SVG with their title and numbers.
    assert page.count("<svg") == 2 and "<title>Surat per jenis, November 2026</title>" in page
    # October by WIB holds Cibodas's other letter only.
    october = client.get("/surat", params={"bulan": "2026-10"}).text
    assert '<span class="big" id="total">1</span>' in october
    # One village's view.
    with seeded.unit_of_work() as session:
        cibodas = session.scalar(select(Village.id).where(Village.name == "Cibodas"))
    one = client.get("/surat", params={"bulan": "2026-11", "desa": str(cibodas)}).text
    assert '<span class="big" id="total">1</span>' in one and "<td>Sukamaju</td>" not in one


def test_empty_month_and_umkm_say_so(client: TestClient) -> None:
    _login(client)
    empty = client.get("/surat", params={"bulan": "2020-01"}).text
    assert "Belum ada surat pada bulan ini." in empty
    assert "Belum ada data." in client.get("/umkm").text


def test_announcement_is_recorded_only_once_published(
    client: TestClient, seeded: HubDatabase, announcer: Announcer
) -> None:
    _login(client)
    csrf = _csrf(client.get("/pengumuman").text)
    answer = client.post(
        "/pengumuman",
        data={"title": "Libur nasional", "body": "Kantor desa tutup\r\ntanggal 25.", "csrf": csrf},
    )
    assert answer.status_code == 303
    ((event_id, raw),) = announcer.sent
    sent = events.decode(raw)
    assert isinstance(sent.data, events.Announcement)
    assert sent.data.body == "Kantor desa tutup\ntanggal 25." and str(sent.id) == event_id
    assert "Libur nasional" in client.get("/pengumuman?terkirim=1").text
    # A NIK in the text never leaves, and the form says why.
    refused = client.post(
        "/pengumuman", data={"title": "Warga 3604011234567890", "body": "", "csrf": csrf}
    )
    assert refused.status_code == 422 and "tanpa deretan 10 angka" in refused.text
    # NATS not acknowledging: nothing recorded.
    announcer.fail = True
    failed = client.post("/pengumuman", data={"title": "Rapat", "body": "", "csrf": csrf})
    assert failed.status_code == 503 and "gagal dikirim" in failed.text
    with seeded.unit_of_work() as session:
        titles = list(session.scalars(select(SentAnnouncement.title)))
    assert titles == ["Libur nasional"]
    assert client.post("/pengumuman", data={"title": "x", "csrf": "bad"}).status_code == 403


def test_monthly_counts_survive_a_redelivery(client: TestClient, seeded: HubDatabase) -> None:
    """JetStream redelivers a batch whose ack was lost: the month's count stays."""
    batch = [
        m
        for i in range(3)
        for m in request_life(
            "36.04.02.2003",
            f"RD{i:04d}",
            letter_type="SKD",
            filed=datetime(2025, 1, 5 + i, tzinfo=UTC),
            ready_after=timedelta(hours=3),
        )
    ]
    assert ingest(seeded, batch).stored == len(batch)
    again = ingest(seeded, batch)
    assert again.stored == 0 and again.duplicates == len(batch)
    _login(client)
    page = client.get("/surat", params={"bulan": "2025-01"}).text
    assert '<span class="big" id="total">3</span>' in page
    ((median, p90),) = _turnaround_rows(page)  # never picked up: one leg made
    assert _near(median, 3.0) and _near(p90, 3.0)


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_address_trying_many_names_is_slowed_and_others_are_not(
    seeded: HubDatabase,
) -> None:
    clock = _Clock()
    limit = ratelimit.AddressBackoff(clock=clock)
    app = create_app(seeded, IngestCounts(), login_limit=limit)

    def client_from(address: str) -> TestClient:
        return TestClient(
            app, base_url="http://hub.test", follow_redirects=False, client=(address, 50000)
        )

    with client_from("10.0.0.66") as guesser:
        # A new name each time: the per-name count never trips, the address's does.
        for n in range(ratelimit.FREE_FAILURES):
            assert _login(guesser, f"tebakan-{n}", "salah-salah-salah").status_code == 401
        held = _login(guesser, "dinas")  # even the right password waits, unchecked
        assert held.status_code == 429
        assert "Terlalu banyak percobaan masuk. Tunggu" in held.text
        assert 0 < int(held.headers["Retry-After"]) <= 31
        with client_from("10.0.0.7") as colleague:
            assert _login(colleague).status_code == 303  # another address is not held up
        clock.now += ratelimit.FIRST_WAIT_SECONDS
        # The wait is over; one more failure doubles the next wait.
        assert _login(guesser, "tebakan-x", "salah-salah-salah").status_code == 401
        again = _login(guesser, "dinas")
        assert again.status_code == 429 and 31 < int(again.headers["Retry-After"]) <= 61
        clock.now += 2 * ratelimit.FIRST_WAIT_SECONDS
        assert _login(guesser).status_code == 303
        # A success clears the address.
        assert limit.wait("10.0.0.66") == 0
