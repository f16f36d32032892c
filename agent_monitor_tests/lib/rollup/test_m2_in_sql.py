"""M2 in SQL equals M2 from the session profiler, hour by hour, on generated long sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from agent_monitor.bench.events import write_bench_file
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.rollup.coherence import m2_by_hour, m2_by_hour_profiled
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.events import response, user_message, write_jsonl


def test_m2_in_sql_equals_the_profiler_over_a_window_of_hours(warehouse_url: str, tmp_path: Path) -> None:
    engine = open_warehouse(warehouse_url)
    # 6,000 events over three hours (~2 % of conversations run past turn 50), 6 agents.
    path = write_bench_file(tmp_path / "e.jsonl", 6000, datetime(2026, 1, 5, 9), timedelta(hours=3), n_agents=6)
    ingest_path(engine, path)
    start, end = datetime(2026, 1, 5, 9), datetime(2026, 1, 5, 12)
    with engine.connect() as connection:
        in_sql, profiled = m2_by_hour(connection, start, end), m2_by_hour_profiled(connection, start, end)
    assert profiled and sum(v["n_late_responses"] for v in profiled.values()) > 20
    assert in_sql == profiled


def test_m2_by_hand(warehouse_url: str, tmp_path: Path) -> None:
    engine = open_warehouse(warehouse_url)
    ts = "2026-01-05T10:{:02d}:{:02d}Z"
    events = [user_message("u1", ts.format(0, 0), turn=1, facts_provided=["order:1", "city=Oslo"]),
              user_message("u30", ts.format(1, 0), turn=30, facts_provided=["note:a"])]
    # Turn 50 references order:1 (introduced at 1: early), note:a (at 30: recent) and
    # note:b (first seen here, at 50: recent) → early 1, recent 2. Turn 51 (version v2)
    # references order:1 twice (distinct: early 1) → early 1, recent 0. A shadow at turn 52 and
    # a late response of another hour do not count.
    events += [
        response("r50", ts.format(2, 0), turn=50, facts_referenced=["order:1", "note:a", "note:b"]),
        response("r51", ts.format(3, 0), turn=51, agent_version="v2", facts_referenced=["order:1", "order:1"]),
        response("r52", ts.format(4, 0), turn=52, deployment="shadow", shadow_of="r51", facts_referenced=["x"]),
        response("r53", "2026-01-05T11:00:01Z", turn=53, facts_referenced=["order:1"]),
    ]
    ingest_path(engine, write_jsonl(tmp_path / "m2.jsonl", events))
    with engine.connect() as connection:
        got = m2_by_hour(connection, datetime(2026, 1, 5, 10), datetime(2026, 1, 5, 11))
    hour = datetime(2026, 1, 5, 10)
    assert got == {
        (hour, "billing", ""): {"n_late_responses": 1, "m2_early_refs": 1, "m2_recent_refs": 2, "n_late_sessions": 1},
        (hour, "billing", "v2"): {"n_late_responses": 1, "m2_early_refs": 1, "m2_recent_refs": 0, "n_late_sessions": 1},
    }
