"""The letter printer drops its link mid-job: the letter stays `ready`, and the retry
prints it once, and only once."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.test_kiosk_e2e import ready_letter, request_status, run_kiosk
from tests.support.server import running_server

pytestmark = [pytest.mark.kiosk, pytest.mark.slow]

CUT = b"\x1dV"  # GS V: the cut at the end of a finished job


def test_link_drops_mid_job_then_the_retry_prints_once(
    display: str, escpos_emulator: Any, receipt_url: str, tmp_path: Path
) -> None:
    printer = escpos_emulator
    printer.drop_after = 6000  # well inside the ~50 KB raster letter
    stop = threading.Event()

    def heal_after_first_drop() -> None:
        # The link comes back (cable reseated) once the first job was cut off.
        while not stop.wait(0.05):
            if len(printer.received) >= 6000:
                printer.drop_after = None
                return

    healer = threading.Thread(target=heal_after_first_drop, daemon=True)
    healer.start()
    try:
        with running_server(tmp_path / "server") as server:
            ready = ready_letter(server)
            result = run_kiosk(
                "drop_then_retry",
                display=display,
                server=server,
                tmp_path=tmp_path,
                a4=printer.url(profile="TM-T88V", timeout=8),
                receipt=receipt_url,
                params={"ready1": ready["pickup_qr"]},
            )
            assert result["data"] == {"first": "failed", "retry": "done"}
            assert request_status(server, ready["code"]) == "picked_up"
            with server.operator_client("operator") as op:
                rid = server.request_id(op, ready["code"])
                detail = op.get(f"/api/v1/operator/requests/{rid}").json()
    finally:
        stop.set()
        healer.join(5)
    assert detail["status"] == "picked_up"
    assert bytes(printer.received).count(CUT) == 1, "the letter must be finished exactly once"
