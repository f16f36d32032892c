"""Row builders for the metric tables: times on 2024-05-01 (UTC) and raw_events-like dicts."""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A naive UTC datetime on 2024-05-01."""
    return datetime(2024, 5, 1, hour, minute, second)


def epoch(hour: int, minute: int = 0, second: int = 0) -> float:
    """Epoch seconds of at(hour, minute, second)."""
    return float(calendar.timegm(at(hour, minute, second).timetuple()))


def event(event_id: str, event_type: str, when: datetime, **fields: Any) -> dict[str, Any]:
    """One raw_events row with ts and ts_epoch filled in."""
    row = {
        "event_id": event_id,
        "event_type": event_type,
        "ts": when,
        "ts_epoch": float(calendar.timegm(when.timetuple())),
        "deployment": "primary" if event_type == "agent_response" else None,
    }
    row.update(fields)
    return row
