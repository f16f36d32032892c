"""The replay's schedule: when it ticks, and how requested partitions become runs."""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from agent_monitor.replay.live import tick_times
from agent_monitor.replay.ticks import _runs

T = datetime(2026, 1, 5)


def at(hour: int, minute: int = 0, day: int = 5) -> datetime:
    return datetime(2026, 1, day, hour, minute)


def test_ticks_fall_inside_hours_then_follow_later_deliveries() -> None:
    # A 2-hour period ticked every 30 min: 00:15, 00:45, 01:15, 01:45. Deliveries after the
    # last of those (a slice at 01:55, a review batch at 06:00) get a tick 5 min later; the
    # last tick is 25 h after the last delivery, at :05.
    times = tick_times(T, at(2), [at(0, 5), at(1, 55), at(6)], 30)
    assert times == [at(0, 15), at(0, 45), at(1, 15), at(1, 45), at(2), at(6, 5), at(7, 5, day=6)]


def test_requested_partitions_become_runs_over_hours_that_ask_for_the_same_assets() -> None:
    queue, metrics, health = dg.AssetKey("review_queue"), dg.AssetKey("agent_metrics_hourly"), dg.AssetKey("agent_health")
    requested = {
        queue: {at(3)},
        metrics: {at(3), at(9)},
        health: {at(3), at(4), at(5), at(9)},
    }
    # 03:00 asks for all three; 04:00–05:00 for health alone; 09:00 for metrics and health.
    assert _runs(requested) == [
        (at(3), at(3), [queue, metrics, health]),
        (at(4), at(5), [health]),
        (at(9), at(9), [metrics, health]),
    ]
