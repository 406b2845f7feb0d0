"""The loop every link to the hub runs: connect, work until the link breaks, wait, again.

Shared by the relay (events) and the off-site PDF uploader: each gives one `session`
coroutine (connect, work until `stop`, close); this retries it after a link error with a
jittered, doubling, capped pause, and ends it at once when `stop` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import nats.errors
import nats.js.errors

log = logging.getLogger("loket.sync")

LINK_ERRORS: tuple[type[BaseException], ...] = (
    nats.errors.Error,
    nats.js.errors.Error,
    TimeoutError,
    OSError,
)

Session = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


class Wake:
    """Another thread (an operator's page) asks the link for a round now and learns how it
    went: `ask()` gives a ticket, `wait(ticket)` returns True once a round begun after the
    ask has finished, False once one has failed (the link is down), None on timeout.

    The loop side: `begin()` at the start of a round (the asks it answers), `answer()` at
    its end; `event` is set while an ask waits, so a loop pausing after a failure wakes."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._cond = threading.Condition()
        self._asked = 0
        self._answered = 0
        self._ok = False

    def ask(self) -> int:
        with self._cond:
            self._asked += 1
            self.event.set()
            return self._asked

    def wait(self, ticket: int, timeout: float) -> bool | None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._answered >= ticket, timeout=timeout):
                return None
            return self._ok

    def begin(self) -> int:
        with self._cond:
            self.event.clear()
            return self._asked

    def answer(self, upto: int, *, ok: bool) -> None:
        with self._cond:
            if upto > self._answered:
                self._answered = upto
                self._ok = ok
            self._cond.notify_all()

    def fail_all(self) -> None:
        """The round failed: every ask so far learns the link is down."""
        with self._cond:
            self.event.clear()
            asked = self._asked
        self.answer(asked, ok=False)


async def _pause(stop: asyncio.Event, seconds: float, wake: Wake | None) -> None:
    """Waits `seconds`, ended early by `stop` or by an ask for a round now."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not stop.is_set() and not (wake is not None and wake.event.is_set()):
        left = deadline - loop.time()
        if left <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=min(left, 0.2))


async def keep_linked(
    session: Session,
    stop: asyncio.Event,
    *,
    retry_max_seconds: float,
    failed: Callable[[BaseException], None],
    what: str,
    wake: Wake | None = None,
) -> None:
    """Until `stop`: run `session`; after a link error wait (doubling, capped).

    `stop` ends a session at once, whatever it awaits: it is cancelled (work it did not
    record as done is done again next time, and the hub deduplicates it)."""
    delay = 0.2
    stopped = asyncio.create_task(stop.wait())
    while not stop.is_set():
        round_ = asyncio.create_task(session(stop))
        await asyncio.wait({round_, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not round_.done():
            round_.cancel()
            with contextlib.suppress(asyncio.CancelledError, *LINK_ERRORS):
                await round_
            break
        try:
            round_.result()
            delay = 0.2
        except LINK_ERRORS as exc:
            failed(exc)
            # Jittered: after a hub restart its villages must not all log in at once
            # (each login is a bcrypt check at the hub).
            pause = delay * random.uniform(0.5, 1.5)
            log.warning("%s link: %s; next try in %.1f s", what, type(exc).__name__, pause)
            await _pause(stop, pause, wake)
            delay = min(delay * 2, retry_max_seconds)
    stopped.cancel()


def start_in_thread(name: str, run: Session) -> threading.Event:
    """`run(stop)` in a daemon thread with its own event loop; set the event to stop it."""
    stop_flag = threading.Event()

    def main() -> None:
        async def watch() -> None:
            stop = asyncio.Event()

            async def poll() -> None:
                while not stop_flag.is_set():
                    await asyncio.sleep(0.5)
                stop.set()

            poller = asyncio.create_task(poll())
            await run(stop)
            poller.cancel()

        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(watch())
        finally:
            # A TLS stream nats-py could not close cleanly is collected on its own loop.
            gc.collect()
            loop.close()

    threading.Thread(target=main, name=name, daemon=True).start()
    return stop_flag
