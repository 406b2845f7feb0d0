"""The kiosk in a real window (Xvfb), against the real office server and real printer backends.

Each test prepares letters on the server (filed as a phone would, driven by the operator
API), then runs the app in a subprocess with a scripted scenario (tests/kiosk/scenarios.py)
under a hard timeout, and asserts the scenario's checks, the server's state and what came
out of the printers. Screenshots land in var/test-artifacts/kiosk/<scenario>/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk_app.printing import group
from loket_protocol.qr import encode_offline_request
from tests.support import factories
from tests.support.server import RunningServer, free_port, running_server
from tests.support.waiting import HANG_GUARD

pytestmark = [pytest.mark.kiosk, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ARTIFACTS = REPO / "var" / "test-artifacts" / "kiosk"
# Each wait inside the scenario is bounded by the hang guard and says what it waited for;
# this bound is for a window that hangs outright (no frame, no wait ever checked). It sits
# above the hang guard and under pytest's per-test timeout.
SCENARIO_TIMEOUT = int(1.5 * HANG_GUARD)


# --------------------------------------------------------------------------- server
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("kiosk-server")) as srv:
        yield srv


def _file(server: RunningServer) -> dict[str, Any]:
    return server.file_request()


def ready_letter(server: RunningServer) -> dict[str, Any]:
    created = _file(server)
    server.drive_to_ready(created["code"])
    return created


def request_status(server: RunningServer, code: str) -> str:
    with server.operator_client("operator") as op:
        rid = server.request_id(op, code)
        return str(op.get(f"/api/v1/operator/requests/{rid}").json()["status"])


def ask_correction(server: RunningServer, code: str, reason: str) -> None:
    with server.operator_client("operator") as op:
        rid = server.request_id(op, code)
        op.post(f"/api/v1/operator/requests/{rid}/ask-correction", json={"reason": reason})


# --------------------------------------------------------------------------- running the app
def run_kiosk(
    scenario: str,
    *,
    display: str,
    server: RunningServer,
    tmp_path: Path,
    a4: str,
    receipt: str,
    params: dict[str, Any],
    camera: str = "test",
    idle_timeout: int = 60,
) -> dict[str, Any]:
    out = ARTIFACTS / scenario
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'server_url = "{server.url}"\n'
        f'api_key = "{server.kiosk_key}"\n'
        f"idle_timeout = {idle_timeout}\n"
        f"health_interval = 1.0\n"
        f"duplicate_window = 3.0\n"
        f'state_dir = "{tmp_path / "state"}"\n'
        f'[printers]\na4 = "{a4}"\nreceipt = "{receipt}"\n'
        f'[camera]\nsource = "{camera}"\nfps = 12\n'
    )
    env = {
        **os.environ,
        "DISPLAY": display,
        "KIVY_HOME": str(tmp_path / "kivy-home"),
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_CONSOLELOG": "1",
        "PYTHONPATH": str(REPO),
    }
    env.pop("SDL_VIDEODRIVER", None)
    env.pop("LOKET_KIOSK_API_KEY", None)
    cmd = [
        "timeout", "-k", "5", str(SCENARIO_TIMEOUT),
        sys.executable, str(HERE / "driver.py"),
        "--scenario", scenario, "--config", str(config), "--out", str(out),
        "--params", json.dumps(params),
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=SCENARIO_TIMEOUT + 15
    )
    (out / "stderr.log").write_text(proc.stdout + proc.stderr)
    result_file = out / "result.json"
    if not result_file.exists():
        pytest.fail(f"kiosk exited {proc.returncode} without a result:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(result_file.read_text())
    failed = [c for c in result["checks"] if not c["ok"]]
    assert result["error"] is None, result["error"]
    assert not failed, failed
    assert result["ok"]
    return result


def split_qr(pickup_qr: str) -> tuple[str, str]:
    head, _, secret = pickup_qr.rpartition("#")
    return head.rsplit("/", 1)[1], secret


def unwrapped(paper: str) -> str:
    """Receipt text with the printer's line wrapping undone (a 58 mm roll has 32 columns)."""
    return " ".join(paper.split())


