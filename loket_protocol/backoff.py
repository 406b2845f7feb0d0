"""Failures per key with a doubling wait, in memory: the office's guessing limits
(`office_server.ratelimit`) and the hub's per-address login limit use the one class
(the hub may not import office_server, so it lives in the shared leaf)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

Clock = Callable[[], float]
# Keys remembered before the idlest is forgotten: memory stays bounded even when every
# request comes with a new address or user name.
MAX_KEYS = 10_000


class Backoff:
    """Failures per key. After `free` failures the key waits `base_delay` from its latest
    failure before it may try again, and the wait doubles with every further failure, up
    to `max_delay`. A key that stays quiet for `forget_after` starts over.

    A person who mistypes twice never notices it; a guesser gets one try per `max_delay`.
    """

    def __init__(
        self,
        *,
        free: int,
        base_delay: float,
        max_delay: float,
        forget_after: float,
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
        """Seconds the key must still wait before its next try (0: it may try now)."""
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
