"""When the event a review judges happened: `raw_events.target_ts`, kept as events arrive.

A review names the event it judges (`target_event_id`), and the review queue and M1 of an
hour need the reviews of that hour's responses. With the judged event's `ts` stored on the
review, that is one range read of the reviews (`ix_raw_events_target_ts`) instead of a
lookup per response of the hour. It is set when the review is accepted, if the judged event
is stored already or comes in the same batch; otherwise when that event arrives, from the
reviews still waiting for it (`ix_raw_events_waiting_reviews`, looked up by the batch's ids).
A review whose judged event never arrives keeps no `target_ts` and judges nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from agent_monitor.lib.ingest.store import among
from agent_monitor.lib.warehouse.tables_raw import raw_events

# Ids per lookup: a batch (5,000 lines by default) in one statement (SQLite allows 32,766
# bound values since 3.32).
_CHUNK = 5000


def stamp_reviews(rows: Sequence[dict[str, Any]], stored_times: Mapping[str, datetime]) -> None:
    """Set `target_ts` on the batch's reviews whose judged event is stored (`stored_times`:
    its id → ts, read before the batch is written) or is one of the batch's own events."""
    batch_times = {row["event_id"]: row["ts"] for row in rows if row["event_type"] != "review"}
    for row in rows:
        if row["event_type"] == "review" and row.get("target_event_id") is not None:
            target = row["target_event_id"]
            ts = stored_times.get(target) or batch_times.get(target)
            if ts is not None:
                row["target_ts"] = ts


def place_waiting_reviews(connection: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Set `target_ts` on the stored reviews that were waiting for one of `rows` (just
    written); returns how many."""
    times = {row["event_id"]: row["ts"] for row in rows if row["event_type"] != "review"}
    e = raw_events.c
    waiting = select(e.event_id, e.target_event_id).where(
        e.event_type == "review", e.target_ts.is_(None), among(connection, e.target_event_id))
    placed: list[dict[str, Any]] = []
    ids = sorted(times)
    for i in range(0, len(ids), _CHUNK):
        for review_id, target in connection.execute(waiting, {"ids": ids[i : i + _CHUNK]}):
            placed.append({"review_id": review_id, "judged_ts": times[target]})
    if placed:
        connection.execute(
            update(raw_events).where(e.event_id == bindparam("review_id")).values(target_ts=bindparam("judged_ts")),
            placed)
    return len(placed)
