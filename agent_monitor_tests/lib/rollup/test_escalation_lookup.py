"""M7 looks up each session's escalations in an index of escalations only, not by reading
every event of the session (at 1M events an hour: 60k sessions × ~16 events each, 0.4 s of
the 1.1 s query on PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, text

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.rollup.sql import query_text, run_query
from agent_monitor_tests.events import response, user_message, write_jsonl

HOUR = datetime(2026, 1, 5, 10)
PARAMS = {"start": HOUR, "end": datetime(2026, 1, 5, 11), "as_of": datetime(2026, 1, 6)}


def _sessions(n: int) -> list[dict]:
    """n sessions of one user message and two responses; session 0 asks for a handoff after
    the hour, session 1 is abandoned inside it."""
    events: list[dict] = []
    for i in range(n):
        minute = f"{i % 50 + 5:02d}"
        events += [user_message(f"u{i}", f"2026-01-05T10:{minute}:00Z", session_id=f"s{i}"),
                   response(f"a{i}", f"2026-01-05T10:{minute}:01Z", session_id=f"s{i}"),
                   response(f"b{i}", f"2026-01-05T10:{minute}:02Z", session_id=f"s{i}", turn=2)]
    events += [
        {"event_id": "x0", "event_type": "escalation", "ts": "2026-01-05T13:00:00Z", "session_id": "s0",
         "kind": "handoff_request"},
        {"event_id": "x1", "event_type": "escalation", "ts": "2026-01-05T10:40:00Z", "session_id": "s1",
         "kind": "abandon"},
    ]
    return events


def test_the_escalation_lookup_reads_escalations_only(warehouse_engine: Engine, tmp_path: Path) -> None:
    events = _sessions(400)
    assert ingest_path(warehouse_engine, write_jsonl(tmp_path / "hour.jsonl", events)).accepted == len(events)
    statement = query_text("sessions", warehouse_engine.dialect.name)
    with warehouse_engine.begin() as connection:
        # 400 sessions of billing, one with a handoff (after the hour), one abandoned.
        [row] = run_query(connection, "sessions", PARAMS["start"], PARAMS["end"], as_of=PARAMS["as_of"])
        assert (row["agent_id"], row["n_sessions"], row["n_handoff_sessions"], row["n_abandon_sessions"]) == (
            "billing", 400, 1, 1)
        if warehouse_engine.dialect.name == "sqlite":
            plan = [r[3] for r in connection.execute(text("EXPLAIN QUERY PLAN " + statement), PARAMS).all()]
            lookups = [line for line in plan if line.startswith("SEARCH x ")]
        else:
            connection.execute(text("ANALYZE raw_events"))
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            [[document]] = connection.execute(text("EXPLAIN (FORMAT JSON) " + statement), PARAMS).all()
            lookups = [f"{node['Node Type']} {node.get('Index Name')}" for node in _nodes(document[0]["Plan"])
                       if node.get("Alias") == "x"]
    assert lookups, "the plan has no escalation lookup"
    assert all("ix_raw_events_escalations" in line for line in lookups), lookups


def _nodes(plan: dict) -> list[dict]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _nodes(child))]

