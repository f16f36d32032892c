"""Every read of raw_events by an hourly build is bounded: by a lower time bound or by keys.

The hourly assets are built for one hour of a warehouse holding twelve days of events, and
every statement they send that reads raw_events is captured and EXPLAINed. A read is bounded
when its index condition holds a lower bound on `ts` or an equality with keys (event ids,
sessions, runs) that come from a bounded read; reading a whole index (e.g. every
`agent_response` ever, `ts < :as_of` alone, or an agent's events before the hour: the agent's
whole history) or the table is not.

On PostgreSQL the plans are taken with whole-table strategies (sequential scans, hash and
merge joins) turned off as well: when the planner cannot find a bounded path for a read, no
amount of history makes it cheap, so this is what the query text must allow; on a warehouse
of 30 days the planner takes these paths by cost. SQLite keeps no statistics here, so its
plans are the ones it runs, whatever the history: they are checked as they are.
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
from agent_monitor.lib.rollup.session_insert import summary_params
from agent_monitor.lib.rollup.sql import query_text, run_query
from agent_monitor.lib.warehouse.open import open_warehouse

KEYS = ("event_id", "session_id", "shadow_of", "target_event_id", "workflow_run_id")
# `ts >= …` or `ts > …` (a lower bound), or a key equal to a value or to an outer row's column.
# `target_ts` (a review's judged event's time) bounds the reads of a window's reviews.
LOWER_TIME_BOUND = re.compile(r"\b(?:target_)?ts >= |\b(?:target_)?ts > ")
# The key cast, `((session_id)::text = …`, or bare as an index-only scan shows it: `(session_id = …`.
KEY_LOOKUP = re.compile(r"\(\(?(?:" + "|".join(KEYS) + r")(?:\)::text)? = (\(|ANY|')")


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


def captured_reads(url: str, folder: Path) -> list[tuple[str, Any]]:
    """The statements reading raw_events that building one hour sends, on a warehouse of
    twelve days: 24,000 events, 10 agents; the hour built is on the twelfth day, so a read of
    the whole history costs about eleven times one of the hour's day."""
    engine = open_warehouse(url)
    path = write_bench_file(folder / "history.jsonl", 24000, datetime(2025, 12, 25), timedelta(days=12),
                            n_agents=10)
    assert ingest_path(engine, path).accepted == 24000
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE raw_events"))
    engine.dispose()

    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        body = re.sub(r"(?m)^\s*--.*$", "", statement).lstrip()
        # Reads, and the review queue's INSERT … SELECTs (not the session statements' INSERTs:
        # they read temporary tables, gone by the time of the EXPLAIN).
        if not executemany and re.match(r"(?is)^(select|with|insert into review_)", body) and "raw_events" in body:
            captured.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", capture)
    try:
        assert build_hours(url, "2026-01-05-10:00")["success"]
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    # The hour's reads: the metric queries of sql/metrics, the stateful metrics' loads, the
    # review sampler's day, the signal and cascade reads.
    assert len(captured) >= 15
    return captured


def _one_line(statement: str) -> str:
    return " ".join(re.sub(r"(?m)^\s*--.*$", "", statement).split())[:400]


@pytest.mark.postgres
@pytest.mark.slow
def test_every_raw_events_read_of_an_hourly_build_is_bounded(postgres_url: str, tmp_path: Path) -> None:
    captured = captured_reads(postgres_url, tmp_path)
    engine = open_warehouse(postgres_url)
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
                    problems.append(f"[{settings or 'planner'}] {_one_line(statement)} … → {read}")
    finally:
        raw.close()
        engine.dispose()
    assert problems == []


# SQLite's EXPLAIN QUERY PLAN lines: `SEARCH e USING INDEX ix_raw_events_session (session_id=?)`.
SQLITE_INDEX_READ = re.compile(r"^SEARCH \S+ USING (?:COVERING )?INDEX (\S*raw_events\S*) \((.*)\)$")
SQLITE_BOUNDED = re.compile(r"\b(?:target_)?ts>|\bts=|\b(" + "|".join(KEYS) + r")=")


def sqlite_unbounded_reads(plan_lines: list[str], raw_event_aliases: set[str]) -> list[str]:
    """The plan lines that read all of raw_events or a whole range of one of its indexes."""
    found = []
    for line in plan_lines:
        index_read = SQLITE_INDEX_READ.match(line)
        if index_read:
            if not SQLITE_BOUNDED.search(index_read.group(2)):
                found.append(line)
        elif re.match(r"^SCAN (\S+)( USING|$)", line) and line.split()[1] in raw_event_aliases:
            found.append(line)
    return found


def raw_events_aliases(statement: str) -> set[str]:
    """The names raw_events goes by in a statement (itself, and `raw_events e`, `raw_events AS e`)."""
    names = {"raw_events"}
    for match in re.finditer(r"\braw_events\s+(?:AS\s+)?([A-Za-z_]\w*)", statement, re.IGNORECASE):
        if match.group(1).upper() not in ("WHERE", "JOIN", "ON", "LEFT", "INNER", "GROUP", "ORDER", "USING", "AS"):
            names.add(match.group(1))
    return names


