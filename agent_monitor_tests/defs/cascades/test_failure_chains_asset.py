"""failure_chains through the asset: roots and blast radius on a hand-drawn DAG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from agent_monitor.defs.cascades.assets import failure_chains
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_signals import failure_chains as table
from agent_monitor_tests.defs.signals.seed import DAY0, HOUR, config_file, materialize, table_rows
from agent_monitor_tests.events import write_jsonl


def step(run: str, step_id: str, agent: str, status: str, ts: str, depends_on: list[str] | None = None) -> dict[str, Any]:
    return {"event_id": f"{run}:{step_id}", "event_type": "workflow_step", "ts": ts, "workflow_id": "orders",
            "workflow_run_id": run, "step_id": step_id, "agent_id": agent, "status": status,
            "depends_on": depends_on or []}


# run1:   a(planner, ok) ─┬─> b(fetcher, FAILED 10:10) ─┬─> c(writer, skipped) ──> d(checker, timed_out)
#                         │                             └─> e(fetcher, skipped 11:05)
#                         └─> f(notifier, FAILED 10:30) ──> g(writer, succeeded)
# run2:   x(planner, FAILED 11:20) ──> y(writer, skipped)
EVENTS = [
    step("run1", "a", "planner", "succeeded", "2026-01-05T10:05:00Z"),
    step("run1", "b", "fetcher", "failed", "2026-01-05T10:10:00Z", ["a"]),
    step("run1", "c", "writer", "skipped", "2026-01-05T10:11:00Z", ["b"]),
    step("run1", "d", "checker", "timed_out", "2026-01-05T10:20:00Z", ["c"]),
    step("run1", "e", "fetcher", "skipped", "2026-01-05T11:05:00Z", ["b"]),
    step("run1", "f", "notifier", "failed", "2026-01-05T10:30:00Z", ["a"]),
    step("run1", "g", "writer", "succeeded", "2026-01-05T10:40:00Z", ["f"]),
    {"event_id": "run1:end", "event_type": "workflow_run", "ts": "2026-01-05T11:10:00Z",
     "workflow_id": "orders", "workflow_run_id": "run1", "status": "failed"},
    step("run2", "x", "planner", "failed", "2026-01-05T11:20:00Z"),
    step("run2", "y", "writer", "skipped", "2026-01-05T11:21:00Z", ["x"]),
]


def test_roots_blast_radius_and_hour(warehouse_engine: Engine, warehouse_url: str, tmp_path: Path) -> None:
    ingest_path(warehouse_engine, write_jsonl(tmp_path / "steps.jsonl", EVENTS))
    config = config_file(tmp_path)
    assert materialize(warehouse_url, config, [failure_chains], DAY0 + HOUR * 10).success
    rows = table_rows(warehouse_engine, table, "root_ts")
    # Roots in 10:00: b (its only upstream a succeeded) and f. d is not a root: b is above it.
    assert [(r["workflow_run_id"], r["root_step_id"]) for r in rows] == [("run1", "b"), ("run1", "f")]
    b, f = rows
    # Below b: c (skipped), d (timed_out), e (skipped, in the next hour) → 3 steps;
    # their agents writer, checker, fetcher minus the root's own fetcher → checker, writer.
    assert b["affected_step_ids"] == ["c", "d", "e"] and b["blast_radius"] == 3
    assert b["affected_agents"] == ["checker", "writer"]
    assert b["root_agent_id"] == "fetcher" and b["root_status"] == "failed"
    assert b["workflow_id"] == "orders" and b["root_hour"] == DAY0 + HOUR * 10
    assert b["run_status"] == "failed" and b["run_completed"] is False
    # Below f only g, which succeeded → nothing affected.
    assert f["affected_step_ids"] == [] and f["blast_radius"] == 0 and f["affected_agents"] == []

    # Hours 10–11 in one run: run2's root x lands in 11:00; run1's rows are rewritten, not doubled.
    assert materialize(warehouse_url, config, [failure_chains], DAY0 + HOUR * 10, DAY0 + HOUR * 11).success
    rows = table_rows(warehouse_engine, table, "root_ts")
    assert [(r["workflow_run_id"], r["root_step_id"], r["blast_radius"]) for r in rows] == [
        ("run1", "b", 3), ("run1", "f", 0), ("run2", "x", 1)]
    assert rows[2]["root_hour"] == DAY0 + HOUR * 11 and rows[2]["run_completed"] is None
