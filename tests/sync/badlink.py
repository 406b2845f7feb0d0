"""A bad village link made of real kernel parts, since these kernels have no netem.

The village runs in its own network namespace, joined to the host (where the hub runs)
by a veth pair. Loss: nftables drops a random share of packets both ways
(`numgen random mod 10 < N drop`). Rate: `tc tbf` on both ends of the veth. Delay: a
small asyncio TCP proxy on the host side holds every chunk for a fixed time, in order.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


class NoNamespaces(RuntimeError):
    """Namespaces or their tools are not available here (not root, no ip/nft/tc)."""


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


@dataclass(frozen=True)
class Link:
    namespace: str
    host_ip: str
    village_ip: str


@contextmanager
def bad_link(*, loss_in_10: int, rate_kbit: int) -> Iterator[Link]:
    """A namespace for the village behind a lossy, slow veth; removed afterwards."""
    if os.geteuid() != 0:
        raise NoNamespaces("not root")
    for tool in ("ip", "nft", "tc"):
        if shutil.which(tool) is None:
            raise NoNamespaces(f"{tool} is not installed (scripts/apt-packages.txt)")
    tag = uuid.uuid4().hex[:6]
    ns, host_if, ns_if = f"loket-{tag}", f"lh{tag}", f"lv{tag}"
    octet = int(tag[:2], 16) % 200 + 20
    host_ip, village_ip = f"10.213.{octet}.1", f"10.213.{octet}.2"
    try:
        _run("ip", "netns", "add", ns)
    except subprocess.CalledProcessError as exc:
        raise NoNamespaces(f"ip netns add failed: {exc.stderr.decode().strip()}") from exc
    try:
        _run("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        _run("ip", "link", "set", ns_if, "netns", ns)
        _run("ip", "addr", "add", f"{host_ip}/24", "dev", host_if)
        _run("ip", "link", "set", host_if, "up")
        _run("ip", "netns", "exec", ns, "ip", "addr", "add", f"{village_ip}/24", "dev", ns_if)
        _run("ip", "netns", "exec", ns, "ip", "link", "set", ns_if, "up")
        _run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        shape = ["tbf", "rate", f"{rate_kbit}kbit", "burst", "4kb", "latency", "2s"]
        _run("tc", "qdisc", "add", "dev", host_if, "root", *shape)
        _run("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", ns_if, "root", *shape)
        if loss_in_10:
            rules = (
                "table inet loketloss {\n"
                " chain in { type filter hook input priority 0; "
                f"numgen random mod 10 < {loss_in_10} drop; }}\n"
                " chain out { type filter hook output priority 0; "
                f"numgen random mod 10 < {loss_in_10} drop; }}\n"
                "}\n"
            )
            subprocess.run(
                ["ip", "netns", "exec", ns, "nft", "-f", "-"],
                input=rules.encode(),
                check=True,
                capture_output=True,
            )
        yield Link(namespace=ns, host_ip=host_ip, village_ip=village_ip)
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


class DelayProxy:
    """Forwards TCP from (host, port) to (target_host, target_port), every chunk held
    `delay` seconds each way, in order. Runs its own event loop in a thread."""

    def __init__(self, host: str, target: tuple[str, int], delay: float) -> None:
        self.host, self.target, self.delay = host, target, delay
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True, name="delay-proxy")

    def __enter__(self) -> DelayProxy:
        self._thread.start()
        self._ready.wait()
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, self.host, 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        tasks = asyncio.all_tasks(self._loop)
        for task in tasks:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer),
                self._pipe(up_reader, writer),
                return_exceptions=True,
            )
        finally:
            for each in (writer, up_writer):
                each.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - loop.time()))
                writer.write(data)
                await writer.drain()
            writer.close()

        sender = asyncio.create_task(deliver())
        try:
            while data := await reader.read(65536):
                queue.put_nowait((loop.time() + self.delay, data))
        finally:
            queue.put_nowait((loop.time(), b""))
            await asyncio.gather(sender, return_exceptions=True)
