"""When each event of a log reaches the landing folder: as small files, in arrival order.

Agents flush their logs every few minutes: the events whose `ts` falls in one slice of
`slice_minutes` arrive together, as one file, when the slice ends. Reviews, escalations and
late terminal statuses arrive when they happen (their own `ts`), so what arrives late in
production arrives late here too.
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


def event_lines(paths: Iterable[Path]) -> Iterator[tuple[datetime, bytes]]:
    """(ts as naive UTC, line) of every event line in the files."""
    for path in paths:
        with open_binary(path) as stream:
            for line in stream:
                line = line.rstrip(b"\r\n")
                if line.strip():
                    ts = datetime.fromisoformat(orjson.loads(line)["ts"]).astimezone(UTC).replace(tzinfo=None)
                    yield ts, line


def deliveries(paths: Iterable[Path], start: datetime, slice_minutes: int = 5) -> list[Delivery]:
    """The files of a log in delivery order, one per slice of time that has events."""
    width = timedelta(minutes=slice_minutes)
    slices: dict[datetime, list[tuple[datetime, bytes]]] = defaultdict(list)
    for ts, line in event_lines(paths):
        slices[_slice_end(ts, start, width)].append((ts, line))
    return [
        Delivery(at, f"slice-{at:%Y%m%dT%H%M}.jsonl", tuple(line for _, line in sorted(slices[at])))
        for at in sorted(slices)
    ]
