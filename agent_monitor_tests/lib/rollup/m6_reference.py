"""Generated outcomes for the M6 tests and M6 worked from every outcome (the reference)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from agent_monitor.lib.metrics.recovery import Outcome, recovery_window
from agent_monitor.lib.rollup.window import HOUR, LOOKBACK, epoch, hours
from agent_monitor_tests.events import response

T0 = datetime(2026, 1, 5, 8)
STEP_FAILURES = ("failed", "timed_out")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def step(event_id: str, ts: str, agent: str, status: str) -> dict[str, Any]:
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
                events.append(step(eid, iso(moment), agent, status))
            else:
                fields = {"status": "error", "error_type": "timeout"} if failing else {}
                events.append(response(eid, iso(moment), agent_id=agent, **fields))
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
    """M6 per hour and agent from every outcome of [hour − 24 h, hour end), as SPEC §8 words it."""
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
            if not seen:
                continue
            result = recovery_window(seen, h_lo, hi)
            # An hour without outcomes of its own has a row when it recovered or is still open.
            if not any(h_lo <= o.ts_epoch for o in seen) and not result.recovered and result.open_incident is None:
                continue
            out[(hour, agent)] = (result.n_recovered, result.recovery_s_sum, result.open_age_s,
                                  result.open_incident.opened_at if result.open_incident else None)
    return out
