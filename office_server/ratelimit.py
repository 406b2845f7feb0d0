"""In-process limits on guessing and flooding: sliding windows and back-off.

One office server is one process, so memory is enough; a restart forgets, which only
gives a guesser a fresh start. Every limiter takes a clock (seconds, monotonic), so
tests move time instead of sleeping. `Limits` holds the app's limiters, built from the
settings; create_app() puts it on `app.state.limits` and deps.py reads it from there.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from loket_protocol.backoff import Backoff
from office_server.config import Settings

Clock = Callable[[], float]
# Keys a limiter remembers before it forgets the idlest: memory stays bounded even when
# every request comes with a new address or user name.
MAX_KEYS = 10_000


class RateLimiter:
    """At most `limit` hits per key within a sliding `window_seconds`."""

    def __init__(
        self, limit: int, window_seconds: float = 60.0, *, clock: Clock = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _current(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            self._forget_idle(now)
        else:
            self._hits.move_to_end(key)
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def _forget_idle(self, now: float) -> None:
        if len(self._hits) <= MAX_KEYS:
            return
        for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[k]
        while len(self._hits) > MAX_KEYS:
            self._hits.popitem(last=False)

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._current(key, self.clock())) >= self.limit

    def hit(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            self._current(key, now).append(now)

    def take(self, key: str) -> bool:
        """Counts a hit if the key is under its limit (checked and counted at once)."""
        with self._lock:
            now = self.clock()
            hits = self._current(key, now)
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def give_back(self, key: str) -> None:
        """Undoes the latest `take` (what it was taken for did not happen)."""
        with self._lock:
            hits = self._hits.get(key)
            if hits:
                hits.pop()

    def retry_after(self, key: str) -> float:
        """Seconds until the key is under its limit again (0 if it is now)."""
        with self._lock:
            now = self.clock()
            hits = self._current(key, now)
            if len(hits) < self.limit:
                return 0.0
            return max(0.0, hits[len(hits) - self.limit] + self.window - now)


def whole_seconds(seconds: float) -> int:
    """A wait as people read it (and as Retry-After carries it): whole seconds, at least 1."""
    return max(1, math.ceil(seconds))


@dataclass
class Limits:
    """Every limiter of one app (docs/DESIGN.md, Security)."""

    # Wrong secrets and tokens (status lookups, verification): per client and in all.
    lookups: RateLimiter
    lookups_total: RateLimiter
    # Operator logins: per address, per user name, per trusted browser, and in all.
    login_address: Backoff
    login_user: Backoff
    login_device: Backoff
    login_total: RateLimiter
    # Anonymous filing (phone form and JSON API): per address and in all.
    filing_address: RateLimiter
    filing_total: RateLimiter
    # Kiosk scans of wrong pickup QRs: per kiosk and per request code.
    scan_kiosk: Backoff
    scan_code: Backoff
    # PDFs uploaded to a verification page to compare, per client, matching or not.
    uploads: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = time.monotonic) -> Limits:
        def login_backoff() -> Backoff:
            return Backoff(
                free=settings.login_free_failures,
                base_delay=2.0,
                max_delay=settings.login_max_delay_seconds,
                forget_after=max(900.0, settings.login_max_delay_seconds * 2),
                clock=clock,
            )

        return cls(
            lookups=RateLimiter(settings.lookup_rate_per_minute, clock=clock),
            lookups_total=RateLimiter(settings.lookup_total_per_minute, clock=clock),
            login_address=login_backoff(),
            login_user=login_backoff(),
            login_device=login_backoff(),
            login_total=RateLimiter(settings.login_total_failures_per_minute, clock=clock),
            filing_address=RateLimiter(settings.filing_per_address_per_hour, 3600, clock=clock),
            filing_total=RateLimiter(settings.filing_per_hour, 3600, clock=clock),
            scan_kiosk=Backoff(
                free=settings.scan_free_failures,
                base_delay=1.0,
                max_delay=settings.scan_max_delay_seconds,
                forget_after=60.0,
                clock=clock,
            ),
            scan_code=Backoff(
                free=3, base_delay=2.0, max_delay=60.0, forget_after=900.0, clock=clock
            ),
            uploads=RateLimiter(settings.verify_uploads_per_minute, clock=clock),
        )
