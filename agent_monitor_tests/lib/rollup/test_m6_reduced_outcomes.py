"""M6's reduced outcomes (sql/metrics/recovery_outcomes.sql) against the rule worked in Python,
and M6 per hour from them against the replay of every outcome, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.metrics.recovery import Outcome, recovery_window
from agent_monitor.lib.rollup.recovery import m6_by_hour
from agent_monitor.lib.rollup.sql import run_query
from agent_monitor.lib.rollup.window import HOUR, LOOKBACK, epoch, hours
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.events import response, write_jsonl

T0 = datetime(2026, 1, 5, 8)
STEP_FAILURES = ("failed", "timed_out")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _step(event_id: str, ts: str, agent: str, status: str) -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "workflow_step", "ts": ts, "workflow_id": "wf",
            "workflow_run_id": f"run-{event_id}", "step_id": event_id, "agent_id": agent, "status": status}


def generated_events(seed: int = 7) -> list[dict[str, Any]]:
    """Four hours of three agents: responses and steps, failures in bursts, equal timestamps."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    for agent in ("billing", "triage", "search"):
        moment = T0
        n = 0
        while moment < T0 + 4 * HOUR:
            moment += timedelta(seconds=rng.choice((0, 0, 1, 7, 30, 90)))  # 0: a tie on ts
            n += 1
            # Event ids not in time order, so ties are broken by id.
            eid = f"{agent}-{rng.randrange(10**6):06d}-{n}"
            failing = rng.random() < (0.35 if (moment.hour % 2) else 0.08)
            if rng.random() < 0.3:
                status = rng.choice(STEP_FAILURES) if failing else "succeeded"
                events.append(_step(eid, _iso(moment), agent, status))
            else:
                fields = {"status": "error", "error_type": "timeout"} if failing else {}
                events.append(response(eid, _iso(moment), agent_id=agent, **fields))
    return events


def reference_reduction(events: list[dict[str, Any]], start: datetime, end: datetime) -> list[tuple]:
    """The rule of recovery_outcomes.sql, worked row by row: per agent-hour, every failure and
    the first 3 successes of each kind after each failure (the failure counting among its own
    kind's first 4) and of the hour."""
    per: dict[tuple[str, int], list[tuple[float, str, str, int]]] = defaultdict(list)
    for e in events:
        ts = datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
        if not start <= ts < end:
            continue
        if e["event_type"] == "workflow_step":
            success = int(e["status"] == "succeeded")
        else:
            success = int(e.get("status", "ok") == "ok")
        t = epoch(ts)
        per[(e["agent_id"], int(t // 3600))].append((t, e["event_id"], e["event_type"], success))
    kept = []
    for (agent, _), rows in per.items():
        failures = 0
        counts: dict[str, int] = defaultdict(int)
        for t, eid, kind, success in sorted(rows):
            if not success:
                failures += 1
                counts = defaultdict(int)
            counts[kind] += 1
            if not success or counts[kind] <= (4 if failures else 3):
                kept.append((agent, t, eid, kind, success))
    return sorted(kept)


def full_replay(events: list[dict[str, Any]], start: datetime, end: datetime) -> dict:
    """M6 per hour and agent from every outcome of [hour − 24 h, hour end)."""
    per_agent: dict[str, list[Outcome]] = defaultdict(list)
    for e in events:
        ok = e["status"] == "succeeded" if e["event_type"] == "workflow_step" else e.get("status", "ok") == "ok"
        ts = epoch(datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ"))
        per_agent[e["agent_id"]].append(Outcome(ts, e["event_id"], ok, e["event_type"]))
    out = {}
    for agent, outcomes in per_agent.items():
        for hour in hours(start, end):
            lo, h_lo, hi = epoch(hour - LOOKBACK), epoch(hour), epoch(hour + HOUR)
            seen = [o for o in outcomes if lo <= o.ts_epoch < hi]
            if not any(h_lo <= o.ts_epoch for o in seen):
                continue
            result = recovery_window(seen, h_lo, hi)
            out[(hour, agent)] = (result.n_recovered, result.recovery_s_sum, result.open_age_s,
                                  result.open_incident.opened_at if result.open_incident else None)
    return out


@pytest.fixture
def loaded(warehouse_url: str, tmp_path: Path) -> tuple[Any, list[dict[str, Any]]]:
    engine = open_warehouse(warehouse_url)
    events = generated_events()
    ingest_path(engine, write_jsonl(tmp_path / "e.jsonl", events))
    yield engine, events
    engine.dispose()


def test_reduced_outcomes_follow_the_rule_on_generated_data(loaded: Any) -> None:
    engine, events = loaded
    start, end = T0, T0 + 4 * HOUR
    with engine.connect() as connection:
        rows = run_query(connection, "recovery_outcomes", start, end)
    got = sorted((str(r["agent_id"]), float(r["ts_epoch"]), str(r["event_id"]), str(r["kind"]), int(r["success"]))
                 for r in rows)
    want = reference_reduction(events, start, end)
    assert len(want) > 200 and sum(1 for w in want if not w[4]) > 50
    assert got == want


def test_m6_from_reduced_outcomes_equals_the_replay_of_every_outcome(loaded: Any) -> None:
    engine, events = loaded
    start, end = T0, T0 + 4 * HOUR
    with engine.connect() as connection:
        found = m6_by_hour(connection, start, end, end + HOUR)
    got = {k: (v.n_recovered, v.recovery_s_sum, v.open_age_s, v.open_since_epoch) for k, v in found.items()}
    want = full_replay(events, start, end)
    assert sum(v[0] for v in want.values()) > 20
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key][0] == value[0] and got[key][3] == value[3], key
        assert got[key][1] == pytest.approx(value[1]) and got[key][2] == pytest.approx(value[2]), key


def test_reduced_outcomes_by_hand(warehouse_url: str, tmp_path: Path) -> None:
    engine = open_warehouse(warehouse_url)
    at = "2026-01-05T10:00:{:02d}Z"
    events = [
        response("r1", at.format(1)), response("r2", at.format(2)), response("r3", at.format(3)),
        response("r4", at.format(4)),                                  # 4th success of the hour: dropped
        _step("s1", at.format(5), "billing", "succeeded"),             # 1st step success: kept
        _step("sf", at.format(6), "billing", "failed"),                # failure: kept
        response("r5", at.format(7)), response("r6", at.format(8)), response("r7", at.format(9)),
        response("r8", at.format(10)),                                 # 4 responses after a step failure: kept
        response("r9", at.format(11)),                                 # the 5th: dropped
        _step("s2", at.format(12), "billing", "succeeded"), _step("s3", at.format(13), "billing", "succeeded"),
        _step("s4", at.format(14), "billing", "succeeded"),            # steps 2–4 of the step segment: kept
        _step("s5", at.format(15), "billing", "succeeded"),            # the 5th step row: dropped
    ]
    ingest_path(engine, write_jsonl(tmp_path / "e.jsonl", events))
    with engine.connect() as connection:
        rows = run_query(connection, "recovery_outcomes", datetime(2026, 1, 5, 10), datetime(2026, 1, 5, 11))
    assert [r["event_id"] for r in rows] == ["r1", "r2", "r3", "s1", "sf", "r5", "r6", "r7", "r8", "s2", "s3", "s4"]
    engine.dispose()