def pdfs_in(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.pdf")) if folder.exists() else []


# --------------------------------------------------------------------------- tests
def test_pickup_status_and_bad_codes(
    display: str, server: RunningServer, tmp_path: Path, receipt_url: str, receipt_output: Any
) -> None:
    ready1, ready2 = ready_letter(server), ready_letter(server)
    in_progress = _file(server)
    correction = _file(server)
    message = "Foto KTP kurang jelas, mohon unggah ulang."
    ask_correction(server, correction["code"], message)
    forged = ready1["pickup_qr"].rsplit("#", 1)[0] + "#" + "A" * 32
    # What the phone's offline form puts in its QR (the format is the server's).
    body = factories.request_body(serial=9001, name="Dewi Lestari")
    offline = encode_offline_request(
        {
            "v": 1,
            "k": "phone-key-9001",
            "t": body["letter_type"],
            "n": body["applicant_nik"],
            "m": body["applicant_name"],
            "f": body["form_data"],
        }
    )
    a4 = tmp_path / "a4"

    result = run_kiosk(
        "pickup_flow",
        display=display,
        server=server,
        tmp_path=tmp_path,
        a4=f"folder://{a4}",
        receipt=receipt_url,
        idle_timeout=5,
        params={
            "ready1": ready1["pickup_qr"],
            "ready2": ready2["pickup_qr"],
            "in_progress": in_progress["pickup_qr"],
            "needs_correction": correction["pickup_qr"],
            "correction_message": message,
            "forged": forged,
            "offline": offline,
        },
    )
    assert request_status(server, ready1["code"]) == "picked_up"
    assert request_status(server, ready2["code"]) == "picked_up"
    assert request_status(server, in_progress["code"]) == "submitted"
    # Exactly two letters came out, and they are the server's PDFs.
    printed = pdfs_in(a4)
    assert len(printed) == 2, printed
    assert all(p.read_bytes().startswith(b"%PDF-") for p in printed)
    assert result["data"]["forged_outcome"] in ("not_found", "invalid")
    offline_code = result["data"]["offline_code"]
    assert request_status(server, offline_code) == "submitted"
    assert offline_code in receipt_output()
    # The ticket prints the secret of its QR readably, as the scan answer carried it.
    assert group(split_qr(result["data"]["offline_qr"])[1]) in unwrapped(receipt_output())
    # Scanned twice, the offline QR kept the first ticket's secret valid.
    status = httpx.get(
        f"{server.url}/api/v1/requests/{offline_code}/status",
        headers={"X-Pickup-Secret": split_qr(result["data"]["offline_qr"])[1]},
        timeout=10,
    )
    assert status.status_code == 200, status.text
    assert 4 <= result["data"]["idle_after"] <= 8
    assert len(result["shots"]) >= 10


def test_new_request_queue_ticket_and_typed_code(
    display: str, server: RunningServer, tmp_path: Path, receipt_url: str, receipt_output: Any
) -> None:
    ready = ready_letter(server)
    code, secret = split_qr(ready["pickup_qr"])
    birth = date(1990, 8, 17)
    form = {
        "applicant_nik": factories.make_nik(birth, serial=4242),
        "applicant_name": "Siti Aminah",
        "no_kk": "3604121708900001",
        "tempat_lahir": "Serang",
        "tanggal_lahir": birth.strftime("%d-%m-%Y"),
        "jenis_kelamin": "Laki-laki",
        "agama": "Islam",
        "status_perkawinan": "Kawin",
        "pendidikan": "SLTA/Sederajat",
        "pekerjaan": "Petani",
        "kewarganegaraan": "WNI",
        "alamat": "Kp. Sukamaju RT 002/RW 003",
        "rt": "002",
        "rw": "003",
        "lama_tinggal": "2010",
        "keperluan": "Melamar pekerjaan",
    }
    a4 = tmp_path / "a4"
    result = run_kiosk(
        "request_flow",
        display=display,
        server=server,
        tmp_path=tmp_path,
        a4=f"folder://{a4}",
        receipt=receipt_url,
        params={"form": form, "manual_code": code, "manual_secret": secret},
    )
    data = result["data"]
    # The request filed on the kiosk is on the server, and its printed QR works.
    filed_code = data["filed_code"]
    assert request_status(server, filed_code) == "submitted"
    r = httpx.post(
        f"{server.url}/api/v1/kiosk/scans",
        headers=server.kiosk_headers,
        json={"payload": data["filed_qr"]},
        timeout=HANG_GUARD,
    )
    assert r.json()["outcome"] == "in_progress"
    assert request_status(server, ready["code"]) == "picked_up"
    assert len(pdfs_in(a4)) == 1
    printed = receipt_output()
    assert filed_code in printed and data["queue_number"] in printed, printed[-2000:]
    assert group(split_qr(data["filed_qr"])[1]) in unwrapped(printed), printed[-2000:]


def test_form_scrolls_the_focused_row_into_view_on_a_slow_frame(
    display: str, server: RunningServer, tmp_path: Path, receipt_url: str
) -> None:
    run_kiosk(
        "form_on_a_slow_frame",
        display=display,
        server=server,
        tmp_path=tmp_path,
        a4=f"folder://{tmp_path / 'a4'}",
        receipt=receipt_url,
        params={},
    )


def test_printer_faults_keep_the_letter_ready(
    display: str, server: RunningServer, tmp_path: Path, receipt_url: str, receipt_output: Any
) -> None:
    ready = ready_letter(server)
    dead = f"escpos+tcp://127.0.0.1:{free_port()}"
    run_kiosk(
        "printer_faults",
        display=display,
        server=server,
        tmp_path=tmp_path,
        a4=dead,
        receipt=receipt_url,
        params={"ready1": ready["pickup_qr"], "dead_receipt": dead},
    )
    # Not printed, so not picked up: the resident can scan again once the printer works.
    assert request_status(server, ready["code"]) == "ready"
    assert ready["code"] in receipt_output()


def test_paper_runs_out_during_the_job(
    display: str,
    server: RunningServer,
    tmp_path: Path,
    receipt_url: str,
    receipt_output: Any,
    escpos_emulator: Any,
) -> None:
    ready = ready_letter(server)
    # An ESC/POS roll printer as the letter printer, whose roll ends after a few KB.
    a4 = escpos_emulator
    a4.paper_out_after = 4000
    result = run_kiosk(
        "paper_runs_out",
        display=display,
        server=server,
        tmp_path=tmp_path,
        a4=a4.url(timeout=6),
        receipt=receipt_url,
        params={"ready1": ready["pickup_qr"]},
    )
    assert a4.paper_out
    assert result["data"]["failure"]
    assert request_status(server, ready["code"]) == "ready"
    assert ready["code"] in receipt_output()  # the ticket for the operator


def test_server_outage_then_recovery(
    display: str, server: RunningServer, tmp_path: Path, receipt_url: str
) -> None:
    ready = ready_letter(server)
    a4 = tmp_path / "a4"
    run_kiosk(
        "server_outage",
        display=display,
        server=server,
        tmp_path=tmp_path,
        a4=f"folder://{a4}",
        receipt=receipt_url,
        params={"ready1": ready["pickup_qr"], "proxy": True},
    )
    assert request_status(server, ready["code"]) == "picked_up"
    assert len(pdfs_in(a4)) == 1


def test_a_hub_request_not_arrived_yet_gets_its_own_screen(
    display: str, server: RunningServer, tmp_path: Path, receipt_url: str
) -> None:
    from loket_protocol.qr import pickup_payload

    hub_qr = pickup_payload(
        "HTTPS://KABUPATEN.TEST/DS-2004", "H7M2QX9P", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    )
    result = run_kiosk(
        "hub_not_arrived",
        display=display,
        server=server,
        tmp_path=tmp_path,
        a4=f"folder://{tmp_path / 'a4'}",
        receipt=receipt_url,
        camera="none",
        params={"hub_qr": hub_qr},
    )
    assert (ARTIFACTS / "hub_not_arrived" / "00-hub-not-arrived.png").exists(), result


def test_no_camera_usb_scanner_still_works(
    display: str, server: RunningServer, tmp_path: Path, receipt_url: str
) -> None:
    in_progress = _file(server)
    run_kiosk(
        "no_camera",
        display=display,
        server=server,
        tmp_path=tmp_path,
        a4=f"folder://{tmp_path / 'a4'}",
        receipt=receipt_url,
        camera="none",
        params={"in_progress": in_progress["pickup_qr"]},
    )