@pytest.mark.slow
def test_every_raw_events_read_of_an_hourly_build_is_bounded_on_sqlite(tmp_path: Path) -> None:
    # An agent's events before the hour used to be read whole on SQLite (M7's "first response
    # of the session" lookup chose the agent's index over the session's): rebuilding one hour
    # cost 0.07 s on a fresh warehouse and 0.5 s after two days of 1,700 events an hour.
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    captured = captured_reads(url, tmp_path)
    engine = open_warehouse(url)
    problems: list[str] = []
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        # The functions the review statements call, so that they can be planned here.
        raw.create_function("agent_monitor_sampling_u", 2, lambda *_: 0.5)
        raw.create_function("agent_monitor_plus_expiry", 2, lambda *_: None)
        for statement, parameters in captured:
            plan = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()]
            for read in sqlite_unbounded_reads(plan, raw_events_aliases(statement)):
                problems.append(f"{_one_line(statement)} … → {read}")
    engine.dispose()
    assert problems == []


def test_the_sqlite_bound_checker_tells_a_whole_index_from_a_window() -> None:
    aliases = {"raw_events", "e"}
    assert sqlite_unbounded_reads([
        "SEARCH e USING INDEX ix_raw_events_ts_type (ts>? AND ts<?)",
        "SEARCH x USING INDEX ix_raw_events_session (session_id=?)",
        "SEARCH e USING INDEX sqlite_autoindex_raw_events_1 (event_id=?)",
        "SEARCH v USING INDEX ix_raw_events_target_ts (target_ts>? AND target_ts<?)",
        "SCAN p",  # a CTE, not raw_events
    ], aliases) == []
    assert sqlite_unbounded_reads(["SEARCH e USING INDEX ix_raw_events_agent_ts (agent_id=? AND ts<?)"], aliases) == [
        "SEARCH e USING INDEX ix_raw_events_agent_ts (agent_id=? AND ts<?)"]
    assert sqlite_unbounded_reads(["SCAN e", "SCAN raw_events USING INDEX ix_raw_events_ts_type"], aliases) == [
        "SCAN e", "SCAN raw_events USING INDEX ix_raw_events_ts_type"]
    assert raw_events_aliases("SELECT 1 FROM raw_events e JOIN raw_events AS x ON … FROM raw_events WHERE") == {
        "raw_events", "e", "x"}


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
    escalations_of_session = {"Node Type": "Index Only Scan", "Relation Name": "raw_events",
                              "Index Name": "ix_raw_events_escalations",
                              "Index Cond": "((session_id = (e_1.session_id)::text) AND (ts < '2026-01-06'::timestamp))"}
    judged_in_window = {"Node Type": "Index Scan", "Relation Name": "raw_events", "Index Name": "ix_raw_events_target_ts",
                        "Index Cond": "((target_ts >= '2026-01-05 10:00:00'::timestamp) AND "
                                      "(target_ts < '2026-01-05 11:00:00'::timestamp))"}
    whole_table = {"Node Type": "Seq Scan", "Relation Name": "raw_events"}
    both = {"Node Type": "Bitmap Heap Scan", "Relation Name": "raw_events", "Plans": [
        {"Node Type": "BitmapAnd", "Plans": [every_response["Plans"][0], window["Plans"][0]]}]}
    assert unbounded_reads(window) == [] and unbounded_reads(by_session) == [] and unbounded_reads(both) == []
    assert unbounded_reads(judged_in_window) == [] and unbounded_reads(escalations_of_session) == []
    assert len(unbounded_reads(every_response)) == 1
    assert len(unbounded_reads(before_now)) == 1
    assert unbounded_reads({"Node Type": "Nested Loop", "Plans": [window, whole_table]}) == ["Seq Scan"]


