"""Turnaround percentiles read from a histogram instead of sorting a month of requests.

The trigger on `request_states` (migration h0005, SQL function `turnaround_bucket`)
counts each leg of each request in one bucket: bucket 0 under a minute, bucket k in
1..136 the durations in [2^((k-1)/8), 2^(k/8)) minutes, bucket 137 from 2^17 minutes
(91 days) on. A percentile is found as `percentile_cont` finds it (linear between the
two neighbouring ranks), with each rank's value taken as its bucket's geometric middle:
every value is then within a factor 2^(1/16) (4.4 %) of the true one, so is a mix of
two. Under a minute reads as 0; beyond 91 days as 91 days.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

PER_OCTAVE = 8
LAST_BUCKET = 137  # 17 octaves of minutes above one minute, and the rest
RELATIVE_ERROR = 2 ** (1 / (2 * PER_OCTAVE)) - 1
LEGS = {1: "filed_ready", 2: "ready_picked", 3: "filed_picked"}


def bucket_of(hours: float) -> int:
    """What `turnaround_bucket` in the database gives (the tests hold them together)."""
    minutes = hours * 60
    if minutes < 1:
        return 0
    return min(LAST_BUCKET, math.floor(PER_OCTAVE * math.log2(minutes)) + 1)


def middle_hours(bucket: int) -> float:
    if bucket <= 0:
        return 0.0
    if bucket >= LAST_BUCKET:
        return 2 ** ((LAST_BUCKET - 1) / PER_OCTAVE) / 60
    return 2 ** ((bucket - 0.5) / PER_OCTAVE) / 60


def percentile(counts: Mapping[int, int], fraction: float) -> float | None:
    """`percentile_cont(fraction)` of the letters counted per bucket, in hours."""
    ordered = sorted((b, n) for b, n in counts.items() if n > 0)
    total = sum(n for _, n in ordered)
    if total == 0:
        return None
    position = fraction * (total - 1)
    below, frac = int(position), position - int(position)
    low, high = _at_rank(ordered, below), _at_rank(ordered, min(below + 1, total - 1))
    return low + frac * (high - low)


def _at_rank(ordered: list[tuple[int, int]], rank: int) -> float:
    seen = 0
    for bucket, n in ordered:
        seen += n
        if rank < seen:
            return middle_hours(bucket)
    return middle_hours(ordered[-1][0])
