"""A TCP proxy in front of the office server that drops uploads halfway, as a phone's
signal does: the connection carrying each of the first `drops` matching requests is
closed on both sides when half of that request's body (by its Content-Length) has gone
through.

Chromium itself resends a request (up to twice), without telling the page, when it
failed on a reused keep-alive connection; dropping three in a row makes sure the page's
own retry is what finally gets the photo through."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from dataclasses import dataclass, field

from tests.support.server import free_port


@dataclass
class CuttingProxy:
    target_port: int
    marker: bytes
    drops: int = 1
    # The Content-Length of every matching request that came through, cut or not.
    lengths: list[int] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    cuts: int = 0
    _listener: socket.socket | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        if self._listener:
            self._listener.close()

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed by stop()
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump_up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _should_cut(self) -> bool:
        with self._lock:
            if self.cuts >= self.drops:
                return False
            self.cuts += 1
            return True

    def _pump_up(self, src: socket.socket, dst: socket.socket) -> None:
        """Browser to server; counts the bytes of a matching request and cuts once."""
        counting, sent, cut_at = False, 0, 0
        try:
            while data := src.recv(16384):
                if not counting and self.marker in data:
                    head = data[data.index(self.marker) :]
                    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                    end = head.find(b"\r\n\r\n")
                    assert length and end > 0, "the request's headers come in one read"
                    self.lengths.append(int(length.group(1)))
                    if self.cuts < self.drops:
                        counting = True
                        cut_at = end + 4 + int(length.group(1)) // 2
                if counting:
                    room = cut_at - sent
                    if len(data) >= room and self._should_cut():
                        dst.sendall(data[:room])
                        _close(src, dst)
                        return
                    sent += len(data)
                dst.sendall(data)
        except OSError:
            pass
        _close(src, dst)

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(16384):
                dst.sendall(data)
        except OSError:
            pass
        _close(src, dst)


def _close(*sockets: socket.socket) -> None:
    for s in sockets:
        with contextlib.suppress(OSError):  # already gone
            s.shutdown(socket.SHUT_RDWR)
        s.close()
