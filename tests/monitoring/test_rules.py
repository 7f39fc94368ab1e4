"""The alert rules on their own, with a frozen clock: readings at fixed times."""

from __future__ import annotations

import datetime

from catalog.monitoring import rules
from catalog.monitoring.rules import Reading

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)
FIVE = datetime.timedelta(minutes=5)


def series(*values: float, step: int = 60) -> list[Reading]:
    """Readings ending at NOW, one every ``step`` seconds."""
    count = len(values)
    return [
        Reading(NOW - datetime.timedelta(seconds=step * (count - 1 - i)), float(v))
        for i, v in enumerate(values)
    ]


def test_lag_over_the_threshold_for_five_minutes_and_growing_breaches():
    assert rules.lag_breached(
        series(150, 160, 170, 180, 190, 200), threshold=100, now=NOW, duration=FIVE
    )


def test_lag_over_the_threshold_but_flat_still_breaches_because_it_is_not_shrinking():
    assert rules.lag_breached(series(*[150] * 6), threshold=100, now=NOW, duration=FIVE)


def test_lag_over_the_threshold_for_only_four_minutes_does_not_breach():
    assert not rules.lag_breached(
        series(50, 150, 160, 170, 180, 190), threshold=100, now=NOW, duration=FIVE
    )


def test_lag_that_is_shrinking_does_not_breach():
    assert not rules.lag_breached(
        series(500, 450, 400, 300, 200, 150), threshold=100, now=NOW, duration=FIVE
    )


def test_a_single_dip_under_the_threshold_restarts_the_five_minutes():
    assert not rules.lag_breached(
        series(150, 160, 90, 170, 180, 190), threshold=100, now=NOW, duration=FIVE
    )


def test_lag_needs_five_minutes_of_history_before_it_can_breach():
    assert not rules.lag_breached(series(900, 900, 900), threshold=100, now=NOW, duration=FIVE)


def test_lag_clears_only_well_below_the_threshold():
    assert not rules.lag_cleared(95, threshold=100)
    assert not rules.lag_cleared(81, threshold=100)
    assert rules.lag_cleared(80, threshold=100)


def test_the_throughput_baseline_needs_enough_readings_and_a_working_consumer():
    assert rules.throughput_baseline(100.0, 60) == 100.0
    assert rules.throughput_baseline(100.0, 2) is None
    assert rules.throughput_baseline(0.0, 60) is None
    assert rules.throughput_baseline(None, 0) is None


def test_throughput_down_more_than_twenty_percent_for_five_minutes_drops():
    assert rules.throughput_dropped(
        series(70, 60, 50, 40, 30, 20), baseline=100, drop=0.2, now=NOW, duration=FIVE
    )


def test_throughput_down_exactly_twenty_percent_does_not_drop():
    assert not rules.throughput_dropped(
        series(*[80] * 6), baseline=100, drop=0.2, now=NOW, duration=FIVE
    )


def test_a_short_dip_in_throughput_does_not_drop():
    assert not rules.throughput_dropped(
        series(100, 100, 100, 50, 50, 50), baseline=100, drop=0.2, now=NOW, duration=FIVE
    )


def test_throughput_recovers_only_near_its_baseline():
    assert not rules.throughput_recovered(85, baseline=100)
    assert rules.throughput_recovered(90, baseline=100)


def test_a_dlq_fires_above_what_was_acknowledged():
    assert rules.dlq_firing(1, acknowledged=0)
    assert not rules.dlq_firing(0, acknowledged=0)
    assert not rules.dlq_firing(40, acknowledged=40)
    assert rules.dlq_firing(41, acknowledged=40)


def test_readings_from_the_future_are_ignored():
    readings = [*series(*[150] * 6), Reading(NOW + FIVE, 10.0)]
    assert rules.lag_breached(readings, threshold=100, now=NOW, duration=FIVE)
