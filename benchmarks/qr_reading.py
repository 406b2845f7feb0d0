"""QR reading on hard camera frames (issue 16): read counts per kind, time per frame.

    .venv/bin/python benchmarks/qr_reading.py [--per-kind 12] [--styles] [--json out.json]

Prints, for the set the decoder was tuned on (seed TUNE_SEED) and a held-out set made
with another seed (HELD_OUT_SEED), the frames each decoder read per kind and its time per
frame (median, p95), side by side: zxing-cpp raw (one plain call), pyzbar raw and the
kiosk's decoder (``kiosk_app.scanning.make_decoder().decode(frame)``). Frames come from
tests/support/camera_frames.py; the first seven kinds are the issue's.

Then "scanning feels instant": codes entering the view of a camera running at the
kiosk's frame rate (blurred while the hand moves, then held still), played through the
real ``ScanWorker``; the time from the first frame showing the code to the payload
callback (where the kiosk plays its "found" sound).

``--motion N`` (default 9) also measures N x 12 motion-only frames per seed group: the
group the motion deblur was developed on (seeds 5001...) and one it was only checked on
(seeds 6001...), so a change to it shows on more than the twelve motion frames of a set.

``--styles`` measures the symbol choices (error-correction level, secret length) on the
held-out set's seven issue kinds with the kiosk's decoder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DECODERS = ("zxing-raw", "pyzbar", "zxing")
LABELS = {"zxing-raw": "zxing-cpp raw", "pyzbar": "pyzbar raw", "zxing": "kiosk decoder"}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(frames: list[Any], decoder_name: str) -> dict[str, Any]:
    from kiosk_app.scanning import make_decoder

    decoder = make_decoder(decoder_name)
    decoder.decode(frames[0].image)  # imports and first-call setup are not a frame's cost
    read: Counter[str] = Counter()
    times, cpu = [], []
    for frame in frames:
        t0, c0 = time.perf_counter(), time.process_time()
        got = decoder.decode(frame.image)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        read[frame.kind] += frame.payload in got
    return {
        "read": dict(read),
        "total": sum(read.values()),
        "frames": len(frames),
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": pct(times, 0.95) * 1000,
        "max_ms": max(times) * 1000,
        # CPU time: what a frame costs when other work (other tests, a build) shares the
        # two cores and stretches the wall-clock figures.
        "cpu_median_ms": statistics.median(cpu) * 1000,
        "cpu_p95_ms": pct(cpu, 0.95) * 1000,
    }


def print_table(title: str, kinds: tuple[str, ...], per_kind: int, rows: dict[str, Any]) -> None:
    from tests.support.camera_frames import ISSUE_KINDS

    print(f"\n{title}")
    print(f"{'kind':<20}" + "".join(f"{LABELS[d]:>16}" for d in rows))
    for kind in kinds:
        mark = "*" if kind in ISSUE_KINDS else " "
        cells = "".join(f"{rows[d]['read'].get(kind, 0):>13}/{per_kind:<2}" for d in rows)
        print(f"{mark} {kind:<18}{cells}")
    issue = {d: sum(rows[d]["read"].get(k, 0) for k in ISSUE_KINDS) for d in rows}
    n_issue = per_kind * len(ISSUE_KINDS)
    print(f"{'* the seven kinds':<20}" + "".join(f"{issue[d]:>13}/{n_issue:<2}" for d in rows))
    print(
        f"{'all kinds':<20}" + "".join(f"{r['total']:>12}/{r['frames']:<3}" for r in rows.values())
    )
    print(f"{'median ms/frame':<20}" + "".join(f"{r['median_ms']:>16.1f}" for r in rows.values()))
    print(f"{'p95 ms/frame':<20}" + "".join(f"{r['p95_ms']:>16.1f}" for r in rows.values()))
    print(f"{'max ms/frame':<20}" + "".join(f"{r['max_ms']:>16.1f}" for r in rows.values()))
    print(f"{'CPU median ms':<20}" + "".join(f"{r['cpu_median_ms']:>16.1f}" for r in rows.values()))
    print(f"{'CPU p95 ms':<20}" + "".join(f"{r['cpu_p95_ms']:>16.1f}" for r in rows.values()))
    print(f"(load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


# --------------------------------------------------------------------------- motion
MOTION_GROUPS = (("developed on", 5001), ("checked on", 6001))


def measure_motion(seeds: int) -> dict[str, Any]:
    """Motion-only frames from seeds neither the tuning nor the held-out set uses."""
    from tests.support import camera_frames as cf

    out: dict[str, Any] = {}
    for label, first in MOTION_GROUPS:
        seeds_used = range(first, first + seeds)
        frames = [cf.make_frame("motion", seed, i) for seed in seeds_used for i in range(12)]
        out[label] = {name: measure(frames, name) for name in DECODERS}
    return out


def print_motion(rows: dict[str, Any], seeds: int) -> None:
    print(f"\nMotion blur only, {seeds} seeds x 12 frames per group")
    heads = "".join(f"{LABELS[d]:>16}" for d in DECODERS)
    print(f"{'group':<28}{heads}{'kiosk p95 ms':>16}")
    for (label, first), group in zip(MOTION_GROUPS, rows.values(), strict=True):
        cells = "".join(f"{group[d]['total']:>12}/{group[d]['frames']:<3}" for d in DECODERS)
        name = f"{label} ({first}-{first + seeds - 1})"
        print(f"{name:<28}{cells}{group['zxing']['p95_ms']:>16.1f}")


# --------------------------------------------------------------------------- latency
def entering_video(seed: int, index: int, fps: float) -> tuple[str, list[Any]]:
    """A code brought into view: moving fast, slowing, then held (1.5 s at ``fps``)."""
    import cv2
    import numpy as np

    from kiosk_app.qr_reading import line_kernel
    from tests.support import camera_frames as cf

    rng = np.random.default_rng([seed, 99, index])
    payload = cf.pickup_payload(rng)
    scene = cf._any_scene(rng, payload, None)
    ppm = cf._cam_ppm(rng, 12, 20)
    angle = rng.uniform(0, np.pi)
    frames = []
    for i in range(int(1.5 * fps)):
        # The hand decelerates: blur length in pixels per frame falls off.
        blur = max(0.0, 24.0 * (0.6**i) - 1.0)
        frame_rng = np.random.default_rng([seed, 99, index, 7])  # same pose while held
        img, _ = cf._place(frame_rng, scene, ppm)
        shift = int(blur * 4)
        img = np.roll(img, shift, axis=1)
        if blur >= 1.0:
            img = cv2.filter2D(img, -1, line_kernel(blur, angle))
        frames.append(cf._finish(np.random.default_rng([seed, index, i]), cf._noise(rng, img, 3)))
    return payload, frames


def scan_latency(codes: int, fps: float) -> dict[str, Any]:
    """Through the real ScanWorker, paced at the camera's rate."""
    from kiosk_app import qr_images
    from kiosk_app.scanning import Deduper, ImageSequenceSource, ScanWorker, make_decoder

    found: dict[str, float] = {}
    got = threading.Event()

    def on_payload(payload: str, _source: str) -> None:
        found[payload] = time.monotonic()
        got.set()

    source = ImageSequenceSource(idle_frame=qr_images.empty_frame())
    worker = ScanWorker(source, make_decoder(), on_payload, deduper=Deduper(0.1), fps=fps)
    worker.start()
    worker.resume()
    latencies, frames_needed, missed = [], [], 0
    try:
        for index in range(codes):
            payload, video = entering_video(7, index, fps)
            got.clear()
            shown = time.monotonic()
            for frame in video:
                source.push(frame, repeat=1)
            if got.wait(len(video) / fps + 5.0) and payload in found:
                latency = found[payload] - shown
                latencies.append(latency)
                frames_needed.append(latency * fps)
            else:
                missed += 1
            # Let the video run out before the next code enters.
            while source._frames:
                time.sleep(0.01)
    finally:
        worker.stop()
    return {
        "codes": codes,
        "fps": fps,
        "found": len(latencies),
        "missed": missed,
        "median_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p95_ms": pct(latencies, 0.95) * 1000 if latencies else float("nan"),
        "median_frames": statistics.median(frames_needed) if frames_needed else float("nan"),
    }


