"""A WhatsApp/SMS gateway on a real port, as villages rent one: it records every POST,
honours `Idempotency-Key` like a careful gateway (a key seen before is not sent again)
and fails on demand: down (503) or hanging until the test lets it answer."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Received:
    key: str
    headers: dict[str, str]
    body: dict[str, Any]
    answered: int


@dataclass
class FakeGateway:
    url: str
    mode: str = "up"  # up, down, hang
    received: list[Received] = field(default_factory=list)
    # key -> body: what the gateway passed on to WhatsApp, once per key.
    delivered: dict[str, dict[str, Any]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def fake_gateway() -> Iterator[FakeGateway]:
    state = FakeGateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Type", "").startswith("application/json"):
                body = json.loads(raw)
            else:
                body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            key = self.headers.get("Idempotency-Key", "")
            mode = state.mode
            status = 503 if mode == "down" else 200
            with state.lock:
                state.received.append(Received(key, dict(self.headers), body, status))
                if status == 200:
                    # Passed on at once: a hang below loses only the answer, as on a bad link.
                    state.delivered.setdefault(key, body)
            if mode == "hang":
                state.release.wait(30)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": true}')

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
