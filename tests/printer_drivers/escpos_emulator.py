"""An emulated ESC/POS printer: the printer itself (PrinterModel) and on a TCP port.

PrinterModel behaves like an Epson-class printer, as far as the kiosk can see, over any
byte stream (the TCP emulator below, a pty standing in for a serial port, a fake USB
device):

* it records the commands it worked through (``printed``; ``paper()`` decodes them
  into what would be on the paper);
* it answers DLE EOT n (real-time status) at once, even when stopped, with the Epson
  status bytes (fixed bits 0x12, offline 0x08, cover open 0x04, paper end 0x20 / 0x60,
  near end 0x0C);
* it answers GS r 1 in order, only after everything before it was worked through;
  a printer with no paper, an open cover or ``busy`` set keeps that data in its
  buffer (``load_paper()`` resumes it);
* faults on request: ``paper_out``, ``cover_open``, ``error``, ``paper_out_after``
  (the roll ends after that many bytes were printed), ``answer_status`` /
  ``answer_gs_r`` False (a printer that cannot talk back) and ``busy`` (working, not
  finishing until ``finish()``).

EscposEmulator serves it on a loopback port like port 9100, records every byte
(``received``, per connection ``connections``) and can ``drop_after`` that many bytes
(a reset mid-job). One connection at a time, like a real printer.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType

from escpos_decoder import Command, Paper, decode, split_commands

from tests.support.waiting import wait_until


class PrinterModel:
    def __init__(self, *, answer_status: bool = True, answer_gs_r: bool = True) -> None:
        self.answer_status = answer_status
        self.answer_gs_r = answer_gs_r
        self.paper_out = False
        self.paper_low = False
        self.cover_open = False
        self.error = False
        self.busy = False
        self.paper_out_after: int | None = None

        self.printed = bytearray()
        self.status_queries: list[int] = []
        self.gs_r_queries = 0

        self._pending: list[Command] = []
        self._stream = bytearray()
        self._parsed = 0
        self._lock = threading.RLock()

    def feed(self, data: bytes) -> bytes:
        """Take bytes from the host; return the printer's replies."""
        with self._lock:
            self._stream += data
            commands, self._parsed = split_commands(self._stream, self._parsed)
            if self._parsed > 65536:  # keep only the unparsed tail
                del self._stream[: self._parsed]
                self._parsed = 0
            replies = bytearray()
            for command in commands:
                if command.name == "DLE EOT":
                    n = command.raw[2]
                    self.status_queries.append(n)
                    if self.answer_status:
                        replies.append(self.status_byte(n))
                else:
                    self._pending.append(command)
            replies += self._work()
            return bytes(replies)

    def new_stream(self) -> None:
        """A new connection: half a command left by the previous one is dropped."""
        with self._lock:
            self._stream.clear()
            self._parsed = 0

    def load_paper(self) -> bytes:
        """Paper is back: work through what was waiting in the buffer."""
        with self._lock:
            self.paper_out = False
            self.paper_out_after = None
            return self._work()

    def paper(self) -> Paper:
        with self._lock:
            return decode(bytes(self.printed))

    def status_byte(self, n: int) -> int:
        stopped = self.paper_out or self.cover_open
        if n == 1:
            return 0x12 | (0x08 if stopped else 0)
        if n == 2:
            return (
                0x12
                | (0x04 if self.cover_open else 0)
                | (0x20 if self.paper_out else 0)
                | (0x40 if self.error else 0)
            )
        if n == 3:
            return 0x12
        return 0x12 | (0x0C if self.paper_low else 0) | (0x60 if self.paper_out else 0)

    def gs_r_waiting(self) -> bool:
        """Whether a GS r query sits in the buffer behind work not yet done."""
        with self._lock:
            return any(command.name == "GS r" for command in self._pending)

    def _work(self) -> bytes:
        replies = bytearray()
        while self._pending and not (self.paper_out or self.cover_open or self.busy):
            command = self._pending.pop(0)
            if command.name == "GS r":
                self.gs_r_queries += 1
                if self.answer_gs_r:
                    low = 0x03 if self.paper_low else 0
                    replies.append(low | (0x0C if self.paper_out else 0))
                continue
            self.printed += command.raw
            if self.paper_out_after is not None and len(self.printed) >= self.paper_out_after:
                self.paper_out = True
        return bytes(replies)


class EscposEmulator(PrinterModel):
    def __init__(self, *, answer_status: bool = True, answer_gs_r: bool = True) -> None:
        super().__init__(answer_status=answer_status, answer_gs_r=answer_gs_r)
        self.drop_after: int | None = None
        self.received = bytearray()
        self.connections: list[bytes] = []
        self._stopping = threading.Event()
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(4)
        self._server.settimeout(0.05)
        self.host, self.port = self._server.getsockname()
        self._thread = threading.Thread(target=self._serve, name="escpos-emulator", daemon=True)
        self._client: socket.socket | None = None

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> EscposEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._server.close()

    def __enter__(self) -> EscposEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def url(self, **params: object) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"escpos+tcp://{self.host}:{self.port}" + (f"?{query}" if query else "")

    # --- what the test looks at -----------------------------------------------------------

    def wait_for_connections(self, count: int) -> None:
        """Wait until ``count`` connections were closed and everything in them handled.

        Needed after a print that returned unconfirmed: the kiosk is done before the
        printer has read the last bytes.
        """

        def handled() -> bool:
            with self._lock:
                return len(self.connections) >= count

        wait_until(handled, f"{count} printer connections handled")

    def load_paper(self) -> bytes:
        replies = super().load_paper()
        self._send(replies)
        return replies

    def finish(self) -> None:
        """A ``busy`` printer gets through its buffer (and answers a waiting GS r)."""
        with self._lock:
            self.busy = False
            self._send(self._work())

    def send_unasked(self, byte: int) -> None:
        """A byte nobody asked for, e.g. an Epson printer's reply to a DLE EOT n
        sequence that happened to occur inside raster data it is printing."""
        self._send(bytes([byte]))

    def reset_records(self) -> None:
        with self._lock:
            self.received.clear()
            self.connections.clear()
            self.printed.clear()
            self.status_queries.clear()
            self.gs_r_queries = 0

    # --- serving ----------------------------------------------------------------------------

    def _send(self, replies: bytes) -> None:
        client = self._client
        if replies and client is not None:
            with contextlib.suppress(OSError):
                client.sendall(replies)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._client = client
            self.new_stream()
            mine = bytearray()
            try:
                self._session(client, mine)
            finally:
                self._client = None
                client.close()
                with self._lock:
                    self.connections.append(bytes(mine))

    def _session(self, client: socket.socket, mine: bytearray) -> None:
        client.settimeout(0.05)
        while not self._stopping.is_set():
            try:
                chunk = client.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            limit = self.drop_after
            dropping = limit is not None and len(mine) + len(chunk) >= limit
            if limit is not None and dropping:
                chunk = chunk[: limit - len(mine)]
            mine += chunk
            with self._lock:
                self.received += chunk
            self._send(self.feed(chunk))
            if dropping:
                # A reset, not a polite close: the way a printer that loses power or
                # its link looks to the sender.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