# --------------------------------------------------------------------------- styles
def compare_styles(per_kind: int) -> dict[str, Any]:
    """The same frames (seed, poses, effects) with each symbol choice rendered in them."""
    from tests.support import camera_frames as cf

    styles = {
        "M, secret 32, receipt 6 dots (before)": cf.SymbolStyle("M", 32, 4, 6),
        "M, secret 26, receipt 6 dots": cf.SymbolStyle("M", 26, 4, 6),
        "Q, secret 26, receipt 6 dots": cf.SymbolStyle("Q", 26, 4, 6),
        "L, secret 26, receipt 8 dots": cf.SymbolStyle("L", 26, 4, 8),
        "M, secret 26, receipt 8 dots": cf.SymbolStyle("M", 26, 4, 8),
        "Q, secret 26, receipt 8 dots": cf.SymbolStyle("Q", 26, 4, 8),
        "H, secret 26, receipt 8 dots": cf.SymbolStyle("H", 26, 4, 8),
        "Q, secret 26, receipt 8 dots, quiet 2": cf.SymbolStyle("Q", 26, 2, 8),
    }
    out = {}
    for label, style in styles.items():
        frames = cf.frame_set(
            cf.HELD_OUT_SEED, per_kind=per_kind, kinds=cf.ISSUE_KINDS, style=style
        )
        out[label] = measure(frames, "zxing")
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-kind", type=int, default=12)
    parser.add_argument("--codes", type=int, default=20, help="codes for the scan latency")
    parser.add_argument("--fps", type=float, default=8.0, help="the kiosk's camera.fps")
    parser.add_argument("--motion", type=int, default=9, help="seeds per motion-only group")
    parser.add_argument("--styles", action="store_true", help="also compare symbol choices")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    from tests.support import camera_frames as cf

    results: dict[str, Any] = {
        "per_kind": args.per_kind,
        "issue_kinds": list(cf.ISSUE_KINDS),
        "issue_frames": args.per_kind * len(cf.ISSUE_KINDS),
    }
    for label, seed in (("tuned on", cf.TUNE_SEED), ("held out", cf.HELD_OUT_SEED)):
        t0 = time.perf_counter()
        frames = cf.frame_set(seed, per_kind=args.per_kind)
        made = time.perf_counter() - t0
        rows = {name: measure(frames, name) for name in DECODERS}
        results[label] = rows
        print_table(
            f"QR reading, set {label} (seed {seed}, {len(frames)} frames of 640x480, "
            f"made in {made:.0f} s; * = the issue's seven kinds)",
            cf.KINDS,
            args.per_kind,
            rows,
        )
    if args.motion:
        results["motion"] = motion = measure_motion(args.motion)
        print_motion(motion, args.motion)
    results["latency"] = lat = scan_latency(args.codes, args.fps)
    print(
        f"\ncode enters the view -> found (real ScanWorker at {lat['fps']:.0f} fps): "
        f"median {lat['median_ms']:.0f} ms, p95 {lat['p95_ms']:.0f} ms, "
        f"median {lat['median_frames']:.1f} frame intervals; "
        f"found {lat['found']}/{lat['codes']}"
    )
    if args.styles:
        results["styles"] = styles = compare_styles(args.per_kind)
        print("\nSymbol choices, held-out set, seven issue kinds, kiosk decoder")
        for label, row in styles.items():
            kinds = " ".join(f"{k}:{row['read'].get(k, 0)}" for k in cf.ISSUE_KINDS)
            print(f"  {label:<40} {row['total']:>3}/{row['frames']}  ({kinds})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
