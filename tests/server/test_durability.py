"""Every request that got a 201 survives a SIGKILL of the server (SQLite, WAL, FULL sync)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import httpx
import pytest

from tests.support import factories
from tests.support.server import prepare_server
from tests.support.waiting import HANG_GUARD

ROUNDS = 3
ACKS_BEFORE_KILL = 15


@pytest.mark.slow
def test_acknowledged_requests_survive_sigkill(tmp_path: Path) -> None:
    server = prepare_server(tmp_path)
    acknowledged: list[str] = []
    serial = 0
    for _ in range(ROUNDS):
        server.start()
        stop = threading.Event()
        got_enough = threading.Event()

        def submit(stop: threading.Event = stop, got_enough: threading.Event = got_enough) -> None:
            nonlocal serial
            # A request that times out ends its writer, so no short timeout: a busy machine
            # may take long to answer, and that is no loss of an acknowledged request.
            with httpx.Client(base_url=server.url, timeout=HANG_GUARD) as client:
                while not stop.is_set():
                    serial += 1
                    try:
                        r = client.post(
                            "/api/v1/requests", json=factories.request_body(serial=serial)
                        )
                    except httpx.HTTPError:
                        return  # the server died mid-request: not acknowledged
                    if r.status_code == 201:
                        acknowledged.append(r.json()["code"])
                        if len(acknowledged) % ACKS_BEFORE_KILL == 0:
                            got_enough.set()

        writers = [threading.Thread(target=submit) for _ in range(3)]
        for w in writers:
            w.start()
        assert got_enough.wait(HANG_GUARD), "the server acknowledged too few requests"
        server.kill()  # while the writers are still sending
        stop.set()
        for w in writers:
            w.join(10)

    db_file = server.data_dir / "loket.sqlite3"
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {row[0] for row in conn.execute("SELECT public_code FROM letter_requests")}
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged requests lost"
    assert len(acknowledged) >= ROUNDS * ACKS_BEFORE_KILL

    server.start()  # and the server comes back up on the same data
    try:
        with server.operator_client("operator") as op:
            rows = op.get("/api/v1/operator/requests", params={"limit": 500}).json()
        assert set(acknowledged) <= {r["code"] for r in rows}
    finally:
        server.stop()
