"""Decoders, frame sources, dedupe and the USB-scanner wedge: no window, no server."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk_app import qr_images
from kiosk_app.scanning import (
    CameraUnavailable,
    Deduper,
    ImageSequenceSource,
    KeyboardWedge,
    PyzbarDecoder,
    ScanWorker,
    ZxingDecoder,
    make_decoder,
    open_source,
)
from tests.support.waiting import HANG_GUARD, wait_until

PICKUP = "HTTP://192.168.1.10:8000/S/K7M2QX9P#ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@pytest.fixture(scope="module", params=["zxing", "pyzbar"])
def decoder(request: pytest.FixtureRequest) -> ZxingDecoder | PyzbarDecoder:
    return make_decoder(request.param)


@pytest.mark.parametrize("variant", sorted(qr_images.VARIANTS))
def test_both_decoders_read_degraded_frames(decoder: object, variant: str) -> None:
    frame = qr_images.VARIANTS[variant](PICKUP)
    assert decoder.decode(frame) == [PICKUP]  # type: ignore[attr-defined]


def test_decoders_accept_grayscale_and_find_nothing_in_an_empty_hall(decoder: object) -> None:
    gray = cv2.cvtColor(qr_images.on_paper(PICKUP), cv2.COLOR_BGR2GRAY)
    assert decoder.decode(gray) == [PICKUP]  # type: ignore[attr-defined]
    assert decoder.decode(qr_images.empty_frame()) == []  # type: ignore[attr-defined]


def test_zxing_is_the_default_and_unknown_names_fail() -> None:
    assert make_decoder().name == "zxing"
    with pytest.raises(ValueError, match="unknown decoder"):
        make_decoder("quagga")


def test_offline_request_payload_survives_a_phone_screen() -> None:
    # Offline-request QRs are much denser than pickup QRs.
    payload = "LD1O:" + "6BFOXN*TS0BI$ZD.P9" * 30
    frame = qr_images.on_phone(payload, size=(960, 720))
    assert ZxingDecoder().decode(frame) == [payload]


def test_deduper_counts_a_code_held_up_as_one_scan() -> None:
    now = [100.0]
    d = Deduper(window=4.0, clock=lambda: now[0])
    assert d.is_new("A")
    now[0] += 1
    assert not d.is_new("A")  # same code a second later: the same scan
    assert d.is_new("B")
    now[0] += 3.5
    assert not d.is_new("A")  # still held up (seen 3.5 s ago)
    now[0] += 4.5
    assert d.is_new("A")  # taken away and shown again later: a new scan


def test_wedge_takes_a_fast_burst_ended_by_enter() -> None:
    now = [0.0]
    w = KeyboardWedge(clock=lambda: now[0])
    for ch in PICKUP:
        now[0] += 0.004
        w.feed_text(ch)
    assert w.feed_enter() == PICKUP
    assert w.feed_enter() is None  # buffer consumed


def test_wedge_ignores_slow_typing_and_stray_keys() -> None:
    now = [0.0]
    w = KeyboardWedge(clock=lambda: now[0])
    w.feed_text("x")
    now[0] += 5  # a stray key long before the scan is not glued on
    for ch in "ABCDEFGH":
        now[0] += 0.01
        w.feed_text(ch)
    assert w.feed_enter() == "ABCDEFGH"
    w.feed_text("AB")
    assert w.feed_enter() is None  # too short to be a code


def test_image_sequence_source_repeats_and_idles(tmp_path: Path) -> None:
    idle = qr_images.empty_frame()
    path = tmp_path / "qr.png"
    cv2.imwrite(str(path), qr_images.on_paper(PICKUP))
    src = ImageSequenceSource([path], repeat=2, idle_frame=idle)
    first, second, third = src.read(), src.read(), src.read()
    assert first is not None and second is not None
    assert np.array_equal(first, second)
    assert third is idle
    src.push(qr_images.on_phone(PICKUP), repeat=1)
    assert src.read() is not idle


def test_open_source_specs(tmp_path: Path) -> None:
    assert open_source("none") is None
    assert open_source("") is None
    cv2.imwrite(str(tmp_path / "a.png"), qr_images.on_paper(PICKUP))
    folder = open_source(str(tmp_path))
    assert folder is not None and folder.read() is not None
    single = open_source(str(tmp_path / "a.png"))
    assert single is not None and single.read() is not None
    with pytest.raises(CameraUnavailable):
        open_source(str(tmp_path / "missing.mp4"))
    with pytest.raises(CameraUnavailable):
        open_source("57")  # no such camera here


def test_video_file_source_loops(tmp_path: Path) -> None:
    path = tmp_path / "demo.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5, (640, 480))
    for _ in range(3):
        writer.write(qr_images.empty_frame())
    writer.write(qr_images.on_paper(PICKUP))
    writer.release()
    src = open_source(str(path))
    assert src is not None
    decoder = ZxingDecoder()
    found = [decoder.decode(f) for f in (src.read() for _ in range(8)) if f is not None]
    assert found.count([PICKUP]) == 2  # looped once
    src.close()


def test_worker_reports_each_code_once_and_pauses() -> None:
    got: list[tuple[str, str]] = []
    seen = threading.Event()
    src = ImageSequenceSource(idle_frame=qr_images.empty_frame())
    worker = ScanWorker(
        src,
        ZxingDecoder(),
        lambda payload, source: (got.append((payload, source)), seen.set()),
        fps=50,
    )
    worker.start()
    try:
        src.push(qr_images.tilted(PICKUP), repeat=10)  # paused: nothing is read
        time.sleep(0.1)
        assert got == []
        worker.resume()
        assert seen.wait(HANG_GUARD)
        # The rest of the 10 frames pass: the 11th (idle) frame is read only once the 10th
        # was decoded and reported.
        wait_until(lambda: worker.latest_frame()[0] > 10, "the 10 frames decoded")
        assert got == [(PICKUP, "camera")]
        assert worker.decode_times
        seq, frame = worker.latest_frame()
        assert seq >= 10 and frame is not None
    finally:
        worker.stop()


def test_worker_survives_a_camera_that_dies() -> None:
    class Dying:
        def read(self) -> np.ndarray:
            raise CameraUnavailable("unplugged")

        def close(self) -> None:
            pass

    errors: list[Exception] = []
    worker = ScanWorker(Dying(), ZxingDecoder(), lambda *_: None, fps=50, on_error=errors.append)
    worker.start()
    worker.resume()
    wait_until(lambda: errors, "the worker to report the dead camera")
    worker.stop()
    assert errors and isinstance(errors[0], CameraUnavailable)
    assert not worker.active


@pytest.mark.parametrize("variant", ["dark_mode", "glare", "noise40", "tilt60", "jpeg5"])
def test_default_decoder_reads_the_hard_frames(variant: str) -> None:
    # Why zxing-cpp is the default: it reads these; pyzbar misses dark mode, glare and noise.
    frame = qr_images.HARD_VARIANTS[variant](PICKUP)
    assert make_decoder().decode(frame) == [PICKUP]


def test_demo_frame_folder_plays_as_a_camera(tmp_path: Path) -> None:
    assert qr_images.write_demo_frames(str(tmp_path), [PICKUP], hold=4, gap=2) == 6
    source = open_source(str(tmp_path))
    assert source is not None
    got: list[str] = []
    worker = ScanWorker(source, ZxingDecoder(), lambda p, _s: got.append(p))
    worker.resume()  # not started: step() by hand, one frame each
    for _ in range(6 * 3):  # each image is shown 3 times
        worker.step()
    assert got == [PICKUP]  # the blurry frames read nothing, the sharp ones once
