"""A fuzz pass over every resident-facing input, through the real app (issue 11, "Done
when"): the JSON API of residents (file, status, corrections, cancel; the kiosk's typed
form), the resident pages' HTML forms, the kiosk's scan of offline QR payloads, and the
uploads (a letter's verification page; the admin's logo). The generators are in
resident_inputs.py; benchmarks/fuzz_memory.py runs them longer against `loket server`.

Whatever comes in: never a 5xx, never an error or a traceback in the log, and every
refusal a 4xx that says why in Indonesian. What was accepted is read back by an operator
(JSON, page, letter preview) without an error either.

The schema-driven fuzz of the whole OpenAPI is test_openapi_fuzz.py; this one aims at
what the schema cannot say (text, QR payloads, PDFs, images, forms). Both databases:
PostgreSQL refuses text SQLite takes. The app's limits are out of the way (its clock
leaps a day per reading) except in the test of the limits themselves.
"""

from __future__ import annotations

import itertools
import logging
import os
import resource
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from office_server.config import Settings
from office_server.database import Database
from office_server.kiosks import service as kiosks
from office_server.main import create_app
from office_server.ratelimit import Clock, Limits
from tests.conftest import _postgres_or_skip
from tests.faults import fuzzing as fz
from tests.faults import hostile
from tests.faults import resident_inputs as ri
from tests.support import databases, factories

pytestmark = pytest.mark.slow

BASE = settings(
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)