@pytest.mark.postgres
def test_key_lookups_stay_lookups_when_joins_look_cheaper(postgres_url: str, tmp_path: Path) -> None:
    """With days of history PostgreSQL's planner turned two of the hour's lookups by key into
    joins that read every matching row ever logged: M7's check for an earlier response of the
    agent in the session (a hash anti-join over every response before the hour, 0.40 s instead
    of 0.04 s at 7 days × 10k events) and M3's shadows of the hour's primaries (a merge join
    over the whole `shadow_of` index). Here nested loops are priced out, as a long history
    prices them, and both reads must still be bounded."""
    engine = open_warehouse(postgres_url)
    path = write_bench_file(tmp_path / "days.jsonl", 6000, datetime(2026, 1, 3), timedelta(days=3), n_agents=4)
    assert ingest_path(engine, path).accepted == 6000
    start = datetime(2026, 1, 5, 10)

    def explained(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> Any:
        return ("EXPLAIN (FORMAT JSON) " + statement if "raw_events" in statement else statement), parameters

    try:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE raw_events"))
            connection.execute(text("SET LOCAL enable_nestloop = off"))
            event.listen(connection, "before_cursor_execute", explained, retval=True)
            for name in ("sessions", "shadow_pairs"):
                plan = run_query(connection, name, start, start + timedelta(hours=1), as_of=start + timedelta(days=1))
                assert unbounded_reads(plan[0]["QUERY PLAN"][0]["Plan"]) == [], name
    finally:
        engine.dispose()


def reads_beyond(plan: dict[str, Any], start: datetime, end: datetime) -> list[str]:
    """The raw_events scans of a plan that are neither the window [start, end) read by time nor
    a lookup by session (an index condition equating session_id with an outer row's column)."""
    window = re.compile(rf"ts >= '{start:%Y-%m-%d %H:%M:%S}'.* AND .*ts < '{end:%Y-%m-%d %H:%M:%S}'")
    by_session = re.compile(r"\(\(?session_id(?:\)::text)? = \(\w+\.session_id\)")
    found: list[str] = []

    def ok(condition: str | None) -> bool:
        return bool(condition) and bool(window.search(condition) or by_session.search(condition))

    def walk(node: dict[str, Any]) -> None:
        if node.get("Relation Name") == "raw_events":
            kind = node["Node Type"]
            if kind == "Bitmap Heap Scan":
                conditions = [c.split(": ", 1)[1] for c in _conditions(node["Plans"][0])]
                fine = bool(conditions) and all(ok(c) for c in conditions)
            else:
                fine = kind in ("Index Scan", "Index Only Scan") and ok(node.get("Index Cond"))
            if not fine:
                found.append(" ".join([kind, *_conditions(node)]))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return found


@pytest.mark.postgres
def test_session_summaries_read_the_window_by_time_and_the_rest_by_session(postgres_url: str, tmp_path: Path) -> None:
    """An hour's session summaries need its sessions' events of the 24 hours before it and
    whether each goes on after it. Joined to the sessions by the planner, the look-back was
    read whole (25 times the hour's events) and, where the planner expected long sessions (its
    statistics put hundreds of events in a session of tens), every event after the window
    too: a past hour cost more the more history followed it (1 s at 4.8M events, 7–10 s at
    36M). Here nested loops are priced out, as such statistics price them: the window must
    still be read by time and everything else looked up by session."""
    engine = open_warehouse(postgres_url)
    path = write_bench_file(tmp_path / "days.jsonl", 6000, datetime(2026, 1, 3), timedelta(days=3), n_agents=4)
    assert ingest_path(engine, path).accepted == 6000
    start, end = datetime(2026, 1, 4, 10), datetime(2026, 1, 4, 11)
    statement = "EXPLAIN (FORMAT JSON) " + query_text("session_summaries", "postgresql")
    try:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE raw_events"))
            connection.execute(text("SET LOCAL enable_nestloop = off"))
            plan = connection.execute(text(statement), summary_params(start, end)).scalar_one()
            assert reads_beyond(plan[0]["Plan"], start, end) == []
    finally:
        engine.dispose()


def test_the_window_checker_tells_the_window_and_session_lookups_from_wider_reads() -> None:
    start, end = datetime(2026, 1, 4, 10), datetime(2026, 1, 4, 11)
    window = {"Node Type": "Index Scan", "Relation Name": "raw_events", "Index Name": "ix_raw_events_ts_type",
              "Index Cond": "((ts >= '2026-01-04 10:00:00'::timestamp without time zone) AND "
                            "(ts < '2026-01-04 11:00:00'::timestamp without time zone))"}
    by_session = {"Node Type": "Index Scan", "Relation Name": "raw_events", "Index Name": "ix_raw_events_session_ts",
                  "Index Cond": "(((session_id)::text = (w.session_id)::text) AND (ts >= '2026-01-03 10:00:00'))"}
    after_recent = {"Node Type": "Bitmap Heap Scan", "Relation Name": "raw_events", "Plans": [
        {"Node Type": "Bitmap Index Scan", "Index Name": "ix_raw_events_ts_type",
         "Index Cond": "(ts >= '2026-01-03 10:00:00'::timestamp without time zone)"}]}
    look_back = {"Node Type": "Index Scan", "Relation Name": "raw_events", "Index Name": "ix_raw_events_ts_type",
                 "Index Cond": "((ts >= '2026-01-03 10:00:00'::timestamp without time zone) AND "
                               "(ts < '2026-01-04 11:00:00'::timestamp without time zone))"}
    one_session = {"Node Type": "Index Scan", "Relation Name": "raw_events", "Index Name": "ix_raw_events_session_ts",
                   "Index Cond": "((session_id)::text = 's1'::text)"}
    assert reads_beyond({"Node Type": "Nested Loop", "Plans": [window, by_session]}, start, end) == []
    assert len(reads_beyond(after_recent, start, end)) == 1
    assert len(reads_beyond(look_back, start, end)) == 1
    assert len(reads_beyond(one_session, start, end)) == 1
    assert len(reads_beyond({"Node Type": "Seq Scan", "Relation Name": "raw_events"}, start, end)) == 1
