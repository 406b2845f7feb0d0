"""The kiosk's capture step (issue 15): after filing, the camera takes a photo of a
document held up to it (a test camera frame of a letter on paper) and the server keeps
it for the request, marked as from the kiosk. Real kiosk under Xvfb, real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import httpx

from tests.kiosk.test_kiosk_e2e import run_kiosk, server  # noqa: F401 - the module's server
from tests.support.camera_frames import TUNE_SEED, make_frame
from tests.support.server import RunningServer
from tests.support.waiting import HANG_GUARD


def test_the_kiosk_camera_sends_a_document_photo(
    display: str,
    server: RunningServer,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    receipt_url: str,
) -> None:
    created = server.file_request()
    secret = created["pickup_qr"].split("#", 1)[1]
    document = tmp_path / "document.png"
    cv2.imwrite(str(document), make_frame("letter", TUNE_SEED, 0).image)
    result = run_kiosk(
        "document_photos",
        display=display,
        server=server,
        tmp_path=tmp_path,
        a4=f"folder://{tmp_path / 'a4'}",
        receipt=receipt_url,
        params={
            "code": created["code"],
            "secret": secret,
            "pickup_qr": created["pickup_qr"],
            "document_png": str(document),
        },
    )
    data: dict[str, Any] = result["data"]
    assert data["kinds"][0] == "Fotokopi KTP"
    assert data["status"] == "Foto Fotokopi KTP terkirim."
    listed = httpx.get(
        f"{server.url}/api/v1/requests/{created['code']}/documents",
        headers={"X-Pickup-Secret": secret},
        timeout=HANG_GUARD,
    ).json()
    assert [(d["kind"], d["channel"]) for d in listed["documents"]] == [("Fotokopi KTP", "kiosk")]
    assert 5_000 < listed["documents"][0]["bytes"] < 600_000
