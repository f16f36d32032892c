"""Hours of a window, epoch conversions and the look-back the stateful metrics read."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

HOUR = timedelta(hours=1)

# How far before an hour the stateful metrics read: M2 and session profiles (a session's
# events), M5 (a run's events) and M6 (an agent's outcomes). The assets depend on the 24
# preceding raw_events partitions, so late events up to 24 h back rebuild the hour.
LOOKBACK = timedelta(hours=24)


def naive_utc(moment: datetime) -> datetime:
    """A naive UTC datetime (tz-aware values are converted first)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def epoch(moment: datetime) -> float:
    """Epoch seconds of a naive UTC datetime."""
    return naive_utc(moment).replace(tzinfo=UTC).timestamp()


def hours(start: datetime, end: datetime) -> Iterator[datetime]:
    """Every hour start in [start, end)."""
    hour = naive_utc(start).replace(minute=0, second=0, microsecond=0)
    stop = naive_utc(end)
    while hour < stop:
        yield hour
        hour += HOUR


def from_epoch(seconds: float) -> datetime:
    """The naive UTC datetime of epoch seconds."""
    return datetime.fromtimestamp(float(seconds), UTC).replace(tzinfo=None)


def hour_runs(hour_starts: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    """Consecutive hours as [first, last + 1 h) ranges, in order."""
    out: list[tuple[datetime, datetime]] = []
    for hour in sorted(set(hour_starts)):
        if out and out[-1][1] == hour:
            out[-1] = (out[-1][0], hour + HOUR)
        else:
            out.append((hour, hour + HOUR))
    return out
