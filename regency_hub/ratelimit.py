"""The hub's limits, in memory: `loket hub serve` runs one web process, so memory is
enough, and a restart only gives a guesser a fresh start. The hub may not import
office_server, so these are written after the office's `ratelimit` rather than shared.

- `Limiter` / `ResidentLimits`: the residents' side, filing and status lookups per client
  address and per village; a token bucket per key, refilled continuously. A refused call
  learns how long to wait (Retry-After).
- `AddressBackoff`: failed staff logins per client address. Per user name the count is in
  PostgreSQL (`staff.py`); this one stops a guesser who tries a new name each time.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from loket_protocol.backoff import Backoff, Clock

# Buckets not touched for this long are forgotten (a full bucket is the same as none).
_FORGET_AFTER_SECONDS = 3600.0
_SWEEP_EVERY = 10_000


@dataclass
class _Bucket:
    tokens: float
    at: float


class Limiter:
    """`per_minute` calls a minute per key on average, bursts up to `burst`."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def take(self, key: str) -> int:
        """0 if the call may go ahead, else the seconds to wait before the next one."""
        now = time.monotonic()
        with self._lock:
            self._calls += 1
            if self._calls % _SWEEP_EVERY == 0:
                self._sweep(now)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))

    def _sweep(self, now: float) -> None:
        stale = [k for k, b in self._buckets.items() if now - b.at > _FORGET_AFTER_SECONDS]
        for key in stale:
            del self._buckets[key]


@dataclass
class ResidentLimits:
    """Filing and status lookups, each per client address and per village."""

    filing_ip: Limiter
    filing_village: Limiter
    status_ip: Limiter
    status_village: Limiter

    def check(self, what: str, ip: str, village: str) -> int:
        per_ip, per_village = (
            (self.filing_ip, self.filing_village)
            if what == "filing"
            else (self.status_ip, self.status_village)
        )
        return per_ip.take(ip) or per_village.take(village)


# A regency office's staff share one address (NAT), so more free tries than per name.
FREE_FAILURES = 20
FIRST_WAIT_SECONDS = 30.0
MAX_WAIT_SECONDS = 15 * 60.0
FORGET_AFTER_SECONDS = 30 * 60.0


class AddressBackoff(Backoff):
    """Failed staff logins per client address: after FREE_FAILURES a wait from
    FIRST_WAIT_SECONDS doubling to MAX_WAIT_SECONDS; quiet for FORGET_AFTER_SECONDS, an
    address starts over."""

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        super().__init__(
            free=FREE_FAILURES,
            base_delay=FIRST_WAIT_SECONDS,
            max_delay=MAX_WAIT_SECONDS,
            forget_after=FORGET_AFTER_SECONDS,
            clock=clock,
        )
