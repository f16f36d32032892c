"""The hour-scoped review queue equals the whole-day queue, and an hour's build reads its hour.

A day of three agents with mixed π (low confidence ×4, critical path ×2, flags ×2, a shadow
that disagrees ×4) and daily-minimum top-ups is built hour by hour in a shuffled order while
its events arrive, late ones included (responses of an hour already built, a late
disagreeing shadow, reviews of sampled, topped-up and left-out responses). After every build
the table equals `day_queue`, the queue recomputed from all the day's events; once every hour
has been read, rebuilding an hour reads that hour only.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.reviews.build import day_queue, rebuild_queue
from agent_monitor.lib.sampling import sampling_u
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.results import result_dicts
from agent_monitor.lib.warehouse.tables_reviews import review_queue
from agent_monitor_tests.events import response, review, write_jsonl

DAY = datetime(2026, 1, 7)
NOW = datetime(2026, 1, 9, 12)  # one fixed build time: statuses compare
SETTINGS = ReviewSettings(daily_minimum=12)
# Every column but built_at (the first nine are the ones the checks below index).
COLUMNS = ("event_id", "hour", "agent_id", "u", "rule_probability", "inclusion_probability", "reasons", "status",
           "verdict", "day", "agent_version", "session_id", "trace_id", "ts", "confidence", "decision_name",
           "decision_value", "decision_path", "reviewer", "reviewed_at", "review_event_id", "expires_at")


def _ts(hour: int, minute: int, second: int = 0) -> str:
    return f"{(DAY + timedelta(hours=hour, minutes=minute, seconds=second)):%Y-%m-%dT%H:%M:%S}Z"


def _responses(agent: str, hour: int, n: int, rnd: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        fields: dict[str, Any] = {"agent_id": agent, "session_id": f"{agent}-{hour}-{i}",
                                  "confidence": round(rnd.choice((0.3, 0.8, 0.9, 0.95)), 2)}
        roll = rnd.random()
        if roll < 0.2:
            fields["decision"] = {"name": "approve_refund", "value": True, "path": "approval"}  # critical: ×2
        elif roll < 0.3:
            fields["flags"] = ["pii"]  # ×2
        out.append(response(f"{agent}-h{hour}-{i}", _ts(hour, i % 60, i // 60), **fields))
    return out


def _queue(engine: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        rows = result_dicts(connection.execute(select(review_queue).order_by(review_queue.c.event_id)))
    return [_key(row) for row in rows]


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(round(row[c], 12) if isinstance(row[c], float) else
                 list(row[c]) if isinstance(row[c], (list, tuple)) else row[c] for c in COLUMNS)


def _whole_day(engine: Any) -> list[tuple[Any, ...]]:
    return sorted(_key(row) for row in day_queue(engine, DAY, SETTINGS, now=NOW))


def _build(engine: Any, hour: int) -> list[datetime]:
    start = DAY + timedelta(hours=hour)
    return rebuild_queue(engine, start, start + timedelta(hours=1), SETTINGS, now=NOW).hours_read


def _t(ids: list[str], sampled_ids: set[str], minimum: int) -> float:
    """t by hand: the (minimum − S + 1)-th lowest draw the rule left out (SPEC §8)."""
    left = sorted((sampling_u(SETTINGS.salt, i), i) for i in ids if i not in sampled_ids)
    rank = minimum - len(sampled_ids)
    return left[rank][0] if rank < len(left) else 1.0


@pytest.mark.slow
def test_hour_scoped_queue_equals_the_whole_day_with_late_data(warehouse_url: str, tmp_path: Path) -> None:
    engine = open_warehouse(warehouse_url)
    rnd = random.Random(11)
    # "big" answers 30 times an hour (about 3 rule samples an hour with the boosts: topped up
    # until its day has more than 12), "small" 3 times (fewer than the minimum some days), "low"
    # 8 times with confidence 0.3 (π = 0.2 or more).
    first = [e for h in range(0, 3) for e in
             _responses("big", h, 30, rnd) + _responses("small", h, 3, rnd) + _responses("low", h, 8, rnd)]
    ingest_path(engine, write_jsonl(tmp_path / "1.jsonl", first))
    assert _build(engine, 1) == [DAY, DAY + timedelta(hours=1), DAY + timedelta(hours=2)]  # never-read hours too
    assert _queue(engine) == _whole_day(engine)

    # Hand check of the top-up on this state: big's 90 responses, t from its draws.
    big = [e["event_id"] for e in first if e["agent_id"] == "big"]
    rows = {r[0]: r for r in _queue(engine)}
    sampled = {i for i in big if i in rows and "daily_minimum" not in rows[i][6]}
    assert all(rows[i][3] < rows[i][4] for i in sampled)  # rule samples: u < π_rule
    t = _t(big, sampled, SETTINGS.daily_minimum)
    topped = sorted(i for i in big if i in rows and "daily_minimum" in rows[i][6])
    assert len(sampled) + len(topped) == SETTINGS.daily_minimum
    assert all(rows[i][5] == round(max(rows[i][4], t), 12) for i in topped)

    # Hours 3–5 arrive; hour 5 is built first (hours 3 and 4 are read as never read). small's
    # 4 responses in hour 5 take its day from 9 to 13 responses, past the minimum: its t rises
    # from 0 and the top-up takes its lowest draws of hours 0–2, hours this build does not read.
    small_before = {r[0] for r in _queue(engine) if r[2] == "small"}
    more = [e for h in range(3, 6) for e in _responses("big", h, 30, rnd) + _responses("low", h, 8, rnd)]
    more += [{**e, "event_id": f"{e['event_id']}-b"} for e in _responses("small", 5, 4, rnd)]
    ingest_path(engine, write_jsonl(tmp_path / "2.jsonl", more))
    assert _build(engine, 5) == [DAY + timedelta(hours=h) for h in (3, 4, 5)]
    assert _queue(engine) == _whole_day(engine)
    small_after = {r[0]: r for r in _queue(engine) if r[2] == "small"}
    assert len(small_after) == SETTINGS.daily_minimum
    assert any("daily_minimum" in r[6] and r[1] < DAY + timedelta(hours=3) for r in small_after.values())
    assert small_before < set(small_after)

    # Late data: more responses of hour 1, a disagreeing shadow of a big response of hour 2,
    # and reviews of a rule sample, a top-up and a response left out.
    queue = {r[0]: r for r in _queue(engine)}
    sample = next(i for i, r in queue.items() if r[2] == "big" and "daily_minimum" not in r[6])
    top_up = next(i for i, r in queue.items() if "daily_minimum" in r[6])
    left = next(i for i in big if i not in queue and i.startswith("big-h0-"))
    # A critical decision (π_rule = 0.05 × 2 = 0.1) whose draw is in [0.1, 0.4): not a rule
    # sample until its disagreeing shadow (×4) arrives.
    decided = next(e for e in first if e["agent_id"] == "big" and e.get("decision") and e["confidence"] > 0.5
                   and 0.1 <= sampling_u(SETTINGS.salt, e["event_id"]) < 0.4)
    assert queue.get(decided["event_id"], [None] * 7)[4] != pytest.approx(0.4)
    shadow = {**decided, "event_id": "shadow-1", "deployment": "shadow", "shadow_of": decided["event_id"],
              "decision": {**decided["decision"], "value": False}, "ts": _ts(6, 0)}
    late = [*_responses("big", 1, 12, random.Random(5)), shadow,
            review("rv-1", _ts(7, 0), sample), review("rv-2", _ts(7, 1), top_up), review("rv-3", _ts(7, 2), left)]
    for event in late[:12]:
        event["event_id"] = f"late-{event['event_id']}"
    ingest_path(engine, write_jsonl(tmp_path / "3.jsonl", late))
    read = _build(engine, 4)  # an hour the late data did not touch: the touched hours are read too
    touched = {DAY + timedelta(hours=int(e["ts"][11:13])) for e in late[:12]} | {
        DAY + timedelta(hours=int(i.split("-h")[1].split("-")[0])) for i in (sample, top_up, left, decided["event_id"])}
    # … and hour 6, where the shadow itself is (ingestion marks it: it holds an event).
    assert set(read) == touched | {DAY + timedelta(hours=4), DAY + timedelta(hours=6)}
    assert _queue(engine) == _whole_day(engine)
    queue = {r[0]: r for r in _queue(engine)}
    assert queue[sample][7] == "reviewed" and queue[left][7] == "reviewed"
    assert "reviewed_outside_sample" in queue[left][6] or "daily_minimum" in queue[left][6]
    assert queue[decided["event_id"]][4] == pytest.approx(0.05 * 2 * 4)
    assert queue[decided["event_id"]][6] == ["base", "critical_path", "shadow_disagreement"]

    # Every hour read: rebuilding any hour reads that hour only, in any order, same rows.
    for hour in (2, 0, 5, 1, 3, 4):
        assert _build(engine, hour) == [DAY + timedelta(hours=hour)]
        assert _queue(engine) == _whole_day(engine)

    # Two more reviews of the rule sample, in a later file: one at rv-1's time (the later
    # ingestion counts, SPEC §8) and one earlier (it does not).
    again = [{**review("rv-4", _ts(7, 0), sample, "incorrect"), "reviewer": "second"},
             {**review("rv-5", _ts(6, 30), sample, "unverifiable"), "reviewer": "early"}]
    ingest_path(engine, write_jsonl(tmp_path / "4.jsonl", again))
    sample_hour = int(sample.split("-h")[1].split("-")[0])
    assert _build(engine, sample_hour) == [DAY + timedelta(hours=sample_hour)]
    assert _queue(engine) == _whole_day(engine)
    row = dict(zip(COLUMNS, {r[0]: r for r in _queue(engine)}[sample], strict=True))
    assert (row["status"], row["verdict"], row["reviewer"], row["review_event_id"]) == (
        "reviewed", "incorrect", "second", "rv-4")
    assert row["reviewed_at"] == DAY + timedelta(hours=7)
    assert row["day"] == DAY and row["hour"] == DAY + timedelta(hours=sample_hour)
    assert row["expires_at"] == row["ts"] + timedelta(days=SETTINGS.expiry_days)

