"""Every read of raw_events by an hourly build is bounded: by a lower time bound or by keys.

The hourly assets are built for one hour of a PostgreSQL warehouse holding twelve days of
events, and every SELECT they send that reads raw_events is captured and EXPLAINed with
whole-table strategies (sequential scans, hash and merge joins) turned off. A read is bounded
when its index condition holds a lower bound on `ts` or an equality with keys (event ids,
sessions, runs, agents) that come from a bounded read; reading a whole index (e.g. every
`agent_response` ever, or `ts < :as_of` alone) or the table is not. When the planner cannot
find a bounded path for a read, no amount of history makes it cheap, so this is what the
query text must allow; on a warehouse of 30 days the planner takes these paths by cost.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from agent_monitor.bench.assets import build_hours
from agent_monitor.bench.events import write_bench_file
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse

KEYS = ("event_id", "session_id", "shadow_of", "target_event_id", "workflow_run_id", "agent_id")
# `ts >= …` or `ts > …` (a lower bound), or a key equal to a value or to an outer row's column.
LOWER_TIME_BOUND = re.compile(r"\bts >= |\bts > ")
KEY_LOOKUP = re.compile(r"\((" + "|".join(KEYS) + r")\)::text = (\(|ANY|')")


def _bounded_condition(condition: str | None) -> bool:
    return bool(condition) and bool(LOWER_TIME_BOUND.search(condition) or KEY_LOOKUP.search(condition))


def _bitmap_bounded(node: dict[str, Any]) -> bool:
    kind = node["Node Type"]
    if kind == "BitmapAnd":
        return any(_bitmap_bounded(child) for child in node["Plans"])
    if kind == "BitmapOr":
        return all(_bitmap_bounded(child) for child in node["Plans"])
    return _bounded_condition(node.get("Index Cond"))


def _conditions(node: dict[str, Any]) -> list[str]:
    own = [f"{node.get('Index Name')}: {node['Index Cond']}"] if node.get("Index Cond") else []
    return own + [c for child in node.get("Plans", []) for c in _conditions(child)]


def unbounded_reads(plan: dict[str, Any]) -> list[str]:
    """The raw_events scans of a plan that read the whole table or a whole index."""
    found: list[str] = []
    if plan.get("Relation Name") == "raw_events":
        kind = plan["Node Type"]
        if kind == "Bitmap Heap Scan":
            ok = _bitmap_bounded(plan["Plans"][0])
        elif kind in ("Index Scan", "Index Only Scan"):
            ok = _bounded_condition(plan.get("Index Cond"))
        else:
            ok = False
        if not ok:
            found.append(" ".join([kind, *_conditions(plan)]))
    for child in plan.get("Plans", []):
        found += unbounded_reads(child)
    return found


@pytest.mark.postgres
@pytest.mark.slow
def test_every_raw_events_read_of_an_hourly_build_is_bounded(postgres_url: str, tmp_path: Path) -> None:
    engine = open_warehouse(postgres_url)
    # 24,000 events over twelve days, 10 agents; the hour built is on the twelfth day, so a
    # read of the whole history costs the planner about eleven times one of the hour's day.
    path = write_bench_file(tmp_path / "history.jsonl", 24000, datetime(2025, 12, 25), timedelta(days=12),
                            n_agents=10)
    assert ingest_path(engine, path).accepted == 24000
    with engine.begin() as connection:
        connection.execute(text("ANALYZE raw_events"))

    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        body = re.sub(r"(?m)^\s*--.*$", "", statement).lstrip()
        # Reads, and the review queue's INSERT … SELECTs (not the session statements' INSERTs:
        # they read temporary tables, gone by the time of the EXPLAIN).
        if not executemany and re.match(r"(?is)^(select|with|insert into review_)", body) and "raw_events" in body:
            captured.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", capture)
    try:
        assert build_hours(postgres_url, "2026-01-05-10:00")["success"]
    finally:
        event.remove(Engine, "before_cursor_execute", capture)

    # The hour's reads: the metric queries of sql/metrics, the stateful metrics' loads, the
    # review sampler's day, the signal and cascade reads.
    assert len(captured) >= 15
    problems: list[str] = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        # First as the planner chooses on this history, then with whole-table strategies off.
        for settings in ("", "SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off"):
            if settings:
                cursor.execute(settings)
            for statement, parameters in captured:
                cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
                for read in unbounded_reads(cursor.fetchone()[0][0]["Plan"]):
                    body = " ".join(re.sub(r"(?m)^\s*--.*$", "", statement).split())
                    problems.append(f"[{settings or 'planner'}] {body[:400]} … → {read}")
    finally:
        raw.close()
        engine.dispose()
    assert problems == []


def test_the_bound_checker_tells_a_whole_index_from_a_window() -> None:
    # Hand-written plan fragments in PostgreSQL's EXPLAIN (FORMAT JSON) shape.
    window = {"Node Type": "Bitmap Heap Scan", "Relation Name": "raw_events", "Plans": [
        {"Node Type": "Bitmap Index Scan", "Index Name": "ix_raw_events_ts_type",
         "Index Cond": "((ts >= '2026-01-05 10:00:00'::timestamp) AND (ts < '2026-01-05 11:00:00'::timestamp))"}]}
    every_response = {"Node Type": "Bitmap Heap Scan", "Relation Name": "raw_events", "Plans": [
        {"Node Type": "Bitmap Index Scan", "Index Name": "ix_raw_events_ts_type",
         "Index Cond": "((event_type)::text = 'agent_response'::text)"}]}
    before_now = {"Node Type": "Index Scan", "Relation Name": "raw_events", "Index Name": "ix_raw_events_ts_type",
                  "Index Cond": "(ts < '2026-11-30 17:00:00'::timestamp)"}
    by_session = {"Node Type": "Index Scan", "Relation Name": "raw_events", "Index Name": "ix_raw_events_session",
                  "Index Cond": "((session_id)::text = (w.session_id)::text)"}
    whole_table = {"Node Type": "Seq Scan", "Relation Name": "raw_events"}
    both = {"Node Type": "Bitmap Heap Scan", "Relation Name": "raw_events", "Plans": [
        {"Node Type": "BitmapAnd", "Plans": [every_response["Plans"][0], window["Plans"][0]]}]}
    assert unbounded_reads(window) == [] and unbounded_reads(by_session) == [] and unbounded_reads(both) == []
    assert len(unbounded_reads(every_response)) == 1
    assert len(unbounded_reads(before_now)) == 1
    assert unbounded_reads({"Node Type": "Nested Loop", "Plans": [window, whole_table]}) == ["Seq Scan"]
