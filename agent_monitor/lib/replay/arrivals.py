"""When each event of a log reaches the landing folder: as small files, in arrival order.

Agents flush their logs every few minutes: the events whose `ts` falls in one slice of
`slice_minutes` arrive together, as one file, when the slice ends. Escalations and terminal
statuses arrive when they happen (their own `ts`), so what comes late in production comes late
here too. Reviews arrive the way reviewers deliver them: in batches (`review_every_hours`), a
file of every verdict given since the last batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from agent_monitor.lib.ingest.jsonl import open_binary


@dataclass(frozen=True)
class Delivery:
    """One file that lands at `at`: the lines of the events of one slice of time."""

    at: datetime
    name: str
    lines: tuple[bytes, ...]


def _slice_end(ts: datetime, start: datetime, width: timedelta) -> datetime:
    return start + width * ((ts - start) // width + 1)


def event_lines(paths: Iterable[Path]) -> Iterator[tuple[datetime, str, bytes]]:
    """(ts as naive UTC, event_type, line) of every event line in the files."""
    for path in paths:
        with open_binary(path) as stream:
            for line in stream:
                line = line.rstrip(b"\r\n")
                if line.strip():
                    event = orjson.loads(line)
                    ts = datetime.fromisoformat(event["ts"]).astimezone(UTC).replace(tzinfo=None)
                    yield ts, str(event["event_type"]), line


def deliveries(
    paths: Iterable[Path], start: datetime, slice_minutes: int = 5, review_every_hours: int = 6
) -> list[Delivery]:
    """The files of a log in delivery order: one per slice of time that has events, and one per
    batch of reviews."""
    width, batch = timedelta(minutes=slice_minutes), timedelta(hours=review_every_hours)
    slices: dict[tuple[datetime, str], list[tuple[datetime, bytes]]] = defaultdict(list)
    for ts, event_type, line in event_lines(paths):
        if event_type == "review":
            slices[(_slice_end(ts, start, batch), "reviews")].append((ts, line))
        else:
            slices[(_slice_end(ts, start, width), "slice")].append((ts, line))
    return [
        Delivery(at, f"{kind}-{at:%Y%m%dT%H%M}.jsonl", tuple(line for _, line in sorted(slices[(at, kind)])))
        for at, kind in sorted(slices)
    ]