# LOKET_FUZZ_SCALE=10 runs ten times as many examples (to hunt, not for CI).
SCALE = float(os.environ.get("LOKET_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    return settings(BASE, max_examples=max(1, round(examples * SCALE)))


# Examples per kind and database (two databases: twice as many requests in all). Modest,
# so the module runs in well under a minute on a shared two-core machine.
EXAMPLES = {
    ri.FILE: 60,
    ri.WITH_SECRET: 60,
    ri.KIOSK_FILE: 25,
    ri.FORMS: 60,
    ri.SCANS: 80,
    ri.UPLOAD: 20,
    ri.LOGO: 12,
}
# The fuzz may raise the process's peak memory by at most this much.
MAX_PEAK_GROWTH_MB = 300


def leaping_clock() -> Clock:
    """A clock for the rate limits that moves a day per reading: every window has passed
    by the next request, so no limit gets in the fuzz's way."""
    ticks = itertools.count()
    return lambda: float(next(ticks)) * 86_400


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Rig:
    fuzzer: fz.Fuzzer
    letter_pdf: bytes
    peak_before_mb: float


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def rig(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Rig]:
    tmp = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    settings_ = Settings(data_dir=tmp / "data", public_url="http://desa.test:8000")
    pg: tuple[str, str] | None = None
    if request.param == "sqlite":
        url = databases.sqlite_copy(sqlite_template, settings_.data_dir)
    else:
        admin_url = _postgres_or_skip()
        name, url = databases.postgres_copy(admin_url)
        pg = (admin_url, name)
    db = Database(settings_, url=url)
    with db.session() as session:
        _, kiosk_key = kiosks.add(session, name="anjungan-fuzz")
        session.commit()
    app = create_app(settings_, db, clock=leaping_clock())
    try:
        # One client runs the app's lifespan; the others share the app, each with its
        # own cookies (a resident has none of an operator's).
        with TestClient(app) as resident:
            fuzzer = fz.Fuzzer(
                resident=resident,
                operator=TestClient(app),
                admin=TestClient(app),
                kiosk_key=kiosk_key,
            )
            pdf = fuzzer.setup(signer=TestClient(app))
            yield Rig(fuzzer, pdf, peak_rss_mb())
    finally:
        db.dispose()
        if pg:
            databases.drop_postgres(*pg)


def _bad_records(records: list[logging.LogRecord]) -> list[str]:
    return [
        f"{r.levelname} {r.name}: {r.getMessage()}"
        for r in records
        if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.getMessage()
    ]


def _capture(caplog: pytest.LogCaptureFixture) -> None:
    # The server's own levels (cli.py): everything at INFO, the PDF renderer's chatter not.
    caplog.set_level(logging.INFO)
    for chatty in ("weasyprint", "fontTools"):
        caplog.set_level(logging.WARNING, logger=chatty)


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_every_resident_input_is_answered_or_refused_in_indonesian(
    rig: Rig, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    _capture(caplog)

    @fuzz(EXAMPLES[kind])
    @given(ri.ALL_KINDS[kind](rig.letter_pdf))
    def answer(probe: fz.Probe) -> None:
        seen = len(caplog.records)
        response = rig.fuzzer.send(probe)
        found = fz.problems(probe.path, response, _bad_records(caplog.records[seen:]))
        assert not found, "\n".join([fz.describe(probe), *found])

    answer()
    # What was accepted must read back: the operator's JSON, page and letter preview.
    seen = len(caplog.records)
    for url, response in rig.fuzzer.sweep():
        assert response.status_code < 500, url
    assert not _bad_records(caplog.records[seen:])


def test_memory_stayed_bounded(rig: Rig) -> None:
    """Bombs under the limits (a 2 MB run of "[" in 1 KB of QR, 13,000-field PDFs, a PNG
    declaring 65535² pixels) did not blow up the process."""
    assert peak_rss_mb() - rig.peak_before_mb < MAX_PEAK_GROWTH_MB


# --- the limits themselves, fuzzed -------------------------------------------------------


class FrozenClock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limited(sqlite_db: Database, settings: Settings) -> Iterator[tuple[TestClient, Settings]]:
    """The app with its real limits and a clock that stands still (no window passes)."""
    with TestClient(create_app(settings, sqlite_db, clock=FrozenClock())) as client:
        yield client, settings


def _refused_for_a_while(response: Any) -> bool:
    return (
        response.status_code == 429
        and int(response.headers["Retry-After"]) >= 1
        and all(fz.indonesian(t) for t in fz.refusal_texts(response))
    )


def test_wrong_secrets_are_limited_whatever_they_look_like(
    limited: tuple[TestClient, Settings],
) -> None:
    client, settings_ = limited
    created = client.post("/api/v1/requests", json=factories.request_body()).json()
    secret = created["pickup_qr"].split("#", 1)[1]
    url = f"/api/v1/requests/{created['code']}/status"
    guesses = st.one_of(hostile.SECRET_TEXT, st.just(secret.lower()), st.just(secret))

    @fuzz(4)
    @given(st.lists(guesses, min_size=35, max_size=45))
    def guessing(tries: list[str | bytes]) -> None:
        client.app.state.limits = Limits.from_settings(settings_, clock=FrozenClock())  # type: ignore[attr-defined]
        statuses = []
        for guess in tries:
            r = client.get(url, headers={"X-Pickup-Secret": guess})
            statuses.append(r.status_code)
            assert r.status_code in (200, 404, 422, 429), r.text
            if r.status_code == 429:
                assert _refused_for_a_while(r), r.text
        wrong = statuses.count(404)
        assert wrong <= settings_.lookup_rate_per_minute
        if 429 in statuses:
            after = statuses[statuses.index(429) :]
            assert 404 not in after and 200 not in after, statuses

    guessing()


def test_anonymous_filing_is_limited_whatever_is_filed(
    limited: tuple[TestClient, Settings],
) -> None:
    client, settings_ = limited
    serials = itertools.count(1000)
    body = st.one_of(
        st.builds(lambda: factories.request_body(serial=next(serials))),
        st.builds(lambda: factories.request_body(serial=next(serials))),
        ri.filing_bodies(),
    )

    @fuzz(3)
    @given(st.lists(body, min_size=30, max_size=40))
    def flooding(bodies: list[Any]) -> None:
        client.app.state.limits = Limits.from_settings(settings_, clock=FrozenClock())  # type: ignore[attr-defined]
        statuses = []
        for b in bodies:
            r = client.post(
                "/api/v1/requests",
                content=hostile.dump_json(b),
                headers={"Content-Type": "application/json"},
            )
            statuses.append(r.status_code)
            assert r.status_code < 500, r.text
            if r.status_code == 429:
                assert _refused_for_a_while(r), r.text
        assert statuses.count(201) <= settings_.filing_per_address_per_hour
        if 429 in statuses:
            assert 201 not in statuses[statuses.index(429) :], statuses

    flooding()
