"""The alert rules, as pure functions over readings so they can be tested with a frozen clock.

Each rule has an *open* condition and a looser *clear* condition (hysteresis), so a value
hovering around a threshold does not open and resolve an alert on every collection.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import NamedTuple

# Lag: opens above the threshold, clears at or below this fraction of it.
LAG_CLEAR_RATIO = 0.8
# Throughput: opens below (1 - drop) of the baseline, clears at or above this fraction of it.
THROUGHPUT_CLEAR_RATIO = 0.9


class Reading(NamedTuple):
    at: datetime.datetime
    value: float


def sustained_since(
    readings: Sequence[Reading], *, now: datetime.datetime, duration: datetime.timedelta
) -> tuple[Reading, list[Reading]] | None:
    """The reading that starts a ``duration``-long window ending ``now`` (the latest one at or
    before ``now - duration``) and the readings after it; None without enough history."""
    start = now - duration
    anchor: Reading | None = None
    after: list[Reading] = []
    for reading in sorted(readings, key=lambda r: r.at):
        if reading.at > now:
            continue
        if reading.at <= start:
            anchor = reading
        else:
            after.append(reading)
    if anchor is None or not after:
        return None
    return anchor, after


def lag_breached(
    readings: Sequence[Reading],
    *,
    threshold: float,
    now: datetime.datetime,
    duration: datetime.timedelta,
) -> bool:
    """Lag above ``threshold`` for ``duration`` and not shrinking over it."""
    window = sustained_since(readings, now=now, duration=duration)
    if window is None:
        return False
    anchor, after = window
    if anchor.value <= threshold or any(r.value <= threshold for r in after):
        return False
    return after[-1].value >= anchor.value


def lag_cleared(latest: float, *, threshold: float) -> bool:
    return latest <= threshold * LAG_CLEAR_RATIO


def throughput_baseline(mean: float | None, count: int, *, min_readings: int = 3) -> float | None:
    """What a consumer normally does: the mean rate over the trailing window before the
    sustained window. None with too few readings to tell, or when it normally does nothing."""
    if mean is None or count < min_readings or mean <= 0:
        return None
    return mean


def throughput_dropped(
    readings: Sequence[Reading],
    *,
    baseline: float,
    drop: float,
    now: datetime.datetime,
    duration: datetime.timedelta,
) -> bool:
    """Every reading for ``duration`` below ``(1 - drop) * baseline``."""
    window = sustained_since(readings, now=now, duration=duration)
    if window is None:
        return False
    anchor, after = window
    limit = baseline * (1 - drop)
    return anchor.value < limit and all(r.value < limit for r in after)


def throughput_recovered(latest: float, *, baseline: float) -> bool:
    return latest >= baseline * THROUGHPUT_CLEAR_RATIO


def dlq_firing(depth: int, *, acknowledged: int) -> bool:
    """A DLQ alerts as soon as it holds more than the owner has acknowledged (0 by default)."""
    return depth > acknowledged
