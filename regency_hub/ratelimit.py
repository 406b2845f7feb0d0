"""Failed staff logins per client address, in memory: the hub's web app is one process
(`loket hub serve`), so memory is enough, and a restart only gives a guesser a fresh
start. Per user name the count is in PostgreSQL (`staff.py`); this one stops a guesser
who tries a new name each time. Written after the office's `ratelimit.Backoff` (the hub
may not import office_server).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

Clock = Callable[[], float]
# Addresses remembered before the idlest is forgotten: memory stays bounded.
MAX_KEYS = 10_000
# A regency office's staff share one address (NAT), so more free tries than per name.
FREE_FAILURES = 20
FIRST_WAIT_SECONDS = 30.0
MAX_WAIT_SECONDS = 15 * 60.0
FORGET_AFTER_SECONDS = 30 * 60.0


class AddressBackoff:
    """After `free` failures from one address it waits `base_delay` from its latest
    failure, doubling with each further failure up to `max_delay`; quiet for
    `forget_after`, it starts over."""

    def __init__(
        self,
        *,
        free: int = FREE_FAILURES,
        base_delay: float = FIRST_WAIT_SECONDS,
        max_delay: float = MAX_WAIT_SECONDS,
        forget_after: float = FORGET_AFTER_SECONDS,
        clock: Clock = time.monotonic,
    ) -> None:
        self.free = free
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.forget_after = forget_after
        self.clock = clock
        self._state: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _failures(self, key: str, now: float) -> tuple[int, float]:
        failures, last = self._state.get(key, (0, now))
        if failures and now - last >= self.forget_after:
            del self._state[key]
            return 0, now
        return failures, last

    def _delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return float(min(self.max_delay, self.base_delay * 2 ** min(failures - self.free, 30)))

    def wait(self, key: str) -> float:
        """Seconds the address must still wait (0: it may try now)."""
        with self._lock:
            now = self.clock()
            failures, last = self._failures(key, now)
            return max(0.0, last + self._delay(failures) - now)

    def fail(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            failures, _ = self._failures(key, now)
            self._state[key] = (failures + 1, now)
            self._state.move_to_end(key)
            while len(self._state) > MAX_KEYS:
                self._state.popitem(last=False)

    def clear(self, key: str) -> None:
        with self._lock:
            self._state.pop(key, None)
