"""P1 confidence drift velocity: least-squares slope of hourly mean confidence (SPEC §4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

HourKey = int | float | datetime


@dataclass(frozen=True)
class DriftResult:
    """Fitted line over the usable hours; slope and intercept are None without enough hours."""

    slope_per_hour: float | None
    n_hours_used: int
    intercept: float | None
    projected_hours_to_breach: float | None


def _hour_position(hour: HourKey, epoch_seconds: bool) -> float:
    """The hour as a number of hours on a common axis."""
    if isinstance(hour, datetime):
        aware = hour if hour.tzinfo is not None else hour.replace(tzinfo=UTC)
        return aware.timestamp() / 3600.0
    return float(hour) / 3600.0 if epoch_seconds else float(hour)


def confidence_drift(
    hourly: Iterable[tuple[HourKey, float | None, int]],
    floor: float = 0.7,
    min_hours: int = 4,
    min_responses: int = 20,
    window: int = 6,
    *,
    current_hour: HourKey | None = None,
    epoch_seconds: bool = False,
) -> DriftResult:
    """Slope of mean confidence per hour over the trailing window and hours until `floor`.

    Rows are (hour, mean_confidence, n_responses). An hour is an hour index, a datetime, or
    epoch seconds when `epoch_seconds` is set. The window holds the `window` hours ending at
    `current_hour` (default: the latest hour given); only hours with at least `min_responses`
    responses and a mean are fitted, and at least `min_hours` of them are required.
    """
    rows = [(_hour_position(h, epoch_seconds), m, n) for h, m, n in hourly]
    if not rows:
        return DriftResult(None, 0, None, None)
    positions = [x for x, _, _ in rows]
    if len(set(positions)) != len(positions):
        raise ValueError("confidence_drift: each hour must appear once")
    current = (
        max(positions) if current_hour is None else _hour_position(current_hour, epoch_seconds)
    )
    # Half-hour tolerance so hours computed from timestamps still land in the window.
    used = [
        (x, float(m))
        for x, m, n in rows
        if m is not None and n >= min_responses and current - window + 0.5 < x <= current + 0.5
    ]
    if len(used) < max(min_hours, 2):
        return DriftResult(None, len(used), None, None)
    slope, intercept = _least_squares(used)
    return DriftResult(
        slope, len(used), intercept, _hours_to_breach(slope, intercept, current, floor)
    )


def _least_squares(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Ordinary least-squares slope and intercept of y on x."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    return slope, mean_y - slope * mean_x


def _hours_to_breach(slope: float, intercept: float, current: float, floor: float) -> float | None:
    """Hours from `current` until the fitted line reaches `floor`; 0 if it is already there."""
    fitted_now = intercept + slope * current
    if fitted_now <= floor:
        return 0.0
    if slope >= 0:
        return None
    return (floor - fitted_now) / slope
