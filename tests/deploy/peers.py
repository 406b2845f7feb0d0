"""Real network peers for `loket doctor`: an NTP server with a clock of our choosing, a
hub that answers HTTP, and a loop-mounted file system we can fill."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

NTP_EPOCH = 2_208_988_800


def _ntp_stamp(t: float) -> bytes:
    return struct.pack("!II", int(t) + NTP_EPOCH, int((t % 1) * 2**32))


class NtpServer:
    """Answers SNTP requests with its clock `offset` seconds ahead of ours (or never, when
    `silent`: a server that is not reachable)."""

    def __init__(self, *, offset: float = 0.0, silent: bool = False) -> None:
        self.offset = offset
        self.silent = silent
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                data, peer = self.sock.recvfrom(512)
            except OSError:
                return
            if self.silent or len(data) < 48:
                continue
            now = time.time() + self.offset
            header = struct.pack("!BBbb", 0x24, 1, 0, -20) + bytes(8) + b"LOCL"
            reply = header + _ntp_stamp(now) + data[40:48] + _ntp_stamp(now) + _ntp_stamp(now)
            self.sock.sendto(reply, peer)

    def close(self) -> None:
        self.sock.close()


class _Hub(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)  # send_response adds the Date header the doctor reads
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_: object) -> None:
        pass


@contextlib.contextmanager
def hub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def small_filesystem(folder: Path, *, size_mb: int = 16, label: str = "") -> Iterator[Path]:
    """An ext4 file system in a file, loop-mounted at `folder` (skips where it cannot)."""
    if os.geteuid() != 0:
        pytest.skip("!!! LOOP FILE SYSTEM TEST SKIPPED: needs root to mount")
    image = folder.with_suffix(".img")
    with image.open("wb") as fh:
        fh.truncate(size_mb * 2**20)
    made = subprocess.run(
        ["mkfs.ext4", "-q", *(["-L", label] if label else []), str(image)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if made.returncode != 0:
        pytest.skip(f"!!! LOOP FILE SYSTEM TEST SKIPPED: mkfs.ext4: {made.stderr.strip()}")
    folder.mkdir(exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-o", "loop", str(image), str(folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if mounted.returncode != 0:
        pytest.skip(f"!!! LOOP FILE SYSTEM TEST SKIPPED: mount: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False, timeout=120)
        image.unlink()


@contextlib.contextmanager
def loop_device(image: Path) -> Iterator[Path]:
    """`image` attached to a free loop device, not mounted (a USB disk just plugged in)."""
    done = subprocess.run(
        ["losetup", "--find", "--show", str(image)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        pytest.skip(f"!!! USB COPY TEST SKIPPED: losetup: {done.stderr.strip()}")
    device = Path(done.stdout.strip())
    try:
        yield device
    finally:
        subprocess.run(["losetup", "--detach", str(device)], check=False, timeout=120)
